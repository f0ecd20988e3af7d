using Herald.Domain;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. The single writer holds its own connection
/// (<see cref="SqliteWriteSession"/>); readers take pooled connections, which WAL lets run beside it.
/// </summary>
public sealed partial class SqliteStore : IEngineStore, IRollupReader, IItemReader, IDirectoryStore, IStoreProbe, ISchemaMigrations, IDisposable
{
    private static readonly System.Text.CompositeFormat ConnectionPragmas = System.Text.CompositeFormat.Parse(SqliteSql.ConnectionPragmas);
    private static readonly System.Text.CompositeFormat CountRowsOf = System.Text.CompositeFormat.Parse(SqliteSql.CountRowsOf);
    private readonly string _connectionString;
    private readonly string _synchronous;
    private readonly bool _archiverCheckpoints;
    private SqliteConnection? _writerConnection;
    private long _nextItemId = -1;

    /// <param name="timings">Where reader connections and write batches record their durations; none in tools and tests that need none.</param>
    /// <param name="archiverCheckpoints">Turn SQLite's automatic checkpoints off: the WAL archiver checkpoints once it has copied the frames.</param>
    public SqliteStore(string path, bool fullSync = false, StoreTimings? timings = null, bool archiverCheckpoints = false)
    {
        _archiverCheckpoints = archiverCheckpoints;
        Timings = timings;
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            Cache = SqliteCacheMode.Private,
        };
        using (var create = new SqliteConnection(builder.ToString())) create.Open();
        // Created once, here: a database file that vanishes later is an error to report, never an empty one to write into.
        builder.Mode = SqliteOpenMode.ReadWrite;
        builder.Pooling = true;
        _connectionString = builder.ToString();
        _synchronous = fullSync ? "FULL" : "NORMAL";
    }

    public string Path { get; }

    internal StoreTimings? Timings { get; }

    // Page cache in KiB: the writer's indexes are hot and large; a reader's work is a few range scans.
    private const int WriterCacheKib = 32 * 1024;
    private const int ReaderCacheKib = 4 * 1024;

    private int _connectionsInUse;

    /// <param name="operation">The store method that opens it, which its timing is recorded under.</param>
    internal SqliteConnection Open(bool writer = false, [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        var connection = writer || Timings is null ? new SqliteConnection(_connectionString) : new TimedConnection(_connectionString, operation, Timings);
        connection.Open();
        Interlocked.Increment(ref _connectionsInUse);
        connection.StateChange += (_, e) =>
        {
            if (e.CurrentState == System.Data.ConnectionState.Closed) Interlocked.Decrement(ref _connectionsInUse);
        };
        using var pragmas = connection.CreateCommand();
        pragmas.CommandText = string.Format(null, ConnectionPragmas, _synchronous, writer ? WriterCacheKib : ReaderCacheKib)
            + (_archiverCheckpoints ? SqliteSql.NoAutomaticCheckpoints : "");
        pragmas.ExecuteNonQuery();
        return connection;
    }

    public string Provider => "sqlite";

    /// <summary>
    /// In use: connections opened here and not yet closed (the writer's is held for the process's life). Open: the process's
    /// file descriptors on the database file, one per SQLite connection, so pooled idle ones count, as do handles SQLite keeps
    /// after a close while other connections hold locks (null without /proc).
    /// Microsoft.Data.Sqlite's pool has no size limit.
    /// </summary>
    public StoreConnections Connections() => new(Volatile.Read(ref _connectionsInUse), OpenDatabaseFiles(), null);

    private int? OpenDatabaseFiles()
    {
        const string descriptors = "/proc/self/fd";
        if (!Directory.Exists(descriptors)) return null;
        int open = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries(descriptors))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget == Path) open++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // a descriptor closed while the folder was read
            }
        }
        return open;
    }

    /// <summary>Seconds a probe may wait for the store (a lock held elsewhere) before it counts as failed.</summary>
    public const int PingTimeoutSeconds = 2;

    /// <summary>
    /// A new connection (not a pooled one, which keeps its open file) that opens the existing file and reads its schema:
    /// fails when the file is gone, unreadable, or locked for longer than <see cref="PingTimeoutSeconds"/>.
    /// </summary>
    public bool Ping()
    {
        var probe = new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = PingTimeoutSeconds };
        using var c = new SqliteConnection(probe.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.Ping;
        return Convert.ToInt64(cmd.ExecuteScalar()) == 1;
    }

    // ---- Migrations ----

    public IReadOnlyList<Migration> Migrations => Sqlite.Migrations.SqliteMigrations.All;

    public IReadOnlyList<MigrationStatus> MigrationStatus()
    {
        using var c = Open();
        var applied = AppliedMigrations(c);
        return Sqlite.Migrations.SqliteMigrations.All
            .Select(m => new MigrationStatus(m.Version, m.Name, applied.ContainsKey(m.Version), applied.TryGetValue(m.Version, out var t) ? t : null))
            .ToList();
    }

    /// <summary>Applies every migration up to <paramref name="target"/> (all when null); returns those applied.</summary>
    public IReadOnlyList<Migration> MigrateUp(int? target = null)
    {
        using var c = Open();
        RegisterMigrationFunctions(c);
        var applied = AppliedMigrations(c);
        var done = new List<Migration>();
        foreach (var m in Sqlite.Migrations.SqliteMigrations.All)
        {
            if (applied.ContainsKey(m.Version) || (target is { } t && m.Version > t)) continue;
            using var tx = c.BeginTransaction();
            Execute(c, tx, m.Up);
            Execute(c, tx, SqliteSql.InsertMigration, ("$v", m.Version), ("$n", m.Name), ("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            tx.Commit();
            done.Add(m);
        }
        return done;
    }

    /// <summary>Reverts applied migrations above <paramref name="target"/> (default: the newest one only).</summary>
    public IReadOnlyList<Migration> MigrateDown(int? target = null)
    {
        using var c = Open();
        var applied = AppliedMigrations(c);
        int floor = target ?? (applied.Count == 0 ? 0 : applied.Keys.Max() - 1);
        var done = new List<Migration>();
        foreach (var m in Sqlite.Migrations.SqliteMigrations.All.Reverse())
        {
            if (!applied.ContainsKey(m.Version) || m.Version <= floor) continue;
            using var tx = c.BeginTransaction();
            Execute(c, tx, m.Down);
            Execute(c, tx, SqliteSql.DeleteMigration, ("$v", m.Version));
            tx.Commit();
            done.Add(m);
        }
        return done;
    }

    /// <summary>The C# classification migration 14's backfill uses, so stored and written consent rows agree exactly.</summary>
    private static void RegisterMigrationFunctions(SqliteConnection c)
    {
        c.CreateFunction<string?, long?>(SqliteSql.ConsentCodeFunction, text =>
            Herald.Engine.ConsentKeywords.Code(Herald.Engine.ConsentKeywords.Classify(text)) is var code and >= 0 ? code : null, isDeterministic: true);
        c.CreateFunction<string?, string?>(SqliteSql.ConsentKeywordFunction, text =>
        {
            Herald.Engine.ConsentKeywords.Classify(text, out var keyword);
            return keyword;
        }, isDeterministic: true);
    }

    private static Dictionary<int, long> AppliedMigrations(SqliteConnection c)
    {
        Execute(c, null, SqliteSql.CreateMigrationsTable);
        var applied = new Dictionary<int, long>();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectAppliedMigrations;
        using var r = cmd.ExecuteReader();
        while (r.Read()) applied[r.GetInt32(0)] = r.GetInt64(1);
        return applied;
    }

    internal static int Execute(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(c, sql, parameters);
        cmd.Transaction = tx;
        return cmd.ExecuteNonQuery();
    }

    internal static SqliteCommand Command(SqliteConnection c, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    // ---- Engine, write side ----

    public IWriteSession BeginWrite()
    {
        // Opened before the write transaction: a first open adds the data keys, which that transaction would lock out.
        _ = Fields;
        _writerConnection ??= Open(writer: true);
        if (_nextItemId < 0)
        {
            using var cmd = _writerConnection.CreateCommand();
            cmd.CommandText = SqliteSql.MaxItemId;
            _nextItemId = Convert.ToInt64(cmd.ExecuteScalar()) + 1;
        }
        return new SqliteWriteSession(this, _writerConnection);
    }

    internal long AllocateItemId() => _nextItemId++;

    public long ReadCheckpoint()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.ReadCheckpoint;
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    public void ForEachEventAfter(long eventId, Action<StoredEvent> visit)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectEventsAfter;
        cmd.Parameters.AddWithValue("$id", eventId);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            visit(new StoredEvent(r.GetInt64(0), r.GetInt32(1), r.GetInt64(2), r.GetString(3), r.GetInt32(4), r.GetInt64(5), r.GetInt64(6),
                r.GetInt32(7), Text(r, 8), Text(r, 9), Text(r, 10), Double(r, 11), Int(r, 12), Opened(r, 13), Text(r, 14), Text(r, 15)));
        }
    }

    public void ForEachItemKey(Action<int, string> visit)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectItemKeys;
        using var r = cmd.ExecuteReader();
        while (r.Read()) visit(r.GetInt32(0), r.GetString(1));
    }

    public IReadOnlyList<(int Id, DimensionTuple Tuple)> LoadDimensionSets()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = SqliteSql.SelectDimensionSets;
        using var r = cmd.ExecuteReader();
        var list = new List<(int, DimensionTuple)>();
        while (r.Read())
        {
            list.Add((r.GetInt32(0), new DimensionTuple(
                r.GetInt32(1), (ItemKind)r.GetInt32(2), Text(r, 3), Text(r, 4), Text(r, 5), Text(r, 6), Text(r, 7), Text(r, 8), Text(r, 9),
                Text(r, 10), Text(r, 11))));
        }
        return list;
    }

    internal static string? Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    internal static long? Long(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
    internal static int? Int(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);
    internal static double? Double(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    public void Dispose()
    {
        if (_writerConnection is not null) SqliteWriteSession.ReleaseStatements(_writerConnection);
        _writerConnection?.Dispose();
        _writerConnection = null;
        foreach (var statement in _deliveryStatements.Values) statement.Dispose();
        _deliveryStatements.Clear();
        _deliveryWriterConnection?.Dispose();
        _deliveryWriterConnection = null;
        SqliteConnection.ClearAllPools();
    }
}
