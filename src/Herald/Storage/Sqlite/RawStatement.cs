using System.Runtime.InteropServices;
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
    private readonly IntPtr _handle;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle!;
        int rc = raw.sqlite3_prepare_v2(_db, sql, out _stmt);
        if (rc != raw.SQLITE_OK) throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc);
        _handle = _stmt.DangerousGetHandle(); // valid while _stmt is, which this statement owns
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

    public bool ColumnIsNull(int index) =>
        (NativeColumns.Available ? NativeColumns.Type(_handle, index) : raw.sqlite3_column_type(_stmt, index)) == raw.SQLITE_NULL;
    public int ColumnInt(int index) => NativeColumns.Available ? NativeColumns.Int32(_handle, index) : raw.sqlite3_column_int(_stmt, index);
    public long ColumnInt64(int index) => NativeColumns.Available ? NativeColumns.Int64(_handle, index) : raw.sqlite3_column_int64(_stmt, index);
    public double ColumnDouble(int index) => NativeColumns.Available ? NativeColumns.Double(_handle, index) : raw.sqlite3_column_double(_stmt, index);

    /// <summary>Copies the column's bytes (text as UTF-8) into <paramref name="buffer"/> at <paramref name="at"/>, growing it as needed; answers their length.</summary>
    public int CopyColumn(int index, ref byte[] buffer, int at)
    {
        if (!NativeColumns.Available)
        {
            var bytes = ColumnBlob(index);
            Room(ref buffer, at + bytes.Length);
            bytes.CopyTo(buffer.AsSpan(at));
            return bytes.Length;
        }
        var start = NativeColumns.Blob(_handle, index); // before the length, as SQLite asks
        int length = NativeColumns.Bytes(_handle, index);
        Room(ref buffer, at + length);
        if (length > 0) Marshal.Copy(start, buffer, at, length);
        return length;
    }

    private static void Room(ref byte[] buffer, int length)
    {
        if (length > buffer.Length) Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length));
    }
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
