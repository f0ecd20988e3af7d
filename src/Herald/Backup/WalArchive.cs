using System.Text.Json;
using System.Text.Json.Serialization;
using Herald.Domain;

namespace Herald.Backup;

/// <summary>A point in time the archive cannot give: before its oldest base, after what it holds, or in a gap between generations.</summary>
public sealed class OutsideArchiveException(string message) : Exception(message);

/// <summary>A generation's <c>head.json</c>: the last segment written and the time through which every commit is archived.</summary>
public sealed record WalArchiveHead(
    [property: JsonPropertyName("generation")] string Generation,
    [property: JsonPropertyName("segment")] long Segment,
    [property: JsonPropertyName("complete_through")] string CompleteThrough);

/// <summary>One generation's span: its base's snapshot time and the time through which its segments hold every commit.</summary>
public sealed record WalGeneration(string Directory, long BaseMs, long ThroughMs);

/// <summary>What a point-in-time restore applied.</summary>
public sealed record PointInTimeResult(string Generation, int Segments, long StateAtMs, IReadOnlyList<string> KeyFiles);

/// <summary>
/// Reads the WAL archive the <see cref="WalArchiver"/> writes: <c>&lt;archive&gt;/&lt;generation&gt;/base.hbk</c>, then
/// <c>0000000000.seg</c> (where the base stands in the log), <c>0000000001.seg</c>, ... and <c>head.json</c>; and replays a
/// generation to a moment.
/// </summary>
public static class WalArchive
{
    public const string BaseName = "base.hbk";
    public const string HeadName = "head.json";

