using System.Globalization;
using System.Text.Json;
using Herald.Domain;
using Herald.Engine;

namespace Herald.Webhooks;

/// <summary>
/// WhatsApp Cloud API (Meta) webhooks: <c>entry[].changes[]</c> with <c>field: "messages"</c> carry message statuses and inbound messages.
/// https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples,
/// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status/
/// </summary>
public static class WhatsAppMapper
{
    /// <summary>The change field of message echoes: what a business sent from the WhatsApp Business app, template messages with their template.</summary>
    public const string EchoesField = "smb_message_echoes";

    /// <summary>
    /// Each status → an outbound event of the message <c>id</c> (wamid) at its <c>timestamp</c>; each inbound message → an
    /// inbound, delivered event carrying its text (or its type, for media and other non-text messages). Other fields and
    /// changes, unknown statuses and entries without an id are ignored, not errors: Meta adds fields freely.
    /// Each message echo → an outbound <c>sent</c> event of its message, with its <c>template</c> when it is a template message: the
    /// echo is where Meta's payload names the template (a status never does), and the message's later statuses keep it.
    /// </summary>
    public static WebhookParse Map(JsonElement root, long nowMs, WebhookOverrides overrides, int maxEvents) =>
        WebhookEventList.Guard(() => MapEntries(root, nowMs, overrides, maxEvents));

