using Herald.Domain;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// The PostgreSQL store. Readers take pooled connections; the writer holds one connection for the process's life, and
/// that connection holds the writer's lease (a session advisory lock): one node at a time runs the engine's writer, whose
/// caches and overlay are then the only ones that can be ahead of the database. Another node waits for the lease and
/// takes over when the holder's connection ends (docs/DEPLOYMENT.md).
/// </summary>
public sealed partial class PostgresStore : IEngineStore, IRollupReader, IItemReader, IDirectoryStore, IStoreProbe, IFailureReader, ISchemaMigrations, IDisposable
{
    /// <summary>The advisory lock key of the writer's lease ("Herald" in ASCII).</summary>
    public const long WriterLeaseKey = 0x48_65_72_61_6C_64;
    private const long MigrationLockKey = WriterLeaseKey + 1;

    private readonly NpgsqlDataSource _data;
    private readonly int _poolLimit;
    private NpgsqlConnection? _writer;
    private long _nextItemId = -1;
    private int _connectionsInUse;
    private readonly string? _dataDir;

    /// <param name="dataDir">The node's data directory, where the master key file is when <c>HERALD_MASTER_KEY</c> is not set.</param>
    public PostgresStore(string connectionString, string? dataDir = null)
    {
        _dataDir = dataDir;
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        _poolLimit = builder.MaxPoolSize;
        _data = NpgsqlDataSource.Create(builder);
        Target = $"postgres://{builder.Host}:{builder.Port}/{builder.Database}";
    }

    /// <summary>The server and database, without credentials (what logs and the CLI show).</summary>
    public string Target { get; }

    /// <summary>Called once when the writer's connection (and with it the lease) is found lost: the node must stop writing.</summary>
    public Action? LeaseLost { get; set; }

    internal NpgsqlConnection Open()
    {
        var c = _data.OpenConnection();
        Interlocked.Increment(ref _connectionsInUse);
        c.StateChange += (_, e) =>
        {
            if (e.CurrentState == System.Data.ConnectionState.Closed) Interlocked.Decrement(ref _connectionsInUse);
        };
        return c;
    }

    internal static NpgsqlCommand Command(NpgsqlConnection c, string sql, params object?[] values)
    {
        var cmd = new NpgsqlCommand(sql, c);
        foreach (var v in values) cmd.Parameters.Add(new NpgsqlParameter { Value = v ?? DBNull.Value });
        return cmd;
    }

    internal static int Execute(NpgsqlConnection c, string sql, params object?[] values)
    {
        using var cmd = Command(c, sql, values);
        return cmd.ExecuteNonQuery();
    }