    /// <summary>
    /// The generation directory or the archive root <paramref name="source"/> names (a directory, or a generation's
    /// <c>base.hbk</c>); null when it is a single backup file, which has no archived frames.
    /// </summary>
    public static string? ArchiveSource(string source)
    {
        if (Directory.Exists(source)) return source;
        return Path.GetFileName(source) == BaseName && File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(source))!, WalSegment.FileName(0)))
            ? Path.GetDirectoryName(Path.GetFullPath(source))
            : null;
    }

    /// <summary>
    /// The generation that holds the state at <paramref name="atMs"/> (the newest generation's end when null): the newest whose
    /// base was taken at or before it. Throws <see cref="OutsideArchiveException"/> when none covers it.
    /// </summary>
    public static WalGeneration Choose(string source, long? atMs, BackupKey key)
    {
        var candidates = File.Exists(Path.Combine(source, BaseName))
            ? [source]
            : Directory.EnumerateDirectories(source).Where(d => File.Exists(Path.Combine(d, BaseName))).Order(StringComparer.Ordinal).ToList();
        if (candidates.Count == 0) throw new OutsideArchiveException($"{source} holds no archive generation (no {BaseName})");
        var generations = new List<WalGeneration>();
        for (int i = candidates.Count - 1; i >= 0; i--)
        {
            var generation = Describe(candidates[i], key);
            generations.Insert(0, generation);
            if (atMs is null || generation.BaseMs <= atMs)
            {
                if (atMs is { } at && at > generation.ThroughMs)
                    throw new OutsideArchiveException(
                        $"{Timestamps.Iso(at)} is after what the archive holds: generation {Path.GetFileName(generation.Directory)} covers {Span(generation)}"
                        + (i < candidates.Count - 1 ? " and the next one starts later" : ""));
                return generation;
            }
        }
        throw new OutsideArchiveException($"{Timestamps.Iso(atMs!.Value)} is before the archive's oldest base ({Timestamps.Iso(generations[0].BaseMs)}); it covers {Span(generations[0])}");
    }

    private static string Span(WalGeneration g) => $"{Timestamps.Iso(g.BaseMs)} to {Timestamps.Iso(g.ThroughMs)}";

    /// <summary>A generation's span: its base's time from segment 0, its end from the last segment and <c>head.json</c>.</summary>
    public static WalGeneration Describe(string generationDir, BackupKey key)
    {
        var segments = Segments(generationDir);
        if (segments.Count == 0 || segments[0].Sequence != 0) throw new CorruptBackupException($"{Path.Combine(generationDir, WalSegment.FileName(0))} is missing");
        var first = ReadSegment(generationDir, 0, key).Header;
        var last = segments[^1].Sequence == 0 ? first : ReadSegment(generationDir, segments[^1].Sequence, key).Header;
        long through = last.CompleteThroughMs;
        try
        {
            var head = JsonSerializer.Deserialize<WalArchiveHead>(File.ReadAllText(Path.Combine(generationDir, HeadName)));
            if (head is not null && head.Segment == last.Sequence && Timestamp.TryParse(head.CompleteThrough, null, out var headThrough))
                through = Math.Max(through, headThrough.Value.ToUnixTimeMilliseconds());
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            // no head: the last segment's own time stands
        }
        return new WalGeneration(generationDir, first.ToMs, through);
    }

    /// <summary>
    /// Restores <paramref name="generation"/>'s base into <paramref name="dataDir"/> (the database as <paramref name="databaseTarget"/>)
    /// and applies its segments in order while each ends at or before <paramref name="atMs"/>, checking that each follows the one
    /// before. A missing, damaged or out-of-place segment is a <see cref="CorruptBackupException"/> naming it.
    /// </summary>
    public static PointInTimeResult Restore(WalGeneration generation, long atMs, string dataDir, string databaseTarget, BackupKey key)
    {
        string plain = Path.Combine(dataDir, "base.restoring");
        using (var input = File.OpenRead(Path.Combine(generation.Directory, BaseName)))
        using (var output = new FileStream(plain, FileMode.CreateNew, FileAccess.Write))
            BackupFile.Read(input, output, key);
        var keyFiles = BackupContents.Extract(plain, dataDir, databaseTarget);
        var segments = Segments(generation.Directory);
        var previous = ReadSegment(generation.Directory, 0, key).Header;
        long stateAt = previous.ToMs;
        int applied = 0;
        using (var database = new FileStream(databaseTarget, FileMode.Open, FileAccess.ReadWrite))
        {
            for (int i = 1; i < segments.Count; i++)
            {
                long sequence = previous.Sequence + 1;
                if (segments[i].Sequence != sequence)
                    throw new CorruptBackupException($"segment {WalSegment.FileName(sequence)} of generation {Path.GetFileName(generation.Directory)} is missing");
                var (header, frames) = ReadSegment(generation.Directory, sequence, key);
                if (header.ToMs > atMs) break;
                if (!previous.IsFollowedBy(header) || header.PageSize != previous.PageSize)
                    throw new CorruptBackupException($"segment {segments[i].Name} does not follow {WalSegment.FileName(previous.Sequence)} in the log");
                WalSegment.Apply(frames, header, database);
                previous = header;
                stateAt = header.ToMs;
                applied++;
            }
            database.Flush(flushToDisk: true);
        }
        return new PointInTimeResult(Path.GetFileName(generation.Directory), applied, stateAt, keyFiles);
    }

    private static List<(long Sequence, string Name)> Segments(string generationDir) =>
        Directory.EnumerateFiles(generationDir, "*.seg")
            .Select(Path.GetFileName)
            .Select(name => (Ok: long.TryParse(Path.GetFileNameWithoutExtension(name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n), n, name!))
            .Where(s => s.Ok)
            .Select(s => (s.n, s.Item3))
            .OrderBy(s => s.n)
            .ToList();

    private static (WalSegmentHeader Header, byte[] Frames) ReadSegment(string generationDir, long sequence, BackupKey key)
    {
        string name = WalSegment.FileName(sequence);
        try
        {
            using var input = File.OpenRead(Path.Combine(generationDir, name));
            using var plain = new MemoryStream();
            BackupFile.Read(input, plain, key);
            var bytes = plain.ToArray();
            var header = WalSegment.ReadHeader(bytes);
            if (header.Sequence != sequence) throw new CorruptBackupException($"it holds segment {header.Sequence}");
            return (header, bytes);
        }
        catch (CorruptBackupException e)
        {
            throw new CorruptBackupException($"segment {name} of generation {Path.GetFileName(generationDir)} is damaged: {e.Message}");
        }
        catch (FileNotFoundException)
        {
            throw new CorruptBackupException($"segment {name} of generation {Path.GetFileName(generationDir)} is missing");
        }
    }
}
