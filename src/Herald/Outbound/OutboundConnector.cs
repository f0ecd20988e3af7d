using System.Net;
using System.Net.Sockets;

namespace Herald.Outbound;

/// <summary>
/// Opens every TCP connection a team's configuration points somewhere. It resolves the name itself and connects only to
/// the addresses <see cref="OutboundPolicy"/> allows, so the address checked is the address connected to: a name that
/// answers a public address to one lookup and 127.0.0.1 to the next (DNS rebinding) cannot slip through.
/// </summary>
public sealed class OutboundConnector(OutboundPolicy policy, ILogger<OutboundConnector> logger)
{
    public async Task<Socket> ConnectAsync(string host, int port, CancellationToken ct)
    {
        string name = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        IPAddress[] addresses;
        if (IPAddress.TryParse(name, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(name, ct);
            }
            catch (SocketException e)
            {
                // Answered as a refusal: "does not resolve" next to "not allowed" would tell a team which internal names exist.
                logger.LogWarning("outbound connection to {Host}:{Port} refused: the name does not resolve ({Error})", name, port, e.SocketErrorCode);
                throw new OutboundRefusedException();
            }
        }
        var allowed = policy.NamesHost(name) ? addresses : Array.FindAll(addresses, policy.Allows);
        if (allowed.Length == 0)
        {
            logger.LogWarning("outbound connection to {Host}:{Port} refused: {Addresses} internal and not on {Setting}",
                name, port, string.Join(", ", addresses.Select(a => a.ToString())), OutboundPolicy.AllowListSetting);
            throw new OutboundRefusedException();
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, port, ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>The destination resolves to no address a team may reach. The message is safe to show the team.</summary>
public sealed class OutboundRefusedException() : IOException(OutboundFailure.NotAllowed);

/// <summary>What a team is told when an outbound call fails: the kind of failure, never an address, a port or socket text.</summary>
public static class OutboundFailure
{
    public const string NotAllowed = "the destination is not allowed (it resolves to no public address)";

    /// <summary>A description of a failed connection or exchange that reveals nothing about the other side.</summary>
    public static string Describe(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is OutboundRefusedException) return NotAllowed;
        return e switch
        {
            HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "the TLS handshake failed",
            HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => "the connection closed before a complete answer",
            HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError } => "the answer was not valid HTTP",
            HttpRequestException { HttpRequestError: HttpRequestError.ConfigurationLimitExceeded } => "the answer was too large",
            OperationCanceledException => "timed out",
            _ => "the connection failed",
        };
    }
}
