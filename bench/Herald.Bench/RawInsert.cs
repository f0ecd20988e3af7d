using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Herald.Bench;

/// <summary>The baseline's statement: SQLite's own prepare/bind/step, bound by position (no engine code).</summary>
public sealed class RawInsert : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;

    public RawInsert(SqliteConnection c, string sql)
    {
        _db = c.Handle!;
        if (raw.sqlite3_prepare_v2(_db, sql, out _stmt) != raw.SQLITE_OK) throw new InvalidOperationException(raw.sqlite3_errmsg(_db).utf8_to_string());
    }

    public void Bind(int i, long v) => raw.sqlite3_bind_int64(_stmt, i, v);
    public void Bind(int i, string? v) => _ = v is null ? raw.sqlite3_bind_null(_stmt, i) : raw.sqlite3_bind_text(_stmt, i, v);
    public void Bind(int i, long? v) => _ = v is { } x ? raw.sqlite3_bind_int64(_stmt, i, x) : raw.sqlite3_bind_null(_stmt, i);
    public void Bind(int i, double? v) => _ = v is { } x ? raw.sqlite3_bind_double(_stmt, i, x) : raw.sqlite3_bind_null(_stmt, i);

    public void Execute()
    {
        int rc = raw.sqlite3_step(_stmt);
        raw.sqlite3_reset(_stmt);
        if (rc != raw.SQLITE_DONE) throw new InvalidOperationException(raw.sqlite3_errmsg(_db).utf8_to_string());
    }

    public void Dispose() => _stmt.Dispose();
}
