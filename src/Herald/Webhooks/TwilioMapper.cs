using Herald.Domain;
using Herald.Engine;

namespace Herald.Webhooks;

/// <summary>
/// Twilio Programmable Messaging: outbound status callbacks and inbound messages, form-encoded.
/// https://www.twilio.com/docs/messaging/guides/track-outbound-message-status,
/// https://www.twilio.com/docs/messaging/guides/webhook-request
/// </summary>
public static class TwilioMapper
{
    /// <summary>
    /// Status callback → one outbound event of the message <c>MessageSid</c>; an inbound message (status received) → one
    /// inbound event with its body. A status Herald does not track (<c>receiving</c>, one Twilio adds later) maps to nothing.
    /// The kind is left to the item (a new item becomes a message; an item the app reported as an OTP stays one).
    /// </summary>
    public static WebhookParse Map(WebhookForm form, long nowMs, WebhookOverrides overrides)
    {
        string? sid = WebhookText.Clean(form.Get("MessageSid") ?? form.Get("SmsSid") ?? form.Get("SmsMessageSid"), EventParser.MaxIdLength);
        if (sid is null) return WebhookParse.Fail("MessageSid", "is required");
        string? raw = (form.Get("MessageStatus") ?? form.Get("SmsStatus"))?.Trim().ToLowerInvariant();
        if (raw is null) return WebhookParse.Fail("MessageStatus", "is required");

        string? to = form.Get("To"), from = form.Get("From");
        string? channel = ChannelOf(to ?? from);
        string provider = overrides.Provider ?? "twilio";
        string? account = overrides.Account ?? WebhookText.Clean(form.Get("AccountSid"));

        if (raw is "received" or "receiving")
        {
            // An MMS still downloading (receiving) is followed by received: only that one is recorded.
            if (raw == "receiving") return WebhookParse.Nothing;
            string? contact = Address(from);
            return WebhookParse.Ok([new IncomingEvent
            {
                EventId = $"twilio:{sid}:received",
                ItemId = sid,
                Status = Status.Delivered,
                OccurredAtMs = nowMs,
                Account = account,
                Channel = channel,
                Provider = provider,
                Route = overrides.Route,
                Campaign = overrides.Campaign,
                Recipient = contact,
                Country = WebhookText.CountryOf(contact),
                Direction = "inbound",
                Text = WebhookText.Text(form.Get("Body"), EventParser.MaxTextLength) ?? MediaText(form),
                MetadataJson = WebhookText.Metadata(("twilio_status", raw), ("to", Address(to)), ("num_media", WebhookText.Int(form.Get("NumMedia")))),
            }]);
        }

        if (!TryStatus(raw, out var status)) return WebhookParse.Nothing;
        string? recipient = Address(to);
        string? errorCode = WebhookText.Clean(form.Get("ErrorCode"), 64);
        if (errorCode is null && raw == "canceled") errorCode = "canceled";
        return WebhookParse.Ok([new IncomingEvent
        {
            EventId = $"twilio:{sid}:{Statuses.Name(status)}",
            ItemId = sid,
            Status = status,
            // Twilio's status callbacks carry no time: the time Herald received it. The event id does not depend on it,
            // so a retried callback is a duplicate.
            OccurredAtMs = nowMs,
            Account = account,
            Channel = channel,
            Provider = provider,
            Route = overrides.Route,
            Campaign = overrides.Campaign,
            Recipient = recipient,
            Country = WebhookText.CountryOf(recipient),
            Direction = "outbound",
            ErrorCode = errorCode,
            ErrorMessage = WebhookText.Text(form.Get("ErrorMessage") ?? form.Get("ChannelStatusMessage"), 1024),
            MetadataJson = WebhookText.Metadata(
                ("twilio_status", raw),
                ("messaging_service_sid", WebhookText.Clean(form.Get("MessagingServiceSid"))),
                ("raw_dlr_done_date", WebhookText.Clean(form.Get("RawDlrDoneDate"), 32)),
                ("from", Address(from))),
        }]);
    }

    /// <summary>
    /// Twilio's message statuses on Herald's message lattice. <c>canceled</c> (a scheduled message canceled before it was
    /// sent) becomes failed with error code "canceled": it will never be delivered, and should not stay pending forever.
    /// </summary>
    public static bool TryStatus(string raw, out Status status)
    {
        status = raw switch
        {
            "accepted" or "scheduled" or "queued" or "sending" => Status.Queued,
            "sent" => Status.Sent,
            "delivered" => Status.Delivered,
            "undelivered" => Status.Undelivered,
            "failed" or "canceled" => Status.Failed,
            "read" => Status.Read,
            _ => 0,
        };
        return status != 0;
    }

    /// <summary><c>whatsapp:+1555…</c> is WhatsApp, a plain number SMS, any other channel prefix (messenger:, rcs:) unknown.</summary>
    public static string? ChannelOf(string? address)
    {
        if (address is null) return "sms";
        if (address.StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase)) return "whatsapp";
        int colon = address.IndexOf(':');
        return colon > 0 ? null : "sms";
    }

    /// <summary>The address without its channel prefix (<c>whatsapp:+1555…</c> → <c>+1555…</c>).</summary>
    public static string? Address(string? address)
    {
        if (address is null) return null;
        int colon = address.IndexOf(':');
        if (colon > 0 && colon < 16 && !address.StartsWith('+')) address = address[(colon + 1)..];
        return WebhookText.Clean(address);
    }

    private static string? MediaText(WebhookForm form) =>
        WebhookText.Int(form.Get("NumMedia")) is > 0 ? "[media]" : null;
}
