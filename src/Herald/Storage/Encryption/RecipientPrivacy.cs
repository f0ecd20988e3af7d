using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Herald.Domain;

namespace Herald.Storage.Encryption;

/// <summary>
/// How engine recipients are stored (<c>Herald__Privacy__Recipients</c>): as given (<c>plain</c>), or only as a keyed
/// HMAC (<c>hashed</c>), <c>hmac:</c> and 32 hex digits (HMAC-SHA256 under a key derived from the stored index data
/// key, truncated to 128 bits). The engine takes the stored form at its entry, after the country was derived from the
/// number, so events, items, consent changes and contacts all hold it; a query names a recipient by its number (hashed
/// the same way here) or by the <c>hmac:</c> form the API shows.
/// </summary>
public sealed class RecipientPrivacy
{
    public const string PlainMode = "plain";
    public const string HashedMode = "hashed";
    /// <summary>What a hashed recipient starts with, in the store and in every answer.</summary>
    public const string HashPrefix = "hmac:";
    private const int HashBytes = 16;

    /// <summary>Recipients stored as given.</summary>
    public static readonly RecipientPrivacy Plain = new(null);

    private readonly byte[]? _key;

    private RecipientPrivacy(byte[]? key) => _key = key;

    /// <summary>Recipients stored as their HMAC under the recipient key of <paramref name="fields"/>.</summary>
    public static RecipientPrivacy Hashed(FieldProtector fields) => new(fields.RecipientKey);

    /// <summary>Whether only the HMAC of a recipient is stored.</summary>
    public bool IsHashed => _key is not null;

    /// <summary><see cref="PlainMode"/> or <see cref="HashedMode"/>.</summary>
    public string Mode => IsHashed ? HashedMode : PlainMode;

    /// <summary>
    /// The recipient as stored and looked up: in <c>hashed</c> mode its <c>hmac:</c> form (a value already in that form
    /// stays as it is, so the forms the API shows can be queried with), else the value itself.
    /// </summary>
    [return: NotNullIfNotNull(nameof(recipient))]
    public string? Stored(string? recipient)
    {
        if (_key is null || recipient is null || recipient.StartsWith(HashPrefix, StringComparison.Ordinal)) return recipient;
        int length = Encoding.UTF8.GetByteCount(recipient);
        Span<byte> bytes = length <= 512 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(recipient, bytes);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, bytes, mac);
        return HashPrefix + Convert.ToHexStringLower(mac[..HashBytes]);
    }

    /// <summary>The event with its recipient in the stored form (the same event when nothing changes).</summary>
    public IncomingEvent Protect(IncomingEvent e)
    {
        string? stored = Stored(e.Recipient);
        return ReferenceEquals(stored, e.Recipient) ? e : e.WithRecipient(stored);
    }

    /// <summary>The mode a setting names.</summary>
    /// <exception cref="RecipientModeException">Neither <c>plain</c> nor <c>hashed</c>.</exception>
    public static bool IsHashedSetting(string? setting) => setting?.Trim().ToLowerInvariant() switch
    {
        null or "" or PlainMode => false,
        HashedMode => true,
        _ => throw new RecipientModeException($"Herald__Privacy__Recipients must be {PlainMode} or {HashedMode}, not '{setting}'"),
    };
}

/// <summary>The <c>Herald:Privacy</c> section.</summary>
public sealed class PrivacyOptions
{
    /// <summary><c>plain</c> (the default) or <c>hashed</c>: see <see cref="RecipientPrivacy"/>.</summary>
    public string Recipients { get; set; } = RecipientPrivacy.PlainMode;

    /// <summary>Whether <see cref="Recipients"/> is <c>hashed</c>.</summary>
    /// <exception cref="RecipientModeException">It is neither <c>plain</c> nor <c>hashed</c>.</exception>
    public bool HashedRecipients => RecipientPrivacy.IsHashedSetting(Recipients);
}

/// <summary>The recipient mode setting is unknown, or not the one the store's recipients were written in.</summary>
public sealed class RecipientModeException(string message) : Exception(message);
