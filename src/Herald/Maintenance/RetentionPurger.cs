using System.Collections.Concurrent;
using Herald.Hosting;
using Herald.Recordings;
using Herald.Storage;

namespace Herald.Maintenance;

/// <summary>
/// Files that belong to a collection's rows and are not in the database (report files): with archiving, each one's bytes
/// go into the archive beside its row, as a <c>{Table}_files</c> line <c>{"key":...,"content":base64}</c>; after the rows are
/// deleted, the files are. <paramref name="KeyColumn"/> is the main row's column that holds the file's key.
/// </summary>
public sealed record PurgeFiles(string Table, string KeyColumn, Func<string, byte[]?> Read, Action<string> Delete);

/// <summary>A collection's last purge in this process: when, how many rows it deleted, and why it failed (nothing then deleted).</summary>
public sealed record PurgeOutcome(long AtMs, long Deleted, string? Error);

/// <summary>
/// Retention's one delete path, for every collection that deletes by age: the retention job's, the audit trail's, OTP
/// housekeeping's, the system metrics', the utilization samples' and the reports'. Rows go in small batches, one short
/// transaction each. With <see cref="RetentionOptions.Archive"/>, every row is first written to a gzip NDJSON archive
/// (<see cref="ArchiveFile"/>) that is stored in the backup store before anything of it is deleted; a store that fails
/// throws, and nothing of the collection is deleted. A purge larger than <see cref="ArchivePartRows"/> rows is archived in
/// parts (<c>NAME-2.ndjson.gz</c>...), each stored before its rows go, so memory stays bounded.
/// </summary>
public sealed class RetentionPurger(IPurgeStore purge, RetentionOptions options, IArchiveStore archive, IAudioStore audio, HeraldOptions herald,
    ILogger<RetentionPurger> logger)
{
    public const int ArchivePartRows = 100_000;
    private readonly ConcurrentDictionary<string, PurgeOutcome> _last = new(StringComparer.Ordinal);

    public bool Archives => options.Archive;

    /// <summary>The named collection's last purge since the start, if any (<c>GET /api/v1/admin/retention</c> shows it).</summary>
    public PurgeOutcome? LastOutcome(string name) => _last.GetValueOrDefault(name);

    /// <summary>
    /// Deletes the collection's rows the policy matches at <paramref name="beforeMs"/> (archived first when archiving is
    /// on); answers how many. Recordings' audio and <paramref name="files"/> go after their rows (a failed file delete is
    /// logged, never undone).
    /// </summary>
    public long Purge(PurgeCollection collection, string name, long beforeMs, DateTimeOffset run, PurgeFiles? files = null, CancellationToken ct = default)
    {
        try
        {
            long deleted = PurgeRows(collection, name, beforeMs, run, files, ct);
            _last[name] = new PurgeOutcome(run.ToUnixTimeMilliseconds(), deleted, null);
            return deleted;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _last[name] = new PurgeOutcome(run.ToUnixTimeMilliseconds(), 0, e.Message);
            throw;
        }
    }

    private long PurgeRows(PurgeCollection collection, string name, long beforeMs, DateTimeOffset run, PurgeFiles? files, CancellationToken ct)
    {
        long nowMs = run.ToUnixTimeMilliseconds();
        long deleted = 0;
        PurgeCandidate? cursor = null;
        if (!options.Archive)
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var batch = purge.SelectPurgeCandidates(collection, beforeMs, nowMs, cursor, options.BatchSize);
                if (batch.Count == 0) return deleted;
                deleted += Delete(collection, beforeMs, nowMs, batch, files);
                cursor = batch[^1];
            }
        }
        for (int part = 1; ; part++)
        {
            var candidates = new List<PurgeCandidate>();
            using var file = new ArchiveFile(herald.DataDir);
            Action<string, IReadOnlyList<(string Column, object? Value)>> write = files is null ? file.Write : WithFiles(file, files);
            while (candidates.Count < ArchivePartRows)
            {
                ct.ThrowIfCancellationRequested();
                var batch = purge.SelectPurgeCandidates(collection, beforeMs, nowMs, cursor, Math.Min(options.BatchSize, ArchivePartRows - candidates.Count));
                if (batch.Count == 0) break;
                purge.ReadPurgeRows(collection, batch, write);
                candidates.AddRange(batch);
                cursor = batch[^1];
            }
            if (candidates.Count == 0) return deleted;
            Store(file, name, candidates, run, part, ct);
            foreach (var chunk in candidates.Chunk(options.BatchSize))
            {
                ct.ThrowIfCancellationRequested();
                deleted += Delete(collection, beforeMs, nowMs, chunk, files);
            }
            if (candidates.Count < ArchivePartRows) return deleted;
        }
    }

    private void Store(ArchiveFile file, string name, List<PurgeCandidate> candidates, DateTimeOffset run, int part, CancellationToken ct)
    {
        string sha256 = file.Finish();
        string archiveName = ArchiveNames.For(name, candidates.Min(c => c.AtMs), candidates.Max(c => c.AtMs), run, part);
        try
        {
            archive.PutAsync(archiveName, file.Path, sha256, ct).GetAwaiter().GetResult();
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            throw new InvalidOperationException($"the archive {archiveName} could not be stored in {archive.Location}, so no {name} were deleted: {e.Message}", e);
        }
        logger.LogInformation("retention: archived {Rows} rows of {Collection} as {Archive} in {Location}", file.Rows, name, archiveName, archive.Location);
    }

    /// <summary>Writes each row, and after a main row its file's bytes (a file already gone is left out).</summary>
    private static Action<string, IReadOnlyList<(string Column, object? Value)>> WithFiles(ArchiveFile file, PurgeFiles files) => (table, row) =>
    {
        file.Write(table, row);
        if (table != files.Table) return;
        foreach (var (column, value) in row)
        {
            if (column != files.KeyColumn || value is not string key) continue;
            if (files.Read(key) is { } content) file.Write(files.Table + "_files", [("key", key), ("content", content)]);
        }
    };

    private int Delete(PurgeCollection collection, long beforeMs, long nowMs, IReadOnlyList<PurgeCandidate> batch, PurgeFiles? files)
    {
        var result = purge.DeletePurgeCandidates(collection, beforeMs, nowMs, batch);
        foreach (string key in result.FileKeys)
        {
            try
            {
                if (files is not null) files.Delete(key);
                else audio.DeleteAsync(key, CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "retention: the file {Key} of a deleted row of {Collection} could not be deleted", key, collection);
            }
        }
        return result.Deleted;
    }
}
