using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Herald.Deliveries;

/// <summary>
/// Agents' passwords as Argon2id (Konscious.Security.Cryptography.Argon2), in the PHC string format
/// <c>$argon2id$v=19$m=19456,t=2,p=1$salt$hash</c> so that stronger parameters later still verify older hashes.
/// The parameters are OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane.
/// </summary>
public static class AgentPasswords
{
    public const int MinLength = 8;
    public const int MaxLength = 128;
    private const int MemoryKib = 19_456, Passes = 2, Lanes = 1, SaltBytes = 16, HashBytes = 32;

    /// <summary>A hash of nothing anyone can type, verified when no agent matches so that the answer takes as long.</summary>
    private static readonly string Decoy = Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));

    public static string? Problem(string? password) =>
        password is null ? "is required"
        : password.Length < MinLength || password.Length > MaxLength ? $"must be {MinLength} to {MaxLength} characters"
        : null;

    public static string Hash(string password)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] hash = Compute(password, salt, MemoryKib, Passes, Lanes, HashBytes);
        return string.Create(CultureInfo.InvariantCulture,
            $"$argon2id$v=19$m={MemoryKib},t={Passes},p={Lanes}${Unpadded(salt)}${Unpadded(hash)}");
    }

    /// <summary>Whether the password matches the stored hash; with no hash, a decoy is checked and the answer is false.</summary>
    public static bool Verify(string? encoded, string password)
    {
        bool real = encoded is not null;
        var parts = (encoded ?? Decoy).Split('$');
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        if (parts.Length != 6 || parts[1] != "argon2id" || parts[2] != "v=19") return false;
        var p = parts[3].Split(',').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => int.Parse(kv[1], CultureInfo.InvariantCulture));
        byte[] salt = Padded(parts[4]), expected = Padded(parts[5]);
        byte[] actual = Compute(password, salt, p["m"], p["t"], p["p"], expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected) && real;
    }

    private static byte[] Compute(string password, byte[] salt, int memoryKib, int passes, int lanes, int length)
    {
        using var argon = new Argon2id(Encoding.UTF8.GetBytes(password))
        {
            Salt = salt,
            MemorySize = memoryKib,
            Iterations = passes,
            DegreeOfParallelism = lanes,
        };
        return argon.GetBytes(length);
    }

    private static string Unpadded(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[] Padded(string text) => Convert.FromBase64String(text.PadRight((text.Length + 3) / 4 * 4, '='));
}
