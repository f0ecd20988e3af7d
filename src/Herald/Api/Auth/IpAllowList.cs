using System.Net;

namespace Herald.Api.Auth;

/// <summary>
/// Addresses a credential may be used from: IPv4 and IPv6 networks in CIDR form, a bare address standing for itself. An
/// IPv4-mapped IPv6 caller is matched as its IPv4 address.
/// </summary>
public sealed class IpAllowList
{
    public const int MaxEntries = 100;
    private readonly IPNetwork[] _networks;

    private IpAllowList(IPNetwork[] networks) => _networks = networks;

    /// <summary>The entries in their canonical form (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>, <c>203.0.113.7/32</c>).</summary>
    public IReadOnlyList<string> Entries => _networks.Select(n => n.ToString()).ToList();

    /// <summary>The stored form: canonical entries, comma-separated.</summary>
    public string Text => string.Join(',', Entries);

    public bool Allows(IPAddress? address)
    {
        if (address is null) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var network in _networks)
            if (network.Contains(address)) return true;
        return false;
    }

    /// <summary>A list as stored or configured (comma-separated); null for none. A bad entry throws naming it.</summary>
    public static IpAllowList? Parse(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : Parse(text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), out var problem)
            ?? throw new FormatException(problem);

    /// <summary>The list, or null with <paramref name="problem"/> naming the first entry that is not an address or a CIDR.</summary>
    public static IpAllowList? Parse(IReadOnlyCollection<string> entries, out string? problem)
    {
        problem = null;
        if (entries.Count > MaxEntries)
        {
            problem = $"at most {MaxEntries} entries";
            return null;
        }
        var networks = new IPNetwork[entries.Count];
        int i = 0;
        foreach (var entry in entries)
        {
            if (!TryParseNetwork(entry?.Trim(), out networks[i++]))
            {
                problem = $"'{entry}' is neither an IP address nor a CIDR (e.g. 203.0.113.0/24, 2001:db8::/32)";
                return null;
            }
        }
        return new IpAllowList(networks);
    }

    /// <summary>A CIDR, or one address as the network of just itself.</summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrEmpty(text)) return false;
        if (text.Contains('/')) return IPNetwork.TryParse(text, out network);
        if (!IPAddress.TryParse(text, out var address)) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }
}
