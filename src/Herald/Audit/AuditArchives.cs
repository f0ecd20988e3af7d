using System.IO.Compression;
using System.Text.Json;
using Herald.Storage;

namespace Herald.Audit;

/// <summary>
/// The audit entries retention archived (<c>audit-*.ndjson.gz</c>, rows of <c>audit_log</c>), checked against the kept
/// chain: each archived entry must match its hash and follow the one before it, and the last one must be the entry the
/// oldest kept entry follows, so archive and database together are one unbroken chain.
/// </summary>
public static class AuditArchives
{
    /// <summary>Every <c>audit_log</c> row in the archive files, by sequence number.</summary>
    public static List<AuditRow> Read(IEnumerable<string> files)
    {
        var rows = new List<AuditRow>();
        foreach (var file in files)
        {
            using var stream = File.OpenRead(file);
            using var gzip = new GZipStream(stream, CompressionMode.Decompress);
            using var reader = new StreamReader(gzip);
            while (reader.ReadLine() is { } line)
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.GetProperty("table").GetString() != "audit_log") continue;
                var r = doc.RootElement.GetProperty("row");
                rows.Add(new AuditRow(r.GetProperty("seq").GetInt64(),
                    new AuditEntry(r.GetProperty("at").GetInt64(), Int(r, "team_id"), r.GetProperty("actor").GetString()!, Text(r, "remote_ip"),
                        r.GetProperty("action").GetString()!, r.GetProperty("resource_type").GetString()!, Text(r, "resource_id"),
                        r.GetProperty("outcome").GetInt32(), AuditChain.ChangesOf(Text(r, "changes"))),
                    r.GetProperty("prev_hash").GetBytesFromBase64(), r.GetProperty("hash").GetBytesFromBase64()));
            }
        }
        rows.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        return rows;
    }

    /// <summary>
    /// Walks the archived rows oldest first, then joins them to <paramref name="firstKept"/> (the oldest entry still in the
    /// database; null when none is). Answers the walk as <see cref="AuditVerification"/>, naming the first entry that does not hold.
    /// </summary>
    public static AuditVerification Verify(IReadOnlyList<AuditRow> archived, AuditRow? firstKept)
    {
        long count = 0;
        AuditRow? previous = null;
        foreach (var row in archived)
        {
            count++;
            if (previous is not null && (row.Seq != previous.Seq + 1 || !row.PreviousHash.AsSpan().SequenceEqual(previous.Hash)))
                return new AuditVerification(count, archived[0].Seq, row.Seq, row.Seq,
                    row.Seq != previous.Seq + 1 ? $"archived entries {previous.Seq + 1}..{row.Seq - 1} are missing" : "does not follow the archived entry before it");
            if (!AuditChain.Hash(row.Seq, row.Entry, row.PreviousHash).AsSpan().SequenceEqual(row.Hash))
                return new AuditVerification(count, archived[0].Seq, row.Seq, row.Seq, "its content does not match its hash (edited in the archive)");
            previous = row;
        }
        if (previous is not null && firstKept is not null
            && (firstKept.Seq != previous.Seq + 1 || !firstKept.PreviousHash.AsSpan().SequenceEqual(previous.Hash)))
        {
            return new AuditVerification(count, archived[0].Seq, previous.Seq, firstKept.Seq,
                firstKept.Seq != previous.Seq + 1
                    ? $"the archives end at entry {previous.Seq}, the database starts at {firstKept.Seq}"
                    : "the oldest kept entry does not follow the last archived one");
        }
        return new AuditVerification(count, archived.Count > 0 ? archived[0].Seq : null, previous?.Seq, null, null);
    }

    private static string? Text(JsonElement row, string name) =>
        row.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement row, string name) =>
        row.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
}
