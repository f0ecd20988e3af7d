using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Herald.Deliveries;

/// <summary>What an agent token says: whose it is, and until when.</summary>
public readonly record struct AgentTokenClaims(long AgentId, int TeamId, int CredentialsVersion, long ExpiresAtMs);

/// <summary>
/// Short-lived sign-in tokens bound to one agent: <c>hat_</c> then the agent's id, team, credentials version and expiry,
/// signed with HMAC-SHA256 under a key kept in <c>agent-token.key</c> of the data directory (made once, so tokens survive a
/// restart). A token stops working when it expires, when the agent is deactivated or deleted, and when its password
/// changes (the credentials version moves on).
/// </summary>
public sealed class AgentTokens(byte[] key)
{
    public const string Prefix = "hat_";
    private const int PayloadBytes = 8 + 4 + 4 + 8;
    private const int MacBytes = 32;

    public static AgentTokens FromKeyFile(string path) => new(Herald.Storage.KeyFiles.ReadOrCreate(path, () => RandomNumberGenerator.GetBytes(32)));

    public string Issue(AgentTokenClaims claims)
    {
        Span<byte> token = stackalloc byte[PayloadBytes + MacBytes];
        BinaryPrimitives.WriteInt64BigEndian(token, claims.AgentId);
        BinaryPrimitives.WriteInt32BigEndian(token[8..], claims.TeamId);
        BinaryPrimitives.WriteInt32BigEndian(token[12..], claims.CredentialsVersion);
        BinaryPrimitives.WriteInt64BigEndian(token[16..], claims.ExpiresAtMs);
        HMACSHA256.HashData(key, token[..PayloadBytes], token[PayloadBytes..]);
        return Prefix + Base64Url(token);
    }

    /// <summary>The token's claims when its signature holds and it has not expired; null otherwise.</summary>
    public AgentTokenClaims? Read(string token, long nowMs)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 128) return null;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(Padded(token[Prefix.Length..]));
        }
        catch (FormatException)
        {
            return null;
        }
        if (bytes.Length != PayloadBytes + MacBytes) return null;
        Span<byte> mac = stackalloc byte[MacBytes];
        HMACSHA256.HashData(key, bytes.AsSpan(0, PayloadBytes), mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes.AsSpan(PayloadBytes))) return null;
        var claims = new AgentTokenClaims(BinaryPrimitives.ReadInt64BigEndian(bytes), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)),
            BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12)), BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(16)));
        return claims.ExpiresAtMs > nowMs ? claims : null;
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Padded(string text)
    {
        text = text.Replace('-', '+').Replace('_', '/');
        return text.PadRight((text.Length + 3) / 4 * 4, '=');
    }
}