    internal static T Scalar<T>(NpgsqlConnection c, string sql, params object?[] values)
    {
        using var cmd = Command(c, sql, values);
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public string Provider => "postgres";

    public bool Ping()
    {
        using var c = Open();
        return Scalar<int>(c, PostgresSql.Ping) == 1;
    }

    /// <summary>The database's size on the server; PostgreSQL's WAL is the server's, not this database's, so none.</summary>
    public (long Database, long Wal) FileSizes()
    {
        using var c = Open();
        return (Scalar<long>(c, PostgresSql.DatabaseSize), 0);
    }

    public StoreConnections Connections() => new(Volatile.Read(ref _connectionsInUse), null, _poolLimit);

    // ---- Migrations ----

    public IReadOnlyList<Migration> Migrations => Postgres.Migrations.PostgresMigrations.All;

    public IReadOnlyList<MigrationStatus> MigrationStatus()
    {
        using var c = Open();
        var applied = AppliedMigrations(c);
        return Postgres.Migrations.PostgresMigrations.All
            .Select(m => new MigrationStatus(m.Version, m.Name, applied.ContainsKey(m.Version), applied.TryGetValue(m.Version, out var t) ? t : null))
            .ToList();
    }

    /// <summary>Applies every migration up to <paramref name="target"/> (all when null); returns those applied. Nodes starting at once take turns.</summary>
    public IReadOnlyList<Migration> MigrateUp(int? target = null)
    {
        using var c = Open();
        var done = new List<Migration>();
        foreach (var m in Postgres.Migrations.PostgresMigrations.All)
        {
            if (target is { } t && m.Version > t) continue;
            using var tx = c.BeginTransaction();
            Execute(c, PostgresSql.LockMigrations, MigrationLockKey);
            if (AppliedMigrations(c).ContainsKey(m.Version)) continue;
            Execute(c, m.Up);
            Execute(c, PostgresSql.InsertMigration, m.Version, m.Name, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
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
        foreach (var m in Postgres.Migrations.PostgresMigrations.All.Reverse())
        {
            if (!applied.ContainsKey(m.Version) || m.Version <= floor) continue;
            using var tx = c.BeginTransaction();
            Execute(c, PostgresSql.LockMigrations, MigrationLockKey);
            Execute(c, m.Down);
            Execute(c, PostgresSql.DeleteMigration, m.Version);
            tx.Commit();
            done.Add(m);
        }
        return done;
    }

    private static Dictionary<int, long> AppliedMigrations(NpgsqlConnection c)
    {
        Execute(c, PostgresSql.CreateMigrationsTable);
        var applied = new Dictionary<int, long>();
        using var cmd = Command(c, PostgresSql.SelectAppliedMigrations);
        using var r = cmd.ExecuteReader();
        while (r.Read()) applied[r.GetInt32(0)] = r.GetInt64(1);
        return applied;
    }

    // ---- Engine, write side ----

    /// <summary>
    /// Opens the writer's connection and takes the lease on it, waiting as long as another node holds it. A host calls this
    /// before it reads the engine's state; <see cref="BeginWrite"/> calls it for tools that did not.
    /// </summary>
    public void AcquireWriterLease()
    {
        if (_writer is not null) return;
        var writer = _data.OpenConnection();
        using (var cmd = Command(writer, PostgresSql.AcquireWriterLease, WriterLeaseKey))
        {
            cmd.CommandTimeout = 0;
            cmd.ExecuteNonQuery();
        }
        _writer = writer;
    }

    public IWriteSession BeginWrite()
    {
        AcquireWriterLease();
        if (_writer!.State != System.Data.ConnectionState.Open)
        {
            // The lease went with the connection: another node may be writing now, so this one's state is stale for good.
            LeaseLost?.Invoke();
            throw new InvalidOperationException("the writer's connection to PostgreSQL, and with it the writer's lease, was lost");
        }
        if (_nextItemId < 0) _nextItemId = Scalar<long>(_writer, PostgresSql.MaxItemId) + 1;
        return new PostgresWriteSession(this, _writer);
    }

    internal long AllocateItemId() => _nextItemId++;

    public long ReadCheckpoint()
    {
        using var c = Open();
        return Scalar<long>(c, PostgresSql.ReadCheckpoint);
    }

    public void ForEachEventAfter(long eventId, Action<StoredEvent> visit)
    {
        using var c = Open();
        using var cmd = Command(c, PostgresSql.SelectEventsAfter, eventId);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            visit(new StoredEvent(r.GetInt64(0), r.GetInt32(1), r.GetInt64(2), r.GetString(3), r.GetInt32(4), r.GetInt64(5), r.GetInt64(6),
                r.GetInt32(7), Text(r, 8), Text(r, 9), Text(r, 10), Double(r, 11), Int(r, 12), Opened(r, 13, 16), Text(r, 14), Text(r, 15)));
        }
    }

    public void ForEachItemKey(Action<int, string> visit)
    {
        using var c = Open();
        using var cmd = Command(c, PostgresSql.SelectItemKeys);
        using var r = cmd.ExecuteReader();
        while (r.Read()) visit(r.GetInt32(0), r.GetString(1));
    }

    public IReadOnlyList<(int Id, DimensionTuple Tuple)> LoadDimensionSets()
    {
        using var c = Open();
        using var cmd = Command(c, PostgresSql.SelectDimensionSets);
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

    internal static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    internal static long? Long(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
    internal static int? Int(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);
    internal static double? Double(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
        _data.Dispose();
    }
}
