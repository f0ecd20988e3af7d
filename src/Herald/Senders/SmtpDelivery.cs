using Herald.Outbound;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MimeKit.Utils;

namespace Herald.Senders;

/// <summary>The settings shared by the <c>smtp</c> and <c>phone-email</c> senders (see <see cref="SmtpSender"/>).</summary>
internal sealed record SmtpOptions(
    string Host, int Port, string? Username, string? Password, MailboxAddress From,
    SecureSocketOptions Security, TimeSpan Timeout, string? HeloName, bool AcceptAnyCertificate)
{
    public static SmtpOptions Read(SenderSettings s, string kind)
    {
        var host = s.Required("host");
        var port = s.Int("port", 25, 1, 65535);
        var fromText = s.Required("from");
        var from = SmtpDelivery.ParseMailbox(fromText, allowDisplayName: true)
            ?? throw new SettingsException($"{kind}: the setting 'from' must be an address like otp@example.com or 'Name <otp@example.com>', not '{fromText}'");
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
        var security = implicitTls ? SecureSocketOptions.SslOnConnect : startTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
        return new SmtpOptions(host, port, username, password, from, security,
            TimeSpan.FromMilliseconds(s.Int("timeout_ms", 30_000, 1, 600_000)), heloName, s.Bool("tls_accept_any_certificate", false));
    }

    public string Endpoint => $"{Host}:{Port}";

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
}

/// <summary>A file to attach to a mail: where it is, the name the recipient sees, and its MIME type.</summary>
internal sealed record MailAttachment(string Path, string FileName, string ContentType);

/// <summary>
/// Sending and validating over SMTP with MailKit, every failure mapped onto a result (never an exception, except the
/// caller's cancellation). A refusal reports the server's RFC 3463 enhanced status code when its reply starts with one
/// (<c>5.1.1</c>), else the reply code (<c>550</c>), so the failure catalog can classify it.
/// </summary>
internal static partial class SmtpDelivery
{
    [GeneratedRegex(@"^([245])\.\d{1,3}\.\d{1,3}(?=\s|$)")]
    private static partial Regex EnhancedStatusCode();

