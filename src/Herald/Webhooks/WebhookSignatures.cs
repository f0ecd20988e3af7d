using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Webhooks;

/// <summary>
/// The signature checks of each provider. Every comparison is constant time over the decoded bytes; a header that is
/// missing or does not decode fails.
/// </summary>
public static class WebhookSignatures
{
    public const string TwilioHeader = "X-Twilio-Signature";
    public const string MetaHeader = "X-Hub-Signature-256";
    public const string HeraldHeader = "X-Herald-Signature";

    /// <summary>
    /// Twilio: base64(HMAC-SHA1(auth token, the full URL Twilio called + every POST parameter sorted by name, name then value)).
    /// https://www.twilio.com/docs/usage/webhooks/webhooks-security
    /// </summary>
    public static string TwilioSignature(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters) =>
        Convert.ToBase64String(TwilioHash(authToken, url, parameters));

    private static byte[] TwilioHash(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var sorted = new List<KeyValuePair<string, string>>(parameters);
        sorted.Sort((a, b) =>
        {
            int c = string.CompareOrdinal(a.Key, b.Key);
            return c != 0 ? c : string.CompareOrdinal(a.Value, b.Value);
        });
        var data = new StringBuilder(url);
        foreach (var (key, value) in sorted) data.Append(key).Append(value);
#pragma warning disable CA5350 // Twilio signs its callbacks with HMAC-SHA1; checking them needs the same algorithm.
        return HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
#pragma warning restore CA5350
    }

    /// <summary>
    /// Checks <c>X-Twilio-Signature</c> against the URL and, as Twilio's own helper libraries do, against the same URL with the
    /// default port added or removed (Twilio signs https URLs with or without :443 depending on how the webhook was configured).
    /// </summary>
    public static bool VerifyTwilio(string authToken, string? header, string url, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        if (!TryBase64(header, out var presented)) return false;
        if (CryptographicOperations.FixedTimeEquals(presented, TwilioHash(authToken, url, parameters))) return true;
        var other = TogglePort(url);
        return other is not null && CryptographicOperations.FixedTimeEquals(presented, TwilioHash(authToken, other, parameters));
    }

    /// <summary>Meta (WhatsApp Cloud API): <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256(app secret, raw body)&gt;</c>.</summary>
    public static bool VerifyMeta(string appSecret, string? header, in ReadOnlySequence<byte> body)
    {
        if (header is null || !header.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase)) return false;
        return HexEquals(header.AsSpan(7), HmacSha256(appSecret, body));
    }

    /// <summary>Herald's own contract for SMPP gateways and email relays: <c>X-Herald-Signature: &lt;hex HMAC-SHA256(secret, raw body)&gt;</c>, an optional <c>sha256=</c> prefix allowed.</summary>
    public static bool VerifyHerald(string secret, string? header, in ReadOnlySequence<byte> body)
    {
        if (header is null) return false;
        var hex = header.AsSpan().Trim();
        if (hex.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase)) hex = hex[7..];
        return HexEquals(hex, HmacSha256(secret, body));
    }

    public static string HeraldSignature(string secret, in ReadOnlySequence<byte> body) => Convert.ToHexStringLower(HmacSha256(secret, body));

    private static byte[] HmacSha256(string key, in ReadOnlySequence<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(key));
        foreach (var segment in body) hmac.AppendData(segment.Span);
        return hmac.GetHashAndReset();
    }

    private static bool HexEquals(ReadOnlySpan<char> hex, byte[] expected)
    {
        if (hex.Length != expected.Length * 2) return false;
        var presented = new byte[expected.Length];
        if (Convert.FromHexString(hex, presented, out _, out int written) != System.Buffers.OperationStatus.Done || written != presented.Length) return false;
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }

    private static bool TryBase64(string? value, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrEmpty(value)) return false;
        var buffer = new byte[(value.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(value.Trim(), buffer, out int written)) return false;
        bytes = buffer[..written];
        return true;
    }

    /// <summary>The URL with its scheme's default port written out when absent, or dropped when present; null for other ports.</summary>
    private static string? TogglePort(string url)
    {
        int start = url.IndexOf("://", StringComparison.Ordinal);
        if (start <= 0) return null;
        string scheme = url[..start].ToLowerInvariant();
        int defaultPort = scheme == "https" ? 443 : scheme == "http" ? 80 : -1;
        if (defaultPort < 0) return null;
        start += 3;
        int end = url.IndexOfAny(['/', '?', '#'], start);
        if (end < 0) end = url.Length;
        string authority = url[start..end];
        int colon = authority.LastIndexOf(':');
        bool hasPort = colon >= 0 && colon > authority.LastIndexOf(']');
        if (!hasPort) return url[..start] + authority + ":" + defaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture) + url[end..];
        return authority[(colon + 1)..] == defaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture)
            ? url[..start] + authority[..colon] + url[end..]
            : null;
    }
}
