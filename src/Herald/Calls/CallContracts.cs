using System.Text.Json;
using System.Text.Json.Serialization;
using Herald.Api;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Calls;

/// <summary>A request to call a delivery's customer. Both fields are optional.</summary>
/// <param name="Url">A TwiML URL of the team's own for Twilio to fetch; without it Herald's TwiML says <paramref name="Message"/>.</param>
/// <param name="Message">What the customer hears (default: Herald:Calls:DefaultMessage).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PlaceCallRequest(string? Url, string? Message)
{
    public const int MaxMessageLength = 1000;

    public (string? Url, string? Message) Checked()
    {
        if (Url is not null && (Url.Length > 1000 || !Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            throw new BadParameterException("url", "must be an http or https URL of at most 1000 characters");
        if (Url is not null && Message is not null) throw new BadParameterException("message", "give url or message, not both");
        return (Url, Message is null ? null : Deliveries.Fields.Line("message", Message, MaxMessageLength));
    }
}

/// <summary>One status callback as kept in a call's webhook_events: Twilio's CallStatus, when it came, and every field it sent.</summary>
public sealed record CallWebhookEventDto(string Event, DateTimeOffset Timestamp, IReadOnlyDictionary<string, string> Data);

/// <summary>A call to a delivery's customer, with the seed's fields.</summary>
public sealed record CallDto(
    string Id, string DeliveryId, string CustomerId, string CallSid, string Status, string FromNumber, string ToNumber, string Direction,
    DateTimeOffset? StartTime, DateTimeOffset? EndTime, int? Duration, string? RecordingUrl, int? RecordingDuration, string? Transcription,
    JsonElement? AiAnalysis, string? ErrorCode, string? ErrorMessage, int RetryCount, IReadOnlyList<CallWebhookEventDto> WebhookEvents,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static CallDto Of(CallRecord c) => new(
        c.PublicId, c.DeliveryPublicId, c.CustomerId, c.CallSid, c.Status, c.FromNumber, c.ToNumber, c.Direction, Instants.At(c.StartTimeMs),
        Instants.At(c.EndTimeMs), c.Duration, c.RecordingUrl, c.RecordingDuration, c.Transcription,
        c.AiAnalysisJson is null ? null : JsonSerializer.Deserialize<JsonElement>(c.AiAnalysisJson), c.ErrorCode, c.ErrorMessage, c.RetryCount,
        JsonSerializer.Deserialize<List<CallWebhookEventDto>>(c.WebhookEventsJson, Json) ?? [], Instants.At(c.CreatedAtMs), Instants.At(c.UpdatedAtMs));

    public static string EventJson(CallWebhookEventDto e) => JsonSerializer.Serialize(e, Json);

    public static List<JsonElement> Events(string json) => JsonSerializer.Deserialize<List<JsonElement>>(json) ?? [];
}

public sealed record CallPageDto(IReadOnlyList<CallDto> Calls, string? NextCursor);

/// <summary>The seed's call statuses (Twilio's CallStatus words) and their order: a late callback never undoes a final one.</summary>
public static class CallStatuses
{
    public static readonly string[] All = ["queued", "ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled"];

    /// <summary>The seed's word for a status on Herald's call lattice.</summary>
    public static string Of(Status status) => status switch
    {
        Status.Queued => "queued",
        Status.Ringing => "ringing",
        Status.InProgress => "in-progress",
        Status.Completed => "completed",
        Status.Busy => "busy",
        Status.NoAnswer => "no-answer",
        Status.Canceled => "canceled",
        _ => "failed",
    };

    public static bool IsFinal(string status) => Array.IndexOf(All, status) >= 3;

    /// <summary>Whether a callback's status replaces the stored one: progress moves forward, a final status stays.</summary>
    public static bool Replaces(string candidate, string current) =>
        !IsFinal(current) && Array.IndexOf(All, candidate) > Array.IndexOf(All, current);
}