    private static WebhookParse MapEntries(JsonElement root, long nowMs, WebhookOverrides overrides, int maxEvents)
    {
        if (root.ValueKind != JsonValueKind.Object) return WebhookParse.Fail("body", "must be a JSON object");
        var events = new WebhookEventList(maxEvents);
        if (!root.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array) return events.Result();
        // Statuses and messages are numbered in the order they come, across every entry and change.
        int index = 0;
        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("changes", out var changes) || changes.ValueKind != JsonValueKind.Array) continue;
            foreach (var change in changes.EnumerateArray())
            {
                if (change.ValueKind != JsonValueKind.Object) continue;
                if (Str(change, "field") is { } field && field is not ("messages" or EchoesField)) continue;
                if (!change.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Object) continue;
                string? phoneNumberId = value.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object ? Str(meta, "phone_number_id") : null;
                var ctx = new Context(nowMs, overrides, overrides.Account ?? WebhookText.Clean(phoneNumberId), overrides.Provider ?? "whatsapp");
                if (value.TryGetProperty("statuses", out var statuses) && statuses.ValueKind == JsonValueKind.Array)
                    foreach (var s in statuses.EnumerateArray()) events.Add(index++, s, ctx, FromStatus);
                if (value.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
                    foreach (var m in messages.EnumerateArray()) events.Add(index++, m, ctx, FromMessage);
                if (value.TryGetProperty("message_echoes", out var echoes) && echoes.ValueKind == JsonValueKind.Array)
                    foreach (var m in echoes.EnumerateArray()) events.Add(index++, m, ctx, FromEcho);
            }
        }
        return events.Result();
    }

    private sealed record Context(long NowMs, WebhookOverrides Overrides, string? Account, string Provider);

    private static IncomingEvent? FromStatus(JsonElement s, Context ctx)
    {
        if (s.ValueKind != JsonValueKind.Object) return null;
        string? id = WebhookText.Clean(Str(s, "id"), EventParser.MaxIdLength);
        string? raw = Str(s, "status")?.ToLowerInvariant();
        if (id is null || raw is null) return null;
        Status status = raw switch
        {
            "sent" => Status.Sent,
            "delivered" => Status.Delivered,
            "read" or "played" => Status.Read,
            "failed" => Status.Failed,
            _ => 0,
        };
        if (status == 0) return null;
        string? recipient = Phone(Str(s, "recipient_id"));
        string? errorCode = null, errorMessage = null, errorDetails = null;
        if (s.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0
            && errors[0] is { ValueKind: JsonValueKind.Object } error)
        {
            errorCode = WebhookText.Clean(Str(error, "code"), 64);
            errorMessage = Str(error, "title") ?? Str(error, "message");
            if (error.TryGetProperty("error_data", out var data) && data.ValueKind == JsonValueKind.Object) errorDetails = Str(data, "details");
            if (errorDetails is not null && errorDetails != errorMessage) errorMessage = errorMessage is null ? errorDetails : $"{errorMessage}: {errorDetails}";
        }
        string? pricingCategory = null, conversationId = null;
        bool? billable = null;
        if (s.TryGetProperty("pricing", out var pricing) && pricing.ValueKind == JsonValueKind.Object)
        {
            pricingCategory = Str(pricing, "category");
            if (pricing.TryGetProperty("billable", out var b) && b.ValueKind is JsonValueKind.True or JsonValueKind.False) billable = b.GetBoolean();
        }
        if (s.TryGetProperty("conversation", out var conversation) && conversation.ValueKind == JsonValueKind.Object) conversationId = Str(conversation, "id");
        return new IncomingEvent
        {
            EventId = $"whatsapp:{id}:{Statuses.Name(status)}",
            ItemId = id,
            Status = status,
            OccurredAtMs = WebhookText.Plausible(UnixSeconds(Str(s, "timestamp")), ctx.NowMs),
            Account = ctx.Account,
            Channel = "whatsapp",
            Provider = ctx.Provider,
            Route = ctx.Overrides.Route,
            Campaign = ctx.Overrides.Campaign,
            Recipient = recipient,
            Country = WebhookText.CountryOf(recipient),
            Direction = "outbound",
            ErrorCode = errorCode,
            ErrorMessage = WebhookText.Text(errorMessage, 1024),
            MetadataJson = WebhookText.Metadata(("pricing_category", WebhookText.Clean(pricingCategory)), ("billable", billable),
                ("conversation_id", WebhookText.Clean(conversationId, 256)), ("whatsapp_status", raw == "played" ? raw : null)),
        };
    }

    private static IncomingEvent? FromMessage(JsonElement m, Context ctx) => MessageEvent(m, ctx, echo: false);

    private static IncomingEvent? FromEcho(JsonElement m, Context ctx) => MessageEvent(m, ctx, echo: true);

    /// <summary>
    /// An entry of <c>messages</c> (the contact's message: inbound, delivered, from <c>from</c>, with its text) or of
    /// <c>message_echoes</c> (the business's own: outbound, sent, to <c>to</c>, with its template's name when it is one);
    /// null without an id.
    /// </summary>
    private static IncomingEvent? MessageEvent(JsonElement m, Context ctx, bool echo)
    {
        if (m.ValueKind != JsonValueKind.Object) return null;
        string? id = WebhookText.Clean(Str(m, "id"), EventParser.MaxIdLength);
        if (id is null) return null;
        string? contact = Phone(Str(m, echo ? "to" : "from"));
        string type = Str(m, "type") ?? "unknown";
        string? Part(string name) => m.TryGetProperty(type, out var part) && part.ValueKind == JsonValueKind.Object ? Str(part, name) : null;
        return new IncomingEvent
        {
            // An echo has its own event id: the status webhook's `sent` of the same message must not make it (and its template) a duplicate.
            EventId = $"whatsapp:{id}:{(echo ? "echo" : "received")}",
            ItemId = id,
            Status = echo ? Status.Sent : Status.Delivered,
            OccurredAtMs = WebhookText.Plausible(UnixSeconds(Str(m, "timestamp")), ctx.NowMs),
            Account = ctx.Account,
            Channel = "whatsapp",
            Provider = ctx.Provider,
            Route = ctx.Overrides.Route,
            Campaign = ctx.Overrides.Campaign,
            Template = echo && type == "template" ? WebhookText.Clean(Part("name")) : null,
            Recipient = contact,
            Country = WebhookText.CountryOf(contact),
            Direction = echo ? "outbound" : "inbound",
            Text = echo ? null : WebhookText.Text((type == "text" ? Part("body") : null) ?? type, EventParser.MaxTextLength),
            MetadataJson = WebhookText.Metadata(("whatsapp_type", WebhookText.Clean(type, 64))),
        };
    }

    /// <summary>A WhatsApp id (digits of a phone number) as E.164; anything else (a group id, a business-scoped user id) as is.</summary>
    private static string? Phone(string? waId)
    {
        waId = WebhookText.Clean(waId);
        if (waId is null) return null;
        foreach (char c in waId)
            if (!char.IsAsciiDigit(c)) return waId;
        return "+" + waId;
    }

    private static long? UnixSeconds(string? text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long s) && s > 0 && s < 100_000_000_000 ? s * 1000 : null;

    /// <summary>A string or number property as text; null when absent, null or of another type.</summary>
    internal static string? Str(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString() is { Length: > 0 } s ? s : null,
                JsonValueKind.Number => v.GetRawText(),
                _ => null,
            }
            : null;
}
