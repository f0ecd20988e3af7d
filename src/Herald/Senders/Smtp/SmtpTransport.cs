using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Herald.Outbound;

namespace Herald.Senders.Smtp;

/// <summary>The settings shared by the <c>smtp</c> and <c>phone-email</c> senders (see <see cref="SmtpSender"/>).</summary>
internal sealed record SmtpOptions(
    string Host, int Port, string? Username, string? Password, MailAddress From,
    bool StartTls, bool ImplicitTls, TimeSpan Timeout, string? HeloName, bool AcceptAnyCertificate)
{
    public static SmtpOptions Read(SenderSettings s, string kind)
    {
        var host = s.Required("host");
        var port = s.Int("port", 25, 1, 65535);
        var fromText = s.Required("from");
        var from = MailAddress.TryParse(fromText)
            ?? throw new SettingsException($"{kind}: the setting 'from' must be an ASCII address like otp@example.com or 'Name <otp@example.com>', not '{fromText}'");
        var username = s.Optional("username");
        var password = s.Optional("password");
        if (username is not null && password is null) throw new SettingsException($"{kind}: the setting 'password' is required when 'username' is set");
        var implicitTls = s.Bool("tls", port == 465);
        var startTls = !implicitTls && s.Bool("starttls", port == 587);
        if (username is not null && !implicitTls && !startTls && !s.Bool("allow_plaintext_auth", false) && !IsLoopback(host))
            throw new SettingsException($"{kind}: refusing to send the password to {host} over a plain connection; set starttls=true (or tls=true, or allow_plaintext_auth=true)");
        var heloName = s.Optional("helo_name");
        if (heloName is not null && heloName.Any(c => c is <= ' ' or > '~'))
            throw new SettingsException($"{kind}: the setting 'helo_name' must be a domain name or an address literal");
        return new SmtpOptions(host, port, username, password, from, startTls, implicitTls,
            TimeSpan.FromMilliseconds(s.Int("timeout_ms", 30_000, 1, 600_000)), heloName,
            s.Bool("tls_accept_any_certificate", false));
    }

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
}

/// <summary>Sending and validating over SMTP, with every failure mapped onto a result (never an exception, except the caller's cancellation).</summary>
internal static class SmtpTransport
{
    public static async Task<SendResult> SendAsync(SmtpOptions options, OutboundConnector connector, string to, string subject, string body, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        if (!MailAddress.IsValidAddress(to))
            return SendResult.Fail(SendErrorCodes.InvalidRecipient, $"'{to}' is not an ASCII email address (local@domain)", clock.Elapsed);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        try
        {
            await using var session = await SmtpSession.OpenAsync(options, connector, timeout.Token);
            var (data, messageId) = MailComposer.Compose(options.From, to, subject, body, DateTimeOffset.UtcNow);
            await session.SendMailAsync(options.From.Address, to, data, timeout.Token);
            try
            {
                await session.QuitAsync(timeout.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // The server took the message at the end of DATA; a lost QUIT changes nothing.
            }
            return SendResult.Ok(messageId, clock.Elapsed);
        }
        catch (Exception e) when (TryMap(e, options, ct, out var code, out var message))
        {
            return SendResult.Fail(code, message, clock.Elapsed);
        }
    }

    public static async Task<ValidationResult> ValidateAsync(SmtpOptions options, OutboundConnector connector, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        try
        {
            await using var session = await SmtpSession.OpenAsync(options, connector, timeout.Token);
            await session.QuitAsync(timeout.Token);
            return new ValidationResult(true, null, clock.Elapsed);
        }
        catch (Exception e) when (TryMap(e, options, ct, out var code, out var message))
        {
            return new ValidationResult(false, SenderResults.Describe(code, message), clock.Elapsed);
        }
    }

    private static bool TryMap(Exception e, SmtpOptions options, CancellationToken ct, out string code, out string message)
    {
        (code, message) = e switch
        {
            SmtpFailure f => (f.Code, f.Message),
            OperationCanceledException when !ct.IsCancellationRequested =>
                (SendErrorCodes.Timeout, $"{options.Host}:{options.Port} did not finish within {options.Timeout.TotalMilliseconds:0} ms"),
            IOException or SocketException => (SendErrorCodes.ConnectionLost, "the connection to the SMTP server was lost"),
            _ => (null!, null!),
        };
        return code is not null;
    }
}
