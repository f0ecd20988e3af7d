using System.Globalization;
using Herald.Domain;
using Herald.Engine;

namespace Herald.Webhooks;

/// <summary>
/// Twilio Voice call status callbacks, form-encoded.
/// https://www.twilio.com/docs/voice/twiml#callstatus-values, https://www.twilio.com/docs/voice/api/call-resource#statuscallback
/// </summary>
public static class TwilioVoiceMapper
{
    /// <summary>
    /// One call event of <c>CallSid</c> (kind call, channel voice). <c>Timestamp</c> (RFC 2822) is the time when present,
    /// else the time Herald received it; the event id <c>twilio-voice:{CallSid}:{status}</c> never depends on it. The
    /// recipient is the callee of an outbound call and the caller of an inbound one. Durations go into metadata. A call Herald
    /// placed for a delivery (<paramref name="link"/>) names the delivery's agent and carries the delivery and call ids.
    /// </summary>
    public static WebhookParse Map(WebhookForm form, long nowMs, WebhookOverrides overrides, Calls.CallLink? link = null)
    {
        string? sid = WebhookText.Clean(form.Get("CallSid"), EventParser.MaxIdLength);
        if (sid is null) return WebhookParse.Fail("CallSid", "is required");
        string? raw = form.Get("CallStatus")?.Trim().ToLowerInvariant();
        if (raw is null) return WebhookParse.Fail("CallStatus", "is required");
        if (!TryStatus(raw, out var status)) return WebhookParse.Nothing;

        string? direction = form.Get("Direction")?.Trim().ToLowerInvariant();
        bool inbound = direction == "inbound";
        string? recipient = TwilioMapper.Address(inbound ? form.Get("From") : form.Get("To"));
        long at = TryRfc2822(form.Get("Timestamp"), out var ts) ? WebhookText.Plausible(ts.ToUnixTimeMilliseconds(), nowMs) : nowMs;
        return WebhookParse.Ok([new IncomingEvent
        {
            EventId = $"twilio-voice:{sid}:{Statuses.Name(status)}",
            ItemId = sid,
            Kind = ItemKind.Call,
            Status = status,
            OccurredAtMs = at,
            Account = overrides.Account ?? WebhookText.Clean(form.Get("AccountSid")),
            Channel = "voice",
            Provider = overrides.Provider ?? "twilio",
            Route = overrides.Route,
            Campaign = overrides.Campaign,
            Recipient = recipient,
            Country = WebhookText.CountryOf(recipient),
            Direction = direction is null ? null : inbound ? "inbound" : "outbound",
            Agent = link?.AgentId,
            ErrorCode = WebhookText.Clean(form.Get("ErrorCode"), 64) ?? (status is Status.Failed ? WebhookText.Clean(form.Get("SipResponseCode"), 64) : null),
            ErrorMessage = WebhookText.Text(form.Get("ErrorMessage"), 1024),
            MetadataJson = WebhookText.Metadata(
                ("call_duration", WebhookText.Int(form.Get("CallDuration"))),
                ("duration", WebhookText.Int(form.Get("Duration"))),
                ("sequence_number", WebhookText.Int(form.Get("SequenceNumber"))),
                ("twilio_direction", WebhookText.Clean(direction, 32)),
                ("twilio_status", raw),
                ("delivery_id", link?.DeliveryId),
                ("call_id", link?.CallId)),
        }]);
    }

    /// <summary>Twilio's CallStatus values on Herald's call lattice (<c>initiated</c> is the call still queued).</summary>
    public static bool TryStatus(string raw, out Status status)
    {
        status = raw switch
        {
            "queued" or "initiated" => Status.Queued,
            "ringing" => Status.Ringing,
            "in-progress" or "answered" => Status.InProgress,
            "completed" => Status.Completed,
            "busy" => Status.Busy,
            "no-answer" => Status.NoAnswer,
            "canceled" => Status.Canceled,
            "failed" => Status.Failed,
            _ => 0,
        };
        return status != 0;
    }

    private static readonly string[] Rfc2822Formats =
    [
        "ddd, dd MMM yyyy HH:mm:ss zzz", "ddd, d MMM yyyy HH:mm:ss zzz", "dd MMM yyyy HH:mm:ss zzz", "d MMM yyyy HH:mm:ss zzz",
    ];

    /// <summary>RFC 2822 dates as Twilio writes them: <c>Mon, 16 Aug 2010 03:45:01 +0000</c> (also GMT/UT zones).</summary>
    public static bool TryRfc2822(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        string s = text.Trim();
        if (s.EndsWith(" GMT", StringComparison.OrdinalIgnoreCase) || s.EndsWith(" UTC", StringComparison.OrdinalIgnoreCase)) s = s[..^4] + " +00:00";
        else if (s.EndsWith(" UT", StringComparison.OrdinalIgnoreCase) || s.EndsWith(" Z", StringComparison.OrdinalIgnoreCase)) s = s[..^(s.EndsWith('Z') ? 2 : 3)] + " +00:00";
        else if (s.Length > 5 && (s[^5] == '+' || s[^5] == '-') && char.IsAsciiDigit(s[^1])) s = s[..^2] + ":" + s[^2..];
        return DateTimeOffset.TryParseExact(s, Rfc2822Formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value);
    }
}
