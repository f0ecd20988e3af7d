using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Herald.Storage.Sqlite;

/// <summary>
/// A statement prepared on a connection and bound by position through SQLite's own API: for the statement that runs
/// per event, ADO.NET's per-execution parameter lookup by name costs as much as the insert, and for a read of many
/// small rows its reader costs more than the read. It runs inside whatever transaction the connection has open.
/// </summary>
public sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle!;
        int rc = raw.sqlite3_prepare_v2(_db, sql, out _stmt);
        if (rc != raw.SQLITE_OK) throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc);
    }

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_stmt, index, value));
    public void Bind(int index, double value) => Check(raw.sqlite3_bind_double(_stmt, index, value));
    public void Bind(int index, string? value) => Check(value is null ? raw.sqlite3_bind_null(_stmt, index) : raw.sqlite3_bind_text(_stmt, index, value));
    public void Bind(int index, long? value) => Check(value is { } v ? raw.sqlite3_bind_int64(_stmt, index, v) : raw.sqlite3_bind_null(_stmt, index));
    public void Bind(int index, byte[]? value) => Check(value is null ? raw.sqlite3_bind_null(_stmt, index) : raw.sqlite3_bind_blob(_stmt, index, value));
    public void Bind(int index, double? value) => Check(value is { } v ? raw.sqlite3_bind_double(_stmt, index, v) : raw.sqlite3_bind_null(_stmt, index));

    /// <summary>Runs the statement to completion; answers the rows it changed.</summary>
    public int Execute()
    {
        int rc = raw.sqlite3_step(_stmt);
        raw.sqlite3_reset(_stmt);
        if (rc != raw.SQLITE_DONE) throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc);
        return raw.sqlite3_changes(_db);
    }

    /// <summary>Steps to the next row: true while there is one; at the end the statement is reset for another run.</summary>
    public bool Step()
    {
        int rc = raw.sqlite3_step(_stmt);
        if (rc == raw.SQLITE_ROW) return true;
        raw.sqlite3_reset(_stmt);
        if (rc != raw.SQLITE_DONE) throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc);
        return false;
    }

    public bool ColumnIsNull(int index) => raw.sqlite3_column_type(_stmt, index) == raw.SQLITE_NULL;
    public int ColumnInt(int index) => raw.sqlite3_column_int(_stmt, index);
    public long ColumnInt64(int index) => raw.sqlite3_column_int64(_stmt, index);
    public double ColumnDouble(int index) => raw.sqlite3_column_double(_stmt, index);
    /// <summary>The column as a new string, or null when it is NULL.</summary>
    public string? ColumnText(int index) => ColumnIsNull(index) ? null : raw.sqlite3_column_text(_stmt, index).utf8_to_string();
    /// <summary>The column's bytes, valid until the next step.</summary>
    public ReadOnlySpan<byte> ColumnBlob(int index) => raw.sqlite3_column_blob(_stmt, index);

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc);
    }

    public void Dispose() => _stmt.Dispose();
}
