using System.Net;
using System.Net.Sockets;

namespace Herald.Outbound;

/// <summary>
/// Which addresses the connections a team points somewhere (alert webhooks, Twilio's base URL, SMTP hosts) may reach: any
/// public address; an internal one (loopback, private, link-local, CGNAT, multicast, unspecified, reserved) only when the
/// operator's allow-list (<c>Herald:Security:OutboundAllowList</c>) names the host or a CIDR range holding the address.
/// </summary>
public sealed class OutboundPolicy
{
    public const string AllowListSetting = "Herald:Security:OutboundAllowList";

    /// <summary>Ranges no team may reach unless allow-listed (RFC 6890 special-purpose blocks that lead inside or nowhere).</summary>
    private static readonly IPNetwork[] InternalRanges =
    [
        IPNetwork.Parse("0.0.0.0/8"),        // "this network", with the unspecified 0.0.0.0
        IPNetwork.Parse("10.0.0.0/8"),       // private
        IPNetwork.Parse("100.64.0.0/10"),    // carrier-grade NAT
        IPNetwork.Parse("127.0.0.0/8"),      // loopback
        IPNetwork.Parse("169.254.0.0/16"),   // link-local (cloud metadata services)
        IPNetwork.Parse("172.16.0.0/12"),    // private
        IPNetwork.Parse("192.0.0.0/24"),     // IETF protocol assignments
        IPNetwork.Parse("192.168.0.0/16"),   // private
        IPNetwork.Parse("198.18.0.0/15"),    // benchmarking
        IPNetwork.Parse("224.0.0.0/4"),      // multicast
        IPNetwork.Parse("240.0.0.0/4"),      // reserved, with the broadcast 255.255.255.255
        IPNetwork.Parse("::/96"),            // unspecified ::, loopback ::1, the deprecated IPv4-compatible form
        IPNetwork.Parse("fc00::/7"),         // unique local
        IPNetwork.Parse("fe80::/10"),        // link-local
        IPNetwork.Parse("fec0::/10"),        // site-local (deprecated)
        IPNetwork.Parse("ff00::/8"),         // multicast
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    private readonly HashSet<string> _hosts;
    private readonly IPNetwork[] _networks;

    private OutboundPolicy(HashSet<string> hosts, IPNetwork[] networks)
    {
        _hosts = hosts;
        _networks = networks;
    }

    /// <summary>No allow-list: every internal address is refused.</summary>
    public static OutboundPolicy Default { get; } = new([], []);

    /// <summary>
    /// The allow-list: comma-separated host names (<c>alerts.internal</c>), addresses (<c>127.0.0.1</c>) and CIDR ranges
    /// (<c>10.20.0.0/16</c>). Throws <see cref="InvalidOperationException"/> naming the entry that is none of these.
    /// </summary>
    public static OutboundPolicy Parse(string? allowList)
    {
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var networks = new List<IPNetwork>();
        foreach (var raw in (allowList ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string entry = raw.StartsWith('[') && raw.EndsWith(']') ? raw[1..^1] : raw;
            if (entry.Contains('/'))
            {
                if (!IPNetwork.TryParse(entry, out var network))
                    throw new InvalidOperationException($"{AllowListSetting}: '{raw}' is not a CIDR range like 10.20.0.0/16");
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                address = Canonical(address);
                networks.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else if (Uri.CheckHostName(entry) == UriHostNameType.Dns)
            {
                hosts.Add(entry.TrimEnd('.'));
            }
            else
            {
                throw new InvalidOperationException($"{AllowListSetting}: '{raw}' is not a host name, an address or a CIDR range");
            }
        }
        return new OutboundPolicy(hosts, networks.ToArray());
    }

    /// <summary>Whether the operator named this host: then every address it resolves to may be reached.</summary>
    public bool NamesHost(string host) => _hosts.Count > 0 && _hosts.Contains(host.TrimEnd('.'));

    /// <summary>Whether a connection to this address may be made: it is public, or inside an allow-listed range.</summary>
    public bool Allows(IPAddress address)
    {
        address = Canonical(address);
        foreach (var network in _networks)
            if (network.Contains(address)) return true;
        return !IsInternal(address);
    }

    /// <summary>Whether the address is in a range that leads inside (or nowhere) rather than to the public internet.</summary>
    public static bool IsInternal(IPAddress address)
    {
        address = Canonical(address);
        if (Nat64.Contains(address))
        {
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            return IsInternal(new IPAddress(bytes[12..]));
        }
        foreach (var range in InternalRanges)
            if (range.Contains(address)) return true;
        return false;
    }

    /// <summary>IPv4-mapped IPv6 (<c>::ffff:127.0.0.1</c>) as the IPv4 address it is, without a scope id.</summary>
    private static IPAddress Canonical(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0) return new IPAddress(address.GetAddressBytes());
        return address;
    }
}
