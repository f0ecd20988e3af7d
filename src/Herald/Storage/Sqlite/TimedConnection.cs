using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Herald.Storage.Sqlite;

/// <summary>
/// A pooled reader connection that, when given back, records how long its operation held it (<see cref="StoreTimings"/>)
/// and the page cache hits and misses it saw (SQLite's per-connection counters, reset as they are read).
/// </summary>
internal sealed class TimedConnection(string connectionString, string operation, StoreTimings timings) : SqliteConnection(connectionString)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private bool _recorded;

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_recorded)
        {
            _recorded = true;
            timings.Record(operation, Stopwatch.GetElapsedTime(_started));
            if (State == System.Data.ConnectionState.Open) RecordCache(Handle, timings);
        }
        base.Dispose(disposing);
    }

    /// <summary>Adds a connection's page cache hits and misses since the last reading, and resets them.</summary>
    public static void RecordCache(sqlite3? handle, StoreTimings timings)
    {
        if (handle is null) return;
        raw.sqlite3_db_status(handle, raw.SQLITE_DBSTATUS_CACHE_HIT, out int hits, out _, 1);
        raw.sqlite3_db_status(handle, raw.SQLITE_DBSTATUS_CACHE_MISS, out int misses, out _, 1);
        timings.AddCacheStats(hits, misses);
    }
}
