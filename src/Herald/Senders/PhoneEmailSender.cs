using Herald.Outbound;

namespace Herald.Senders;

/// <summary>
/// SMS through a carrier's email-to-SMS gateway: the text goes as a short plain-text mail to
/// <c>{digits of To}@{gateway_domain}</c> (<c>+1 (555) 010-9999</c> with <c>txt.att.net</c> → <c>15550109999@txt.att.net</c>)
/// over the same SMTP client as <see cref="SmtpSender"/>.
/// <para>Settings: everything <see cref="SmtpSender"/> takes (host, port, username, password, from, starttls, tls, timeout_ms,
/// helo_name, tls_accept_any_certificate), plus <c>gateway_domain</c> (required, e.g. <c>txt.att.net</c>) and
/// <c>strip_prefix</c> (optional digits removed from the front of the number, e.g. <c>1</c> for gateways that want the
/// 10-digit US number). The mail's subject is the message's <c>Subject</c> (often empty for SMS).</para>
/// Validate: as smtp (connect, EHLO, TLS, AUTH, QUIT), after checking gateway_domain.
/// </summary>
public sealed class PhoneEmailSender(OutboundConnector connector) : IMessageSender
{
    public string Kind => "phone-email";

    public bool Supports(string channel) => SenderResults.IsChannel(channel, "sms");

    public async Task<SendResult> SendAsync(OutboundMessage message, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Supports(message.Channel))
            return SendResult.Fail(SendErrorCodes.UnsupportedChannel, $"phone-email sends sms, not '{message.Channel}'", TimeSpan.Zero);
        SmtpOptions options;
        string domain;
        string? stripPrefix;
        try
        {
            (options, domain, stripPrefix) = Read(settings);
        }
        catch (SettingsException e)
        {
            return SendResult.Fail(SendErrorCodes.ConfigInvalid, e.Message, TimeSpan.Zero);
        }
        var digits = new string((message.To ?? "").Where(char.IsAsciiDigit).ToArray());
        if (stripPrefix is not null && digits.StartsWith(stripPrefix, StringComparison.Ordinal)) digits = digits[stripPrefix.Length..];
        if (digits.Length == 0)
            return SendResult.Fail(SendErrorCodes.InvalidRecipient, $"'{message.To}' has no digits to address a gateway mail to", TimeSpan.Zero);
        return await SmtpDelivery.SendAsync(options, connector, $"{digits}@{domain}", message.Subject ?? "", message.Body ?? "", ct);
    }

    public async Task<ValidationResult> ValidateAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        SmtpOptions options;
        try
        {
            (options, _, _) = Read(settings);
        }
        catch (SettingsException e)
        {
            return new ValidationResult(false, SenderResults.Describe(SendErrorCodes.ConfigInvalid, e.Message), TimeSpan.Zero);
        }
        return await SmtpDelivery.ValidateAsync(options, connector, ct);
    }

    private (SmtpOptions Options, string Domain, string? StripPrefix) Read(IReadOnlyDictionary<string, string> settings)
    {
        var s = new SenderSettings(settings, Kind);
        var domain = s.Required("gateway_domain").TrimStart('@');
        if (Uri.CheckHostName(domain) != UriHostNameType.Dns)
            throw new SettingsException($"{Kind}: the setting 'gateway_domain' must be a domain name like txt.att.net, not '{domain}'");
        var strip = s.Optional("strip_prefix");
        if (strip is not null && !strip.All(char.IsAsciiDigit))
            throw new SettingsException($"{Kind}: the setting 'strip_prefix' must be digits, not '{strip}'");
        return (SmtpOptions.Read(s, Kind), domain, strip);
    }
}
