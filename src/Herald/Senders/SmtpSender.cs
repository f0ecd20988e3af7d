using Herald.Outbound;

namespace Herald.Senders;

/// <summary>
/// Email over SMTP with MailKit. Sends one plain-text UTF-8 MIME mail from <c>from</c> to the message's
/// <c>To</c> with its <c>Subject</c>; <see cref="SendResult.ProviderMessageId"/> is the mail's <c>Message-ID</c> (without brackets).
/// <para>Settings:</para>
/// <list type="table">
/// <item><term>host</term><description>required</description></item>
/// <item><term>port</term><description>default 25</description></item>
/// <item><term>from</term><description>required; <c>otp@example.com</c> or <c>Herald &lt;otp@example.com&gt;</c></description></item>
/// <item><term>username, password</term><description>optional; AUTH with the strongest mechanism both sides speak (SCRAM, PLAIN, LOGIN, ...)
/// when set (password then required). Sent only over TLS,
/// unless the host is loopback or <c>allow_plaintext_auth=true</c></description></item>
/// <item><term>starttls</term><description>true/false; default true on port 587, false otherwise (25, 1025, ...). When true the server must offer STARTTLS</description></item>
/// <item><term>tls</term><description>implicit TLS from the first byte (SMTPS); default true on port 465 only</description></item>
/// <item><term>timeout_ms</term><description>the whole session, connect to QUIT; default 30000</description></item>
/// <item><term>helo_name</term><description>the EHLO name; default the connection's own address literal (<c>[10.0.0.5]</c>)</description></item>
/// <item><term>tls_accept_any_certificate</term><description>default false; true skips certificate checks (test servers only)</description></item>
/// </list>
/// Errors: the SMTP reply's enhanced code when it has one (<c>5.1.1</c>), else its code (<c>550</c>); <c>connect_failed</c>,
/// <c>timeout</c>, <c>connection_lost</c>, <c>protocol_error</c>, <c>invalid_recipient</c>, <c>config_invalid</c>.
/// Validate: connect, greeting, EHLO, STARTTLS/TLS as configured, AUTH when credentials are set, QUIT; nothing is sent.
/// Connections go through the outbound guard (<see cref="OutboundConnector"/>): an internal host is refused unless allow-listed.
/// </summary>
public sealed class SmtpSender(OutboundConnector connector) : IMessageSender
{
    public string Kind => "smtp";

    public bool Supports(string channel) => SenderResults.IsChannel(channel, "email");

    public async Task<SendResult> SendAsync(OutboundMessage message, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Supports(message.Channel))
            return SendResult.Fail(SendErrorCodes.UnsupportedChannel, $"smtp sends email, not '{message.Channel}'", TimeSpan.Zero);
        SmtpOptions options;
        try
        {
            options = SmtpOptions.Read(new SenderSettings(settings, Kind), Kind);
        }
        catch (SettingsException e)
        {
            return SendResult.Fail(SendErrorCodes.ConfigInvalid, e.Message, TimeSpan.Zero);
        }
        return await SmtpDelivery.SendAsync(options, connector, (message.To ?? "").Trim(), message.Subject ?? "", message.Body ?? "", ct);
    }

    public async Task<ValidationResult> ValidateAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        SmtpOptions options;
        try
        {
            options = SmtpOptions.Read(new SenderSettings(settings, Kind), Kind);
        }
        catch (SettingsException e)
        {
            return new ValidationResult(false, SenderResults.Describe(SendErrorCodes.ConfigInvalid, e.Message), TimeSpan.Zero);
        }
        return await SmtpDelivery.ValidateAsync(options, connector, ct);
    }
}
