using System.Text.Json;
using Herald.Domain;
using Herald.Storage;
using Herald.Engine;

namespace Herald.Otp;

/// <summary>
/// Records a delivery attempt twice over: as the OTP manager's own attempt row (kept 30 days), and as events of an
/// engine item of kind <c>otp</c> (<c>otp:{delivery_id}:{attempt}</c>, provider = the service), so every metric,
/// health level and alert of the OTP manager comes from the same rollups as the rest of Herald.
/// The events go through the ingest queue like any other and are durable when this returns.
/// </summary>
public sealed class AttemptRecorder(IOtpStore store, IngestQueue queue)
{
    public static string ItemId(string deliveryId, int attempt) => $"otp:{deliveryId}:{attempt}";

    public async Task RecordAsync(int teamId, OtpRecord otp, OtpAttemptRecord attempt, CancellationToken ct)
    {
        store.InsertOtpAttempt(teamId, attempt);
        var metadata = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["delivery_id"] = otp.DeliveryId,
            ["user_id"] = otp.UserId,
            ["response_ms"] = Math.Round(attempt.ResponseMs, 3),
            ["provider_message_id"] = attempt.ProviderMessageId,
        });
        var started = Event(otp, attempt, Status.Pending, attempt.StartedAtMs, null, null, metadata);
        var finished = attempt.Success
            ? Event(otp, attempt, Status.Sent, attempt.CompletedAtMs, null, null, metadata)
            : Event(otp, attempt, Status.Failed, attempt.CompletedAtMs, attempt.ErrorCode ?? "unknown", attempt.ErrorMessage, metadata);
        await EnqueueAsync(new IngestBatch(teamId, [started, finished]), ct);
    }

    /// <summary>A verified code proves the attempt that carried it was delivered.</summary>
    public Task RecordDeliveredAsync(int teamId, OtpRecord otp, OtpAttemptRecord attempt, long atMs, CancellationToken ct) =>
        EnqueueAsync(new IngestBatch(teamId, [Event(otp, attempt, Status.Delivered, atMs, null, null, null)]), ct);

    private static IncomingEvent Event(OtpRecord otp, OtpAttemptRecord a, Status status, long atMs, string? errorCode, string? errorMessage, string? metadata) => new()
    {
        EventId = $"{ItemId(a.DeliveryId, a.Attempt)}:{Statuses.Name(status)}",
        ItemId = ItemId(a.DeliveryId, a.Attempt),
        Kind = ItemKind.Otp,
        Status = status,
        OccurredAtMs = atMs,
        Channel = otp.DeliveryMethod,
        Provider = a.Service,
        Recipient = otp.Recipient,
        Country = CallingCodes.CountryOf(otp.Recipient),
        Direction = "outbound",
        ErrorCode = errorCode,
        ErrorMessage = errorMessage,
        Attempt = a.Attempt,
        MetadataJson = metadata,
    };

    private async Task EnqueueAsync(IngestBatch batch, CancellationToken ct)
    {
        // A full queue is momentary back-pressure; an attempt's record must not be dropped for it.
        for (int wait = 10; await queue.SubmitAsync(batch) is null; wait = Math.Min(wait * 2, 500))
            await Task.Delay(wait, ct);
    }
}
