using System.Globalization;
using Herald.Deliveries;
using Herald.Domain;
using Herald.Engine;
using Herald.Storage;
using Herald.Webhooks;

namespace Herald.Calls;

/// <summary>What the engine item of a call links to: its delivery, and the agent holding it.</summary>
public sealed record CallLink(string CallId, string DeliveryId, string? AgentId);

/// <summary>Why a call was not placed: the status it is answered with, the field, and for a closed window when it opens.</summary>
public sealed record CallRefusal(int Status, string Code, string Field, string Message, long? NextAllowedAtMs = null);

/// <summary>
/// Calls to delivery customers through the team's Twilio account: placed only inside the customer's preferred windows and
/// outside quiet hours; each call is a call log (its delivery's call_log_id) and an engine item of kind call that names the
/// delivery, filled by Twilio's status callbacks.
/// </summary>
public sealed class CallService(
    ICallStore calls, IDeliveryStore deliveries, ICustomerStore customers, IAgentStore agents, IContactSettingsStore contacts, TwilioVoiceClient twilio,
    DeliveryWriter writer, IngestQueue queue, CallOptions options, TimeProvider time, ILogger<CallService> logger)
{
    public const string CallPrefix = "call_";

    /// <summary>Places a call to the delivery's customer; the callbacks go to <paramref name="callbackBase"/> with the team's webhook token.</summary>
    public async Task<(CallRecord? Call, CallRefusal? Refusal)> PlaceAsync(int teamId, string teamToken, string deliveryId, string? twimlUrl, string? message,
        string callbackBase, CancellationToken ct)
    {
        if (deliveries.FindDelivery(teamId, deliveryId) is not { } delivery) return (null, new CallRefusal(404, "not_found", "id", $"no delivery '{deliveryId}'"));
        if (delivery.Status is Status.Completed or Status.Cancelled)
            return (null, new CallRefusal(409, "conflict", "status", $"the delivery is {Statuses.Name(delivery.Status)}; only an open delivery's customer is called"));
        var settings = deliveries.DeliverySettings(teamId);
        if (TwilioSettings.FromJson(settings?.TwilioJson) is not { } account)
            return (null, new CallRefusal(409, "conflict", "twilio", "the team has no Twilio account: set twilio in PUT /api/v1/delivery-settings"));
        var customer = customers.FindCustomer(teamId, delivery.CustomerId)!;
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        long next = CallWindows.NextAllowed(customer, contacts.FindContact(teamId, customer.Phone), contacts.ComplianceSettings(teamId), now);
        if (next > now)
            return (null, new CallRefusal(409, "outside_call_window",
                "next_allowed_at", $"the customer may not be called now (outside its preferred times and days, or in quiet hours); next allowed at {Iso(next)}", next));

        var placed = await twilio.PlaceCallAsync(account, customer.Phone, twimlUrl, message, $"{callbackBase}/webhooks/twilio-voice/{teamToken}",
            $"{callbackBase}/webhooks/twilio-recording/{teamToken}", ct);
        int earlier = calls.ListCalls(teamId, delivery.Id, null, 1000).Count;
        now = time.GetUtcNow().ToUnixTimeMilliseconds();
        string status = VoiceStatus(placed.Status) ?? "queued";
        var call = calls.InsertCall(new CallRecord(0, PublicIds.New(CallPrefix, now), teamId, delivery.Id, delivery.PublicId, customer.PublicId, placed.Sid,
            status, account.FromNumber, customer.Phone, "outbound", null, null, null, null, null, null, null, null, null, earlier, "[]", now, now));
        await writer.ExecuteAsync((s, ctx) =>
        {
            if (s.FindDelivery(teamId, delivery.PublicId) is not { } d) return Outcome<DeliveryRecord>.NotFound("gone");
            var linked = d with { CallLogId = call.PublicId, UpdatedAtMs = ctx.NowMs };
            s.UpdateDelivery(linked);
            return Outcome<DeliveryRecord>.Ok(linked);
        });
        // The call's engine item starts queued now; Twilio's own queued/initiated callback is then a duplicate of it.
        var form = WebhookForm.Of(("CallSid", placed.Sid), ("CallStatus", "queued"), ("Direction", "outbound-api"), ("To", customer.Phone),
            ("From", account.FromNumber), ("AccountSid", account.AccountSid));
        var parsed = TwilioVoiceMapper.Map(form, now, WebhookOverrides.None, Link(call));
        if (await queue.SubmitAsync(new IngestBatch(teamId, parsed.Events.ToArray())) is null)
            logger.LogWarning("call {Call}: the ingest queue is full; its engine item starts with Twilio's first callback", call.PublicId);
        return (call, null);
    }

    /// <summary>
    /// A status callback of a call Herald placed (found by CallSid, in the callback's team): its raw fields kept in
    /// webhook_events, its status, times, duration and error filled. Answers the link its engine event carries; null for a
    /// call Herald did not place.
    /// </summary>
    public CallLink? ApplyCallback(int teamId, WebhookForm form, long nowMs)
    {
        if (WebhookText.Clean(form.Get("CallSid"), EventParser.MaxIdLength) is not { } sid || calls.FindCallBySid(sid) is not { } call || call.TeamId != teamId)
            return null;
        // A callback the mapper refuses (400) changes nothing.
        if (form.Get("CallStatus")?.Trim().ToLowerInvariant() is not { } raw) return null;
        string? status = VoiceStatus(raw);
        long at = TwilioVoiceMapper.TryRfc2822(form.Get("Timestamp"), out var ts) ? WebhookText.Plausible(ts.ToUnixTimeMilliseconds(), nowMs) : nowMs;
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in form.Pairs) data.TryAdd(k, v.Length > 1000 ? v[..1000] : v);
        string eventJson = CallDto.EventJson(new CallWebhookEventDto(raw, Instants.At(at), data));
        var updated = calls.UpdateCall(call.Id, c =>
        {
            var events = CallDto.Events(c.WebhookEventsJson);
            events.Add(System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement>(eventJson));
            if (events.Count > options.MaxWebhookEventsPerCall) events.RemoveRange(0, events.Count - options.MaxWebhookEventsPerCall);
            bool moves = status is not null && CallStatuses.Replaces(status, c.Status);
            string next = moves ? status! : c.Status;
            int? duration = WebhookText.Int(form.Get("CallDuration"));
            return c with
            {
                Status = next,
                // A completed callback without an answered one before it still says when the call began: its duration earlier.
                StartTimeMs = c.StartTimeMs ?? (next == "in-progress" ? at : next == "completed" && duration is { } d ? at - d * 1000L : null),
                EndTimeMs = c.EndTimeMs ?? (CallStatuses.IsFinal(next) && moves ? at : null),
                Duration = duration ?? c.Duration,
                ErrorCode = WebhookText.Clean(form.Get("ErrorCode"), 64) ?? (next == "failed" ? WebhookText.Clean(form.Get("SipResponseCode"), 64) : null) ?? c.ErrorCode,
                ErrorMessage = WebhookText.Text(form.Get("ErrorMessage"), 1024) ?? c.ErrorMessage,
                WebhookEventsJson = System.Text.Json.JsonSerializer.Serialize(events),
                UpdatedAtMs = nowMs,
            };
        });
        return updated is null ? null : Link(updated);
    }

    /// <summary>The engine link of a call: its delivery and the agent holding it now.</summary>
    public CallLink Link(CallRecord call)
    {
        var delivery = deliveries.FindDelivery(call.TeamId, call.DeliveryPublicId);
        string? agent = delivery?.AgentId is { } agentId ? agents.FindAgentById(agentId)?.PublicId : null;
        return new CallLink(call.PublicId, call.DeliveryPublicId, agent);
    }

    private static string? VoiceStatus(string raw) => TwilioVoiceMapper.TryStatus(raw, out var s) ? CallStatuses.Of(s) : null;

    private static string Iso(long ms) => Instants.At(ms).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
