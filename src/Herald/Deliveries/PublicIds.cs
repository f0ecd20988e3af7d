using System.Globalization;
using System.Security.Cryptography;

namespace Herald.Deliveries;

/// <summary>
/// Ids the server gives agents, customers and deliveries: a prefix, the creation time in milliseconds (12 hex digits)
/// and 40 random bits. Ids made later sort later, so the unique index of a busy table grows at its end.
/// </summary>
public static class PublicIds
{
    public const string Agent = "agt_";
    public const string Customer = "cus_";
    public const string Delivery = "del_";

    public static string New(string prefix, long nowMs) =>
        prefix + nowMs.ToString("x12", CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
}
