using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Storage;

/// <summary>
/// One thing someone did: who (<c>key:17</c>, <c>agent:ag_…</c>, <c>cli</c>, <c>anonymous</c>), from where, what
/// (<paramref name="Action"/> on <paramref name="ResourceType"/> <paramref name="ResourceId"/>), how it ended (the HTTP
/// status, or the command's exit code) and the names of the fields it changed. It never holds a field's value.
/// </summary>
public sealed record AuditEntry(
    long AtMs, int? TeamId, string Actor, string? RemoteIp, string Action, string ResourceType, string? ResourceId, int Outcome,
    IReadOnlyList<string>? Changes);

/// <summary>An entry as stored: its place in the chain, the hash of the entry before it and its own.</summary>
public sealed record AuditRow(long Seq, AuditEntry Entry, byte[] PreviousHash, byte[] Hash);

/// <summary>Which entries to read, newest first: every filter is optional; <paramref name="BeforeSeq"/> is the page cursor.</summary>
public sealed record AuditQuery(
    IReadOnlyList<int>? Teams, long? FromMs, long? ToMs, string? Actor, string? ResourceType, string? Action, long? BeforeSeq, int Limit);

/// <summary>The outcome of walking the chain: how many entries were checked, and the first one that does not hold, if any.</summary>
public sealed record AuditVerification(long Checked, long? FirstSeq, long? LastSeq, long? FirstBadSeq, string? Problem)
{
    public bool Intact => FirstBadSeq is null;
}

/// <summary>The audit trail's store: appends in chain order, pages, and the walk that verifies (retention deletes through <see cref="IPurgeStore"/>).</summary>
public interface IAuditStore
{
    /// <summary>Appends the entries in order, each chained to the one before, in one transaction; returns their sequence numbers.</summary>
    IReadOnlyList<long> AppendAudit(IReadOnlyList<AuditEntry> entries);

    IReadOnlyList<AuditRow> ReadAudit(AuditQuery query);

    AuditVerification VerifyAudit();
}

/// <summary>
/// The chain's hash: SHA-256 over the previous hash and every field of the entry, each length-prefixed so that no two
/// different entries write the same bytes. The first entry's previous hash is 32 zero bytes.
/// </summary>
public static class AuditChain
{
    public static readonly byte[] Genesis = new byte[32];

    public static byte[] Hash(long seq, AuditEntry e, byte[] previousHash)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[8];
        hash.AppendData(previousHash);
        AppendNumber(hash, number, seq);
        AppendNumber(hash, number, e.AtMs);
        AppendNumber(hash, number, e.TeamId ?? -1);
        AppendText(hash, number, e.Actor);
        AppendText(hash, number, e.RemoteIp);
        AppendText(hash, number, e.Action);
        AppendText(hash, number, e.ResourceType);
        AppendText(hash, number, e.ResourceId);
        AppendNumber(hash, number, e.Outcome);
        AppendText(hash, number, ChangesText(e.Changes));
        return hash.GetHashAndReset();
    }

    /// <summary>How the changed fields' names are stored: comma-separated (names never hold a comma), null for none.</summary>
    public static string? ChangesText(IReadOnlyList<string>? changes) => changes is null ? null : string.Join(',', changes);

    public static IReadOnlyList<string>? ChangesOf(string? text) => text is null ? null : text.Length == 0 ? [] : text.Split(',');

    private static void AppendNumber(IncrementalHash hash, Span<byte> buffer, long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(buffer, value);
        hash.AppendData(buffer);
    }

    private static void AppendText(IncrementalHash hash, Span<byte> buffer, string? text)
    {
        if (text is null)
        {
            AppendNumber(hash, buffer, -1);
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        AppendNumber(hash, buffer, bytes.Length);
        hash.AppendData(bytes);
    }
}
