using System.Globalization;
using System.Text.Json;
using Herald.Hosting;
using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Herald.Backup;

/// <summary>The <c>Herald:Backup:Archive</c> section: continuous WAL archiving for point-in-time restore.</summary>
public sealed class WalArchiveOptions
{
    /// <summary>Archive the WAL while the server runs (needs <c>HERALD_BACKUP_KEY</c> or <see cref="KeyFile"/>).</summary>
    public bool Enabled { get; set; }
    /// <summary>Where generations are written; default <c>&lt;data dir&gt;/archive</c>.</summary>
    public string? Directory { get; set; }
    /// <summary>A file holding the backup key, used when <c>HERALD_BACKUP_KEY</c> is not set.</summary>
    public string? KeyFile { get; set; }
    /// <summary>How often new WAL frames are copied: the recovery point objective is this plus one segment's write.</summary>
    public int IntervalMilliseconds { get; set; } = 250;
    /// <summary>The log's length in frames at which the archiver checkpoints it (SQLite's own automatic checkpoint is off).</summary>
    public int CheckpointFrames { get; set; } = 1000;

    /// <summary>The archive directory for this data directory.</summary>
    public string DirectoryFor(HeraldOptions herald) => Directory ?? Path.Combine(herald.DataDir, "archive");
}