    // MimeKit sizes an encoded word by MaxLineLength without counting the header's name before it ("Subject: "), so
    // ten characters are held back to keep every line within RFC 5322's 78. Headers are encoded when set, so the subject
    // is set with these options too.
    private static readonly FormatOptions Format = CreateFormat();

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.MaxLineLength = 68;
        return format;
    }

    /// <summary>MailKit's client, told which command a refusal answers: a 530 surfaces as an exception without one.</summary>
    private sealed class SmtpSession : SmtpClient
    {
        public string Stage { get; private set; } = "MAIL FROM";

        protected override void OnSenderAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
        {
            Stage = "RCPT TO";
            base.OnSenderAccepted(message, mailbox, response);
        }

        protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
        {
            Stage = "DATA";
            base.OnRecipientAccepted(message, mailbox, response);
        }
    }

    /// <summary>A failure found before or beside MailKit's own exceptions: no connection, no STARTTLS, no AUTH.</summary>
    private sealed class SmtpFailure(string code, string message) : Exception(message)
    {
        public string Code { get; } = code;
    }

    /// <summary>A bare <c>local@domain</c> (or, for <c>from</c>, <c>Name &lt;local@domain&gt;</c>) that MimeKit reads back as
    /// exactly that address; null for anything else, so nothing can smuggle a second address or a line break.</summary>
    public static MailboxAddress? ParseMailbox(string text, bool allowDisplayName)
    {
        text = text.Trim();
        if (!MailboxAddress.TryParse(ParserOptions.Default, text, out var mailbox) || mailbox.Route.Count > 0) return null;
        var at = mailbox.Address.LastIndexOf('@');
        if (at <= 0 || at == mailbox.Address.Length - 1 || mailbox.Address.Any(char.IsControl)) return null;
        if (!allowDisplayName && mailbox.Address != text) return null;
        return mailbox;
    }

    public static Task<SendResult> SendAsync(SmtpOptions options, OutboundConnector connector, string to, string subject, string body, CancellationToken ct) =>
        SendAsync(options, connector, to, subject, body, null, ct);

    /// <summary>One mail to <paramref name="to"/>; with <paramref name="attachment"/>, a multipart/mixed mail carrying the file (base64).</summary>
    public static async Task<SendResult> SendAsync(
        SmtpOptions options, OutboundConnector connector, string to, string subject, string body, MailAttachment? attachment, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        if (ParseMailbox(to, allowDisplayName: false) is not { } recipient)
            return SendResult.Fail(SendErrorCodes.InvalidRecipient, $"'{to}' is not an email address (local@domain)", clock.Elapsed);
        await using var file = attachment is null ? null : File.OpenRead(attachment.Path);
        var message = Compose(options.From, recipient, subject, body, attachment is null ? null : (attachment, file!));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        using var client = new SmtpSession();
        try
        {
            await OpenAsync(client, options, connector, timeout.Token);
            await client.SendAsync(Format, message, timeout.Token);
            try
            {
                await client.DisconnectAsync(quit: true, timeout.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // The server took the message at the end of DATA; a lost QUIT changes nothing.
            }
            return SendResult.Ok(message.MessageId, clock.Elapsed);
        }
        catch (ServiceNotAuthenticatedException e)
        {
            var (code, text) = Refused(client.Stage, SmtpStatusCode.AuthenticationRequired, e.Message);
            return SendResult.Fail(code, text, clock.Elapsed);
        }
        catch (Exception e) when (TryMap(e, options, ct, out var code, out var text))
        {
            return SendResult.Fail(code, text, clock.Elapsed);
        }
    }

    public static async Task<ValidationResult> ValidateAsync(SmtpOptions options, OutboundConnector connector, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        using var client = new SmtpClient();
        try
        {
            await OpenAsync(client, options, connector, timeout.Token);
            await client.DisconnectAsync(quit: true, timeout.Token);
            return new ValidationResult(true, null, clock.Elapsed);
        }
        catch (Exception e) when (TryMap(e, options, ct, out var code, out var text))
        {
            return new ValidationResult(false, SenderResults.Describe(code, text), clock.Elapsed);
        }
    }

    /// <summary>A plain-text mail MimeKit keeps 7-bit clean: 7bit for short ASCII lines, else quoted-printable or base64,
    /// and RFC 2047 encoded words for a non-ASCII subject or display name; with an attachment, the text and the file
    /// (base64, its name in Content-Disposition) in a multipart/mixed body.</summary>
    private static MimeMessage Compose(MailboxAddress from, MailboxAddress to, string subject, string body, (MailAttachment File, Stream Content)? attachment)
    {
        var text = body.ReplaceLineEndings("\n");
        if (!text.EndsWith('\n')) text += "\n";
        var part = new TextPart(MimeKit.Text.TextFormat.Plain);
        part.SetText(System.Text.Encoding.UTF8, text);
        // Pinned here: MailKit would otherwise send 8bit to a server that offers 8BITMIME.
        part.ContentTransferEncoding = part.GetBestEncoding(EncodingConstraint.SevenBit);
        MimeEntity content = part;
        if (attachment is { } a)
        {
            var attached = new MimePart(ContentType.Parse(a.File.ContentType))
            {
                Content = new MimeContent(a.Content),
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
                ContentTransferEncoding = ContentEncoding.Base64,
                FileName = a.File.FileName,
            };
            content = new Multipart("mixed") { part, attached };
        }
        var message = new MimeMessage { Body = content, MessageId = MimeUtils.GenerateMessageId(from.Domain) };
        message.From.Add(from);
        message.To.Add(to);
        var subjectHeader = new Header(HeaderId.Subject, "");
        subjectHeader.SetValue(Format, System.Text.Encoding.UTF8, subject.ReplaceLineEndings(" ").Replace('\t', ' '));
        message.Headers.Replace(subjectHeader);
        return message;
    }

    /// <summary>Connects, then greeting, EHLO, TLS as configured and AUTH when credentials are set.</summary>
    private static async Task OpenAsync(SmtpClient client, SmtpOptions options, OutboundConnector connector, CancellationToken ct)
    {
        client.Timeout = (int)options.Timeout.TotalMilliseconds;
#pragma warning disable CA5359 // Only when the sender sets tls_accept_any_certificate (documented: test servers only).
        if (options.AcceptAnyCertificate) client.ServerCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        // Our own socket, through the outbound guard (a team names the host: no internal address unless allow-listed), so
        // EHLO can name the connection's address (RFC 5321 §4.1.4 wants an address literal when the host has no domain
        // name; MailKit would send the machine's host name) and so refusal reads as connect_failed.
        Socket socket;
        try
        {
            socket = await connector.ConnectAsync(options.Host, options.Port, ct);
        }
        catch (Exception e) when (e is SocketException or OutboundRefusedException)
        {
            throw new SmtpFailure(SendErrorCodes.ConnectFailed, "cannot connect to the SMTP server: " + OutboundFailure.Describe(e));
        }
        try
        {
            client.LocalDomain = options.HeloName ?? ((IPEndPoint)socket.LocalEndPoint!).Address.ToString();
            await client.ConnectAsync(socket, options.Host, options.Port, options.Security, ct);
        }
        catch (NotSupportedException) when (options.Security == SecureSocketOptions.StartTls)
        {
            throw new SmtpFailure(SendErrorCodes.ConnectFailed, $"{options.Endpoint} does not offer STARTTLS (set starttls=false to send in the clear)");
        }
        catch (SslHandshakeException e)
        {
            throw new SmtpFailure(SendErrorCodes.ConnectFailed, $"TLS handshake with {options.Endpoint} failed: {OneLine(e.Message)}");
        }
        finally
        {
            if (!client.IsConnected) socket.Dispose();
        }
        if (options.Username is null) return;
        if (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
            throw new SmtpFailure(SendErrorCodes.ConfigInvalid,
                $"smtp: a username is set but {options.Endpoint} offers no AUTH{(client.IsSecure ? "" : " on a plain connection (try starttls=true)")}");
        try
        {
            await client.AuthenticateAsync(options.Username, options.Password ?? "", ct);
        }
        catch (NotSupportedException)
        {
            throw new SmtpFailure(SendErrorCodes.ConfigInvalid,
                $"smtp: {options.Endpoint} offers AUTH {string.Join(' ', client.AuthenticationMechanisms)}, none of which MailKit speaks");
        }
    }

    private static bool TryMap(Exception e, SmtpOptions options, CancellationToken ct, out string code, out string message)
    {
        (code, message) = e switch
        {
            SmtpFailure f => (f.Code, f.Message),
            SmtpCommandException c => Refused(StageOf(c.ErrorCode), c.StatusCode, c.Message),
            AuthenticationException { InnerException: SmtpCommandException c } => Refused("AUTH", c.StatusCode, c.Message),
            SmtpProtocolException p => (SendErrorCodes.ProtocolError, $"{options.Endpoint}: {OneLine(p.Message)}"),
            // Our deadline and MailKit's own (client.Timeout, the same span) race: either one is the timeout.
            OperationCanceledException or TimeoutException when !ct.IsCancellationRequested =>
                (SendErrorCodes.Timeout, $"{options.Endpoint} did not finish within {options.Timeout.TotalMilliseconds:0} ms"),
            IOException or SocketException => (SendErrorCodes.ConnectionLost, "the connection to the SMTP server was lost"),
            _ => (null!, null!),
        };
        return code is not null;
    }

    private static string StageOf(SmtpErrorCode error) => error switch
    {
        SmtpErrorCode.SenderNotAccepted => "MAIL FROM",
        SmtpErrorCode.RecipientNotAccepted => "RCPT TO",
        SmtpErrorCode.MessageNotAccepted => "DATA",
        _ => "SMTP command",
    };

    /// <summary>The reply's enhanced status code when its class agrees with the reply code, else the reply code.</summary>
    private static (string Code, string Message) Refused(string stage, SmtpStatusCode reply, string replyText)
    {
        int status = (int)reply;
        var text = OneLine(replyText);
        var enhanced = EnhancedStatusCode().Match(text);
        var code = enhanced.Success && enhanced.Groups[1].Value[0] - '0' == status / 100
            ? enhanced.Value
            : status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return (code, $"{stage} refused: {status} {text}");
    }

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
