using System.Security.Cryptography;
using System.Text;

namespace Herald.Otp;

/// <summary>
/// Makes codes and their stored form. A short numeric code is trivial to brute-force from a plain hash, so the
/// stored form is HMAC-SHA256 under a server key kept outside the database (<c>otp.key</c> in the data directory),
/// bound to the delivery id: a copied database alone reveals no code.
/// </summary>
public sealed class OtpCodes
{
    private readonly byte[] _key;

    public OtpCodes(byte[] key) => _key = key;

    /// <summary>Loads the server key from <paramref name="path"/>, creating it (owner-only) on first use.</summary>
    public static OtpCodes FromKeyFile(string path)
    {
        var key = Herald.Storage.KeyFiles.ReadOrCreate(path, () => RandomNumberGenerator.GetBytes(32));
        if (key.Length < 32) throw new InvalidOperationException($"{path} holds {key.Length} bytes; an OTP key needs 32");
        return new OtpCodes(key);
    }

    public static string NewCode(int length)
    {
        Span<char> digits = stackalloc char[length];
        for (int i = 0; i < length; i++) digits[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
        return new string(digits);
    }

    /// <summary>A delivery id: 128 random bits, URL-safe.</summary>
    public static string NewDeliveryId() => "dlv_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public byte[] Hash(string deliveryId, string code) =>
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(deliveryId + "\u001F" + code));

    /// <summary>Constant-time: the time taken does not depend on how much of the code was right.</summary>
    public bool Matches(string deliveryId, string code, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(deliveryId, code), storedHash);
}
