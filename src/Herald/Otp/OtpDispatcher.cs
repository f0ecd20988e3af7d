using System.Diagnostics;
using Herald.Senders;
using Herald.Storage;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Herald.Otp;

/// <summary>
/// Delivers one code: through the healthiest enabled service that can carry its channel (by health, then priority),
/// falling back to the next when a send fails, times out, or the service's circuit is open. Every try is recorded.
/// </summary>
public sealed class OtpDispatcher(
    SenderRegistry senders, ServiceHealth health, ServiceCircuits circuits, AttemptRecorder recorder, TimeProvider time,
    ILogger<OtpDispatcher> logger)
{
    public sealed record Outcome(bool Delivered, string? Service, IReadOnlyList<OtpAttemptRecord> Attempts, int CandidateCount);

    /// <summary>Enabled services for the channel, best first; down services are left out.</summary>
    public IReadOnlyList<ServiceHealthReport> Candidates(int teamId, string channel)
    {
        var list = new List<ServiceHealthReport>();
        foreach (var report in health.Assess(teamId))
        {
            var s = report.Service;
            if (!s.Enabled || report.Level == HealthLevel.Down || !s.Channels.Contains(channel)) continue;
            if (!senders.TryGet(s.Sender, out var sender) || !sender.Supports(channel)) continue;
            list.Add(report);
        }
        list.Sort((a, b) => a.Level != b.Level ? a.Level.CompareTo(b.Level)
            : a.Service.Priority != b.Service.Priority ? a.Service.Priority.CompareTo(b.Service.Priority)
            : string.CompareOrdinal(a.Service.Name, b.Service.Name));
        return list;
    }

    public async Task<Outcome> DeliverAsync(int teamId, OtpRecord otp, OutboundMessage message, CancellationToken ct)
    {
        var candidates = Candidates(teamId, otp.DeliveryMethod);
        var attempts = new List<OtpAttemptRecord>();
        foreach (var candidate in candidates)
        {
            var service = candidate.Service;
            var sender = senders.Get(service.Sender);
            long startedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
            var clock = Stopwatch.StartNew();
            SendResult result;
            try
            {
                result = await circuits.Pipeline(teamId, service.Name).ExecuteAsync(
                    async token => await sender.SendAsync(message, service.Settings, token), ct);
            }
            catch (BrokenCircuitException)
            {
                continue; // Opened by a concurrent send since the candidates were chosen: nothing was sent.
            }
            catch (TimeoutRejectedException)
            {
                result = new SendResult(false, null, "timeout", $"no answer within the send timeout", clock.Elapsed);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogWarning(e, "OTP service {Service} threw while sending", service.Name);
                result = new SendResult(false, null, "sender_error", e.Message, clock.Elapsed);
            }
            var attempt = new OtpAttemptRecord(otp.DeliveryId, otp.UserId, attempts.Count + 1, service.Name, otp.DeliveryMethod,
                AttemptRecorder.ItemId(otp.DeliveryId, attempts.Count + 1), startedAt, time.GetUtcNow().ToUnixTimeMilliseconds(),
                result.Success, result.ProviderMessageId, result.Success ? null : result.ErrorCode ?? "unknown",
                result.Success ? null : result.ErrorMessage, clock.Elapsed.TotalMilliseconds);
            attempts.Add(attempt);
            await recorder.RecordAsync(teamId, otp, attempt, CancellationToken.None);
            if (result.Success) return new Outcome(true, service.Name, attempts, candidates.Count);
            logger.LogInformation("OTP {DeliveryId}: {Service} failed ({Code}); {Next}", otp.DeliveryId, service.Name,
                attempt.ErrorCode, attempts.Count < candidates.Count ? "falling back to the next service" : "no service left");
        }
        return new Outcome(false, null, attempts, candidates.Count);
    }
}