/// <summary>
/// Archives the database's write-ahead log continuously, as Litestream does, so that a base backup plus the archived frames
/// replay the database to any moment. Every few hundred milliseconds it copies the newly committed frames into an encrypted
/// segment (<see cref="WalSegment"/> inside <see cref="BackupFile"/>'s format). No frame may leave the log before it is
/// copied: the server's connections run with automatic checkpoints off, and the archiver holds a read transaction at all
/// times, which keeps any other checkpoint from resetting the log (SQLite resets it only when no reader uses it). It
/// checkpoints itself, holding the write lock so nothing is written between its last copy and the checkpoint. A log reset it
/// did not allow for, or a log that vanished, means frames may have been missed: it starts a new generation (a new base
/// backup) rather than leave a gap. Each server start begins a generation too, since nothing proves the database was not
/// changed while no archiver watched it.
/// </summary>
public sealed class WalArchiver(WalArchiveOptions options, HeraldOptions herald, SqliteStore store, TimeProvider time, ILogger<WalArchiver> log) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private BackupKey _key = null!;
    private SqliteConnection? _reader;
    private SqliteConnection? _writeLock;
    private Task? _loop;
    private string _generation = "";
    private string _generationDir = "";
    private int _pageSize;
    private WalHeader? _wal;
    private WalPosition _position;
    private bool _resetAllowed;
    private bool _generationOpen;
    private bool _reading;
    private DateTimeOffset _retryGenerationAt;
    private long _sequence;
    private long _lastCheckpointFrame;

    /// <summary>The generation being written (its directory's name).</summary>
    public string Generation => _generation;

    private string WalPath => store.Path + "-wal";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var secret = BackupFile.Secret(options.KeyFile)
            ?? throw new InvalidOperationException("Herald:Backup:Archive:Enabled needs a backup key: set HERALD_BACKUP_KEY or Herald:Backup:Archive:KeyFile");
        _key = new BackupKey(secret);
        // A base's plain copy left by a process that was killed while writing it.
        foreach (var stale in Directory.EnumerateFiles(herald.DataDir, ".archive-base-*.db")) File.Delete(stale);
        StartGeneration();
        _loop = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null) await _loop;
        // The last frames the server committed before stopping.
        Archive(final: true);
        CloseConnections();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.IntervalMilliseconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token)) Archive(final: false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private void Archive(bool final)
    {
        try
        {
            if (!_generationOpen || !_reading)
            {
                // A generation that failed to start, or a held read that was lost: nothing guarantees continuity any more.
                if (final || time.GetUtcNow() < _retryGenerationAt) return;
                _retryGenerationAt = time.GetUtcNow().AddSeconds(10);
                StartGeneration();
                return;
            }
            if (!CopyNewFrames())
            {
                log.LogWarning("The WAL was reset or removed outside the archiver's control; starting a new archive generation");
                StartGeneration();
                return;
            }
            if (!final && _position.NextFrame - 1 - _lastCheckpointFrame >= options.CheckpointFrames) Checkpoint();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // While the read is held the frames stay in the log and are copied on a later tick; otherwise a new generation starts.
            log.LogError(e, "WAL archiving failed; retrying");
        }
    }

    /// <summary>
    /// Opens a generation: under the write lock, finds where the log's committed frames end, begins the held read transaction
    /// there, then copies that snapshot page for page (SQLite's backup API, so archived frames apply to it) as the base.
    /// </summary>
    private void StartGeneration()
    {
        _generationOpen = false;
        CloseConnections();
        _writeLock = Connect();
        _reader = Connect();
        long snapshotMs;
        Execute(_writeLock, "BEGIN IMMEDIATE");
        try
        {
            using (var wal = OpenWal())
            {
                _wal = wal is null ? null : WalLog.ReadHeader(wal);
                _position = _wal is null ? new WalPosition(1, 0, 0) : WalLog.ReadCommitted(wal!, _wal, WalLog.Start(_wal), static (_, _, _) => { });
            }
            BeginRead();
            snapshotMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        }
        finally
        {
            Execute(_writeLock, "ROLLBACK");
        }
        _resetAllowed = true;
        _lastCheckpointFrame = _position.NextFrame - 1;
        using (var pageSize = _reader.CreateCommand())
        {
            pageSize.CommandText = "PRAGMA page_size";
            _pageSize = Convert.ToInt32(pageSize.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        string archive = options.DirectoryFor(herald);
        _generation = $"{DateTimeOffset.FromUnixTimeMilliseconds(snapshotMs):yyyyMMdd'T'HHmmssfff'Z'}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}";
        _generationDir = Path.Combine(archive, _generation);
        Directory.CreateDirectory(_generationDir);
        string snapshot = Path.Combine(herald.DataDir, $".archive-base-{Guid.NewGuid():n}.db");
        try
        {
            using (var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = snapshot, Pooling = false }.ToString()))
            {
                copy.Open();
                _reader.BackupDatabase(copy);
            }
            WriteFile(WalArchive.BaseName, output => BackupContents.Write(snapshot, herald.DataDir, output, _key));
        }
        finally
        {
            File.Delete(snapshot);
        }
        _sequence = 0;
        WriteSegment(new WalSegmentHeader(0, _wal?.Salt ?? 0, _pageSize, _position.NextFrame, 0, snapshotMs, snapshotMs), EmptySegment());
        WriteHead(snapshotMs);
        _generationOpen = true;
        log.LogInformation("WAL archive generation {Generation} started in {Directory}", _generation, archive);
    }

    /// <summary>Copies the frames committed since the last copy into the next segment; false when the log was reset or removed unexpectedly.</summary>
    private bool CopyNewFrames()
    {
        long readStartMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        using var wal = OpenWal();
        var header = wal is null ? null : WalLog.ReadHeader(wal);
        if (header is null)
        {
            if (wal is not null && wal.Length >= WalLog.HeaderBytes) return true; // its header is being rewritten: next time
            if (wal is null && _wal is not null && !_resetAllowed) return false;
            WriteHead(readStartMs);
            return true;
        }
        if (_wal is null || header.Salt != _wal.Salt)
        {
            if (!_resetAllowed) return false;
            _wal = header;
            _position = WalLog.Start(header);
            _resetAllowed = false;
            _lastCheckpointFrame = 0;
            log.LogDebug("The WAL was reset after a checkpoint; archiving from frame 1 of the new log");
        }
        var frames = EmptySegment();
        var prefix = new byte[8];
        var next = WalLog.ReadCommitted(wal!, header, _position, (page, databaseSize, data) =>
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(prefix, page);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(4), databaseSize);
            frames.Write(prefix, 0, 8);
            frames.Write(data);
        });
        int count = checked((int)(next.NextFrame - _position.NextFrame));
        if (count > 0)
        {
            frames.SetLength(WalSegment.HeaderBytes + (long)count * (8 + header.PageSize));
            long readEndMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            WriteSegment(new WalSegmentHeader(_sequence + 1, header.Salt, header.PageSize, _position.NextFrame, count, readStartMs, readEndMs), frames);
            _position = next;
        }
        WriteHead(readStartMs);
        return true;
    }

    /// <summary>
    /// Holding the write lock (so no frame lands after the copy), copies the rest of the log, ends the held read, checkpoints
    /// passively, and begins the held read again before releasing the lock: the log may then reset once, losing only copied frames.
    /// </summary>
    private void Checkpoint()
    {
        bool continuous;
        Execute(_writeLock!, "BEGIN IMMEDIATE");
        try
        {
            continuous = CopyNewFrames();
            if (continuous)
            {
                Execute(_reader!, "COMMIT");
                _reading = false;
                try
                {
                    Execute(_reader!, "PRAGMA wal_checkpoint(PASSIVE)");
                }
                finally
                {
                    BeginRead();
                }
                _resetAllowed = true;
                _lastCheckpointFrame = _position.NextFrame - 1;
            }
        }
        finally
        {
            Execute(_writeLock!, "ROLLBACK");
        }
        if (!continuous) StartGeneration();
    }

    private static MemoryStream EmptySegment()
    {
        var plain = new MemoryStream();
        plain.Write(new byte[WalSegment.HeaderBytes]);
        return plain;
    }

    private void BeginRead()
    {
        Execute(_reader!, "BEGIN");
        Execute(_reader!, "SELECT count(*) FROM sqlite_schema");
        _reading = true;
    }

    private void WriteSegment(WalSegmentHeader header, MemoryStream plain)
    {
        WalSegment.WriteHeader(plain.GetBuffer(), header);
        plain.Position = 0;
        WriteFile(WalSegment.FileName(header.Sequence), output => BackupFile.Write(plain, output, _key));
        _sequence = header.Sequence;
    }

    /// <summary>Where the archive stands, in plain JSON (times and numbers only) for operators and monitoring: every commit before <c>complete_through</c> is archived.</summary>
    private void WriteHead(long completeThroughMs)
    {
        string temporary = Path.Combine(_generationDir, WalArchive.HeadName + ".tmp");
        File.WriteAllText(temporary, JsonSerializer.Serialize(new WalArchiveHead(_generation, _sequence, Herald.Domain.Timestamps.Iso(DateTimeOffset.FromUnixTimeMilliseconds(completeThroughMs)))));
        File.Move(temporary, Path.Combine(_generationDir, WalArchive.HeadName), overwrite: true);
    }

    private void WriteFile(string name, Action<Stream> write)
    {
        string final = Path.Combine(_generationDir, name), temporary = final + ".tmp";
        var mode = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) mode.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temporary, mode))
        {
            write(file);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, final, overwrite: true);
    }

    private FileStream? OpenWal()
    {
        try
        {
            return new FileStream(WalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store.Path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 10000; PRAGMA wal_autocheckpoint = 0");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private void CloseConnections()
    {
        _reader?.Dispose();
        _writeLock?.Dispose();
        _reader = _writeLock = null;
        _reading = false;
    }

    public void Dispose()
    {
        CloseConnections();
        _stopping.Dispose();
    }
}
