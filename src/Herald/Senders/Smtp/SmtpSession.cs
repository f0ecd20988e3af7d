using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Outbound;

namespace Herald.Senders.Smtp;

/// <summary>One SMTP reply: the three-digit code and the text of each line (RFC 5321 §4.2, multi-line with <c>250-</c>).</summary>
internal sealed partial record SmtpReply(int Code, IReadOnlyList<string> Lines)
{
    [GeneratedRegex(@"^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)")]
    private static partial Regex EnhancedCode();

    /// <summary>The RFC 3463 enhanced status code (<c>5.1.1</c>) the first line starts with, when its class agrees with the code.</summary>
    public string? Enhanced
    {
        get
        {
            var m = EnhancedCode().Match(Lines.Count > 0 ? Lines[0] : "");
            return m.Success && m.Groups[1].Value[0] - '0' == Code / 100 ? m.Value : null;
        }
    }

    /// <summary>The code senders report: the enhanced code when the server gave one, else the basic code.</summary>
    public string ErrorCode => Enhanced ?? Code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override string ToString() => $"{Code} {string.Join(" ", Lines)}".TrimEnd();
}

/// <summary>A failure the SMTP client understood: a refusal reply, no connection, a protocol violation.</summary>
internal sealed class SmtpFailure(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// A minimal SMTP client session over TCP (RFC 5321): greeting, EHLO (HELO fallback), STARTTLS (RFC 3207) or implicit TLS,
/// AUTH PLAIN/LOGIN (RFC 4954), MAIL/RCPT/DATA with dot-stuffing, QUIT. Every read and write honours the token, which
/// carries the session's timeout.
/// </summary>
internal sealed class SmtpSession : IAsyncDisposable
{
    private const int MaxLineBytes = 4096;
    private readonly Socket _socket;
    private readonly SmtpOptions _options;
    private Stream _stream;
    private readonly byte[] _buffer = new byte[MaxLineBytes];
    private int _start, _end;
    private bool _broken, _quit;

    private SmtpSession(Socket socket, SmtpOptions options)
    {
        _socket = socket;
        _options = options;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>EHLO keywords (upper case) and their parameters.</summary>
    public Dictionary<string, string> Extensions { get; private set; } = new(StringComparer.OrdinalIgnoreCase);
    public bool Secure { get; private set; }

    /// <summary>Connects (through the outbound guard) and gets the session ready for a transaction: greeting, EHLO, TLS, AUTH.</summary>
    public static async Task<SmtpSession> OpenAsync(SmtpOptions options, OutboundConnector connector, CancellationToken ct)
    {
        Socket socket;
        try
        {
            socket = await connector.ConnectAsync(options.Host, options.Port, ct);
        }
        catch (Exception e) when (e is SocketException or OutboundRefusedException)
        {
            throw new SmtpFailure(SendErrorCodes.ConnectFailed, "cannot connect to the SMTP server: " + OutboundFailure.Describe(e));
        }

        var session = new SmtpSession(socket, options);
        try
        {
            if (options.ImplicitTls) await session.UpgradeToTlsAsync(ct);
            var greeting = await session.ReadReplyAsync(ct);
            if (greeting.Code != 220) throw Refused("greeting", greeting);
            await session.HelloAsync(ct);
            if (options.StartTls && !session.Secure)
            {
                if (!session.Extensions.ContainsKey("STARTTLS"))
                    throw new SmtpFailure(SendErrorCodes.ConnectFailed, $"{options.Host}:{options.Port} does not offer STARTTLS (set starttls=false to send in the clear)");
                await session.ExpectAsync("STARTTLS", "STARTTLS", 220, ct);
                await session.UpgradeToTlsAsync(ct);
                await session.HelloAsync(ct);
            }
            if (options.Username is not null) await session.AuthenticateAsync(options.Username, options.Password ?? "", ct);
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>One mail transaction: MAIL FROM, RCPT TO, DATA. Answers the server's acceptance reply.</summary>
    public async Task<SmtpReply> SendMailAsync(string from, string to, string data, CancellationToken ct)
    {
        await ExpectAsync($"MAIL FROM:<{from}>", "MAIL FROM", 250, ct);
        var rcpt = await CommandAsync($"RCPT TO:<{to}>", ct);
        if (rcpt.Code is not (250 or 251)) throw Refused("RCPT TO", rcpt);
        await ExpectAsync("DATA", "DATA", 354, ct);

        // Dot-stuffing (RFC 5321 §4.5.2): a line that starts with '.' gets another; then CRLF.CRLF ends the data.
        var stuffed = new StringBuilder(data.Length + 16);
        if (data.StartsWith('.')) stuffed.Append('.');
        stuffed.Append(data.Replace("\r\n.", "\r\n..", StringComparison.Ordinal));
        if (!data.EndsWith("\r\n", StringComparison.Ordinal)) stuffed.Append("\r\n");
        stuffed.Append(".\r\n");
        await WriteAsync(Encoding.ASCII.GetBytes(stuffed.ToString()), ct);
        var accepted = await ReadReplyAsync(ct);
        if (accepted.Code != 250) throw Refused("end of DATA", accepted);
        return accepted;
    }

    public async Task QuitAsync(CancellationToken ct)
    {
        if (_quit || _broken) return;
        _quit = true;
        await CommandAsync("QUIT", ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_quit && !_broken)
        {
            // Best effort: tell the server we are leaving after a refused command.
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await QuitAsync(cts.Token);
            }
            catch
            {
                // The session is over either way.
            }
        }
        await _stream.DisposeAsync();
        _socket.Dispose();
    }

    private async Task HelloAsync(CancellationToken ct)
    {
        var ehlo = await CommandAsync($"EHLO {HeloName()}", ct);
        if (ehlo.Code == 250)
        {
            var extensions = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in ehlo.Lines.Skip(1))
            {
                var space = line.IndexOf(' ');
                var keyword = space < 0 ? line : line[..space];
                extensions[keyword] = space < 0 ? "" : line[(space + 1)..];
            }
            Extensions = extensions;
            return;
        }
        // RFC 5321 §3.2: an old server that does not know EHLO answers 5xx; fall back to HELO.
        if (ehlo.Code / 100 != 5) throw Refused("EHLO", ehlo);
        await ExpectAsync($"HELO {HeloName()}", "HELO", 250, ct);
        Extensions = new(StringComparer.OrdinalIgnoreCase);
    }

    private string HeloName()
    {
        if (_options.HeloName is not null) return _options.HeloName;
        // RFC 5321 §4.1.4: a domain name, or an address literal when there is none; ours is the connection's own address.
        if (_socket.LocalEndPoint is IPEndPoint local)
        {
            var ip = local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address;
            return ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[IPv6:{ip}]" : $"[{ip}]";
        }
        return "localhost";
    }

    private async Task AuthenticateAsync(string username, string password, CancellationToken ct)
    {
        if (!Extensions.TryGetValue("AUTH", out var offered))
            throw new SmtpFailure(SendErrorCodes.ConfigInvalid, $"smtp: a username is set but {_options.Host}:{_options.Port} offers no AUTH{(Secure ? "" : " on a plain connection (try starttls=true)")}");
        var mechanisms = offered.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(m => m.ToUpperInvariant()).ToHashSet();
        if (mechanisms.Contains("PLAIN"))
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{username}\0{password}"));
            await ExpectAsync($"AUTH PLAIN {token}", "AUTH", 235, ct);
        }
        else if (mechanisms.Contains("LOGIN"))
        {
            await ExpectAsync("AUTH LOGIN", "AUTH", 334, ct);
            await ExpectAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(username)), "AUTH", 334, ct);
            await ExpectAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(password)), "AUTH", 235, ct);
        }
        else
        {
            throw new SmtpFailure(SendErrorCodes.ConfigInvalid, $"smtp: {_options.Host}:{_options.Port} offers AUTH {offered}, and this client speaks only PLAIN and LOGIN");
        }
    }

    private async Task UpgradeToTlsAsync(CancellationToken ct)
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = _options.Host,
                RemoteCertificateValidationCallback = _options.AcceptAnyCertificate ? (_, _, _, _) => true : null,
            }, ct);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            _broken = true;
            throw new SmtpFailure(SendErrorCodes.ConnectFailed, $"TLS handshake with {_options.Host}:{_options.Port} failed: {e.Message}");
        }
        _stream = ssl;
        _start = _end = 0; // nothing the server sent in the clear may be read as if it came over TLS
        Secure = true;
    }

    private async Task ExpectAsync(string command, string stage, int code, CancellationToken ct)
    {
        var reply = await CommandAsync(command, ct);
        if (reply.Code != code) throw Refused(stage, reply);
    }

    private async Task<SmtpReply> CommandAsync(string command, CancellationToken ct)
    {
        await WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), ct);
        return await ReadReplyAsync(ct);
    }

    private static SmtpFailure Refused(string stage, SmtpReply reply) => new(reply.ErrorCode, $"{stage} refused: {reply}");

    private async Task WriteAsync(byte[] bytes, CancellationToken ct)
    {
        try
        {
            await _stream.WriteAsync(bytes, ct);
            await _stream.FlushAsync(ct);
        }
        catch
        {
            _broken = true;
            throw;
        }
    }

    private async Task<SmtpReply> ReadReplyAsync(CancellationToken ct)
    {
        var lines = new List<string>();
        var code = 0;
        while (true)
        {
            var line = await ReadLineAsync(ct);
            if (line.Length < 3 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2])
                || (line.Length > 3 && line[3] is not (' ' or '-')))
                throw Protocol($"not an SMTP reply line: '{Truncate(line)}'");
            var lineCode = int.Parse(line.AsSpan(0, 3), provider: System.Globalization.CultureInfo.InvariantCulture);
            if (lines.Count > 0 && lineCode != code) throw Protocol($"reply lines disagree on the code ({code}, then {lineCode})");
            code = lineCode;
            lines.Add(line.Length > 4 ? line[4..] : "");
            if (line.Length == 3 || line[3] == ' ') return new SmtpReply(code, lines);
            if (lines.Count > 200) throw Protocol("a reply of more than 200 lines");
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var end = newline > _start && _buffer[newline - 1] == '\r' ? newline - 1 : newline;
                var line = Encoding.UTF8.GetString(_buffer, _start, end - _start);
                _start = newline + 1;
                return line;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) throw Protocol($"a reply line longer than {MaxLineBytes} bytes");
            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer.AsMemory(_end), ct);
            }
            catch
            {
                _broken = true;
                throw;
            }
            if (read == 0)
            {
                _broken = true;
                throw new SmtpFailure(SendErrorCodes.ConnectionLost, $"{_options.Host}:{_options.Port} closed the connection");
            }
            _end += read;
        }
    }

    private SmtpFailure Protocol(string message)
    {
        _broken = true;
        return new SmtpFailure(SendErrorCodes.ProtocolError, $"{_options.Host}:{_options.Port}: {message}");
    }

    private static string Truncate(string s) => s.Length <= 120 ? s : s[..120] + "...";
}
