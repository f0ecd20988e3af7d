using System.Globalization;
using System.Text;
using System.Text.Json;
using Herald.Domain;
using Herald.Engine;

namespace Herald.Webhooks;

/// <summary>
/// The SendGrid Event Webhook: a JSON array of event objects (delivery and engagement events).
/// https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
/// </summary>
public static class SendGridMapper
{
    /// <summary>
    /// Each event → one email event of the message. The item id is <c>sg_message_id</c> up to <c>.filter</c>: the
    /// <c>X-Message-Id</c> SendGrid's send API answered, so the app's own events about the message join it
    /// (<c>?item_id=full</c> keeps the whole sg_message_id, unique per recipient, for apps that send one request to
    /// several recipients). Without sg_message_id, the <c>smtp-id</c> without its angle brackets. Statuses:
    /// processed and deferred → queued (deferred keeps the SMTP answer as error code/message; the attempt goes on),
    /// delivered → delivered, bounce and dropped → failed, open and click → read, spamreport, unsubscribe,
    /// group_unsubscribe and group_resubscribe → delivered (they prove the mail arrived, not that it was read).
    /// Events of other types, or naming no message, are skipped.
    /// </summary>
    public static WebhookParse Map(JsonElement root, long nowMs, WebhookOverrides overrides, int maxEvents, bool fullMessageId = false)
    {
        var events = new WebhookEventList(maxEvents);
        var context = new Context(nowMs, overrides, fullMessageId);
        if (root.ValueKind == JsonValueKind.Object)
        {
            events.Add(0, root, context, FromEvent);
        }
        else if (root.ValueKind == JsonValueKind.Array)
        {
            int index = 0;
            foreach (var item in root.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object) events.Add(index, item, context, FromEvent);
                index++;
            }
        }
        else
        {
            return WebhookParse.Fail("body", "must be a JSON array of SendGrid events");
        }
        return events.Result();
    }

    private sealed record Context(long NowMs, WebhookOverrides Overrides, bool FullMessageId);

    private static IncomingEvent? FromEvent(JsonElement e, Context ctx)
    {
        var (nowMs, overrides, fullMessageId) = (ctx.NowMs, ctx.Overrides, ctx.FullMessageId);
        string? kind = Str(e, "event")?.ToLowerInvariant();
        if (kind is null || !TryStatus(kind, out var status)) return null;
        string? itemId = WebhookText.Clean(ItemIdOf(Str(e, "sg_message_id"), Str(e, "smtp-id"), fullMessageId), EventParser.MaxIdLength);
        if (itemId is null) return null;
        long? timestamp = long.TryParse(Str(e, "timestamp"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long ts) && ts > 0 && ts < 100_000_000_000 ? ts * 1000 : null;
        long at = WebhookText.Plausible(timestamp, nowMs);
        string? eventId = Str(e, "sg_event_id");
        string? statusCode = Str(e, "status"), reason = Str(e, "reason"), response = Str(e, "response"), type = Str(e, "type");

        string? errorCode = null, errorMessage = null;
        switch (kind)
        {
            case "bounce":
                errorCode = statusCode ?? Normalize(type) ?? "bounce";
                errorMessage = reason ?? response;
                break;
            case "dropped":
                errorCode = statusCode ?? Normalize(reason) ?? "dropped";
                errorMessage = reason;
                break;
            case "deferred":
                errorCode = statusCode ?? SmtpCode(response);
                errorMessage = response ?? reason;
                break;
        }
        string? recipient = WebhookText.Clean(Str(e, "email"));
        return new IncomingEvent
        {
            EventId = WebhookText.Clean(eventId is not null ? $"sendgrid:{eventId}" : $"sendgrid:{itemId}:{kind}:{timestamp ?? nowMs}", EventParser.MaxIdLength),
            ItemId = itemId,
            Status = status,
            OccurredAtMs = at,
            Account = overrides.Account,
            Channel = "email",
            Provider = overrides.Provider ?? "sendgrid",
            Route = overrides.Route,
            Campaign = overrides.Campaign ?? WebhookText.Clean(Str(e, "campaign")) ?? WebhookText.Clean(FirstCategory(e)),
            Recipient = recipient,
            Direction = "outbound",
            ErrorCode = WebhookText.Clean(errorCode, 64),
            ErrorMessage = WebhookText.Text(errorMessage, 1024),
            Attempt = WebhookText.Attempt(Str(e, "attempt")),
            MetadataJson = WebhookText.Metadata(
                ("sendgrid_event", kind),
                ("type", WebhookText.Clean(type, 32)),
                ("bounce_classification", WebhookText.Clean(Str(e, "bounce_classification"), 64)),
                ("url", kind == "click" ? WebhookText.Text(Str(e, "url"), 2048) : null),
                ("asm_group_id", kind.StartsWith("group_", StringComparison.Ordinal) ? WebhookText.Clean(Str(e, "asm_group_id"), 32) : null)),
        };
    }

    public static bool TryStatus(string kind, out Status status)
    {
        status = kind switch
        {
            "processed" or "deferred" => Status.Queued,
            "delivered" => Status.Delivered,
            "bounce" or "dropped" => Status.Failed,
            "open" or "click" => Status.Read,
            "spamreport" or "unsubscribe" or "group_unsubscribe" or "group_resubscribe" => Status.Delivered,
            _ => 0,
        };
        return status != 0;
    }

    /// <summary><c>14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0</c> → <c>14c5d75ce93.dfd.64b469</c>; <c>&lt;id@host&gt;</c> → <c>id@host</c>.</summary>
    public static string? ItemIdOf(string? sgMessageId, string? smtpId, bool full = false)
    {
        if (sgMessageId is not null)
        {
            if (full) return sgMessageId;
            int filter = sgMessageId.IndexOf(".filter", StringComparison.OrdinalIgnoreCase);
            if (filter < 0) filter = sgMessageId.IndexOf(".recvd-", StringComparison.OrdinalIgnoreCase);
            return filter > 0 ? sgMessageId[..filter] : sgMessageId;
        }
        return smtpId?.Trim().TrimStart('<').TrimEnd('>');
    }

    private static string? FirstCategory(JsonElement e)
    {
        if (!e.TryGetProperty("category", out var c)) return null;
        if (c.ValueKind == JsonValueKind.String) return c.GetString();
        if (c.ValueKind == JsonValueKind.Array)
            foreach (var v in c.EnumerateArray())
                if (v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s) return s;
        return null;
    }

    /// <summary>"Bounced Address" → "bounced_address".</summary>
    private static string? Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var sb = new StringBuilder(text.Length);
        foreach (char c in text.Trim().ToLowerInvariant())
            sb.Append(char.IsAsciiLetterOrDigit(c) || c == '.' ? c : '_');
        return sb.ToString();
    }

    /// <summary>The SMTP reply code that starts a response like "400 try again later".</summary>
    private static string? SmtpCode(string? response)
    {
        if (response is null || response.Length < 3) return null;
        return char.IsAsciiDigit(response[0]) && char.IsAsciiDigit(response[1]) && char.IsAsciiDigit(response[2]) && (response.Length == 3 || !char.IsAsciiDigit(response[3]))
            ? response[..3]
            : null;
    }

    private static string? Str(JsonElement obj, string name) => WhatsAppMapper.Str(obj, name);
}
