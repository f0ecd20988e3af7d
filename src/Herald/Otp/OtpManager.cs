using Herald.Domain;
using Herald.Senders;
using Herald.Storage;

namespace Herald.Otp;

/// <summary>Seed 000's delivery statuses of a code.</summary>
public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public const string Expired = "expired";

    /// <summary>A code still pending or sent when it expired is expired, whether or not the clean-up marked it yet.</summary>
    public static string Effective(OtpRecord otp, long nowMs) =>
        otp.DeliveryStatus is Pending or Sent && otp.ExpiresAtMs <= nowMs ? Expired : otp.DeliveryStatus;
}

public sealed record IssueRequest(string UserId, string Channel, string Recipient);

public sealed record IssueOutcome(OtpRecord Otp, OtpDispatcher.Outcome Delivery);

public enum VerifyResult { Verified, Mismatch, Expired, Locked, AlreadyVerified, NotFound }

public sealed record VerifyOutcome(VerifyResult Result, OtpRecord? Otp, int AttemptsRemaining);

/// <summary>Issues codes, has them delivered with fallback, and verifies them (seed 000's OTP manager).</summary>
public sealed class OtpManager(IOtpStore store, OtpCodes codes, OtpDispatcher dispatcher, AttemptRecorder recorder, OtpOptions options, TimeProvider time)
{
    /// <summary>Checks a request; answers the offending field and why, or null.</summary>
    public static (string Field, string Issue)? Check(IssueRequest r)
    {
        if (Identifier.Problem(r.UserId, Identifier.MaxDimensionLength) is { } userIdIssue) return ("user_id", userIdIssue);
        if (Array.IndexOf(OtpServices.Channels, r.Channel) < 0) return ("channel", "must be sms or email");
        if (r.Channel == "sms" && !CallingCodes.IsE164(r.Recipient)) return ("recipient", "an sms recipient must be an E.164 number like +14155550100");
        if (r.Channel == "sms" && CallingCodes.Invalidity(r.Recipient) is { } why)
            return ("recipient", $"an sms recipient must be a valid phone number, and {r.Recipient} is not: {why}");
        if (r.Channel == "email" && !IsEmail(r.Recipient)) return ("recipient", "an email recipient must be an address like ana@example.com");
        return null;
    }

    public async Task<IssueOutcome> IssueAsync(int teamId, IssueRequest request, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        string code = OtpCodes.NewCode(options.CodeLength);
        string deliveryId = OtpCodes.NewDeliveryId();
        var otp = new OtpRecord(teamId, deliveryId, request.UserId, request.Recipient, request.Channel, codes.Hash(deliveryId, code),
            now.ToUnixTimeMilliseconds(), (now + options.CodeLifetime).ToUnixTimeMilliseconds(), DeliveryStatus.Pending, null, null, 0, null);
        store.InsertOtp(otp);

        string body = options.MessageTemplate.Replace("{code}", code)
            .Replace("{minutes}", Math.Max(1, (int)Math.Round(options.CodeLifetime.TotalMinutes)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var delivery = await dispatcher.DeliverAsync(teamId, otp, new OutboundMessage(request.Channel, request.Recipient, options.EmailSubject, body), ct);

        string status = delivery.Delivered ? DeliveryStatus.Sent : DeliveryStatus.Failed;
        long lastAttempt = delivery.Attempts.Count > 0 ? delivery.Attempts[^1].CompletedAtMs : now.ToUnixTimeMilliseconds();
        store.UpdateOtpDelivery(teamId, deliveryId, status, delivery.Service, lastAttempt);
        return new IssueOutcome(otp with { DeliveryStatus = status, DeliveryService = delivery.Service, LastDeliveryAttemptMs = lastAttempt }, delivery);
    }

    /// <summary>
    /// Checks a code against the named delivery, or the user's latest live code. Each try is counted before the
    /// comparison, so parallel guesses cannot exceed the limit; the comparison takes constant time.
    /// </summary>
    public async Task<VerifyOutcome> VerifyAsync(int teamId, string? deliveryId, string? userId, string code, CancellationToken ct)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var otp = deliveryId is not null ? store.FindOtp(teamId, deliveryId)
            : userId is not null ? store.FindLatestLiveOtp(teamId, userId, now) : null;
        if (otp is null || (userId is not null && deliveryId is not null && otp.UserId != userId))
            return new VerifyOutcome(VerifyResult.NotFound, null, 0);
        if (otp.VerifiedAtMs is not null) return new VerifyOutcome(VerifyResult.AlreadyVerified, otp, 0);
        if (otp.ExpiresAtMs <= now) return new VerifyOutcome(VerifyResult.Expired, otp, 0);

        int? tries = store.CountVerifyAttempt(teamId, otp.DeliveryId, options.MaxVerifyAttempts);
        if (tries is null) return new VerifyOutcome(VerifyResult.Locked, otp, 0);
        int remaining = options.MaxVerifyAttempts - tries.Value;
        if (!codes.Matches(otp.DeliveryId, code, otp.CodeHash))
            return new VerifyOutcome(remaining == 0 ? VerifyResult.Locked : VerifyResult.Mismatch, otp, remaining);

        if (!store.MarkOtpVerified(teamId, otp.DeliveryId, now)) return new VerifyOutcome(VerifyResult.AlreadyVerified, otp, 0);
        var carrier = store.ListOtpAttempts(teamId, otp.DeliveryId).LastOrDefault(a => a.Success);
        if (carrier is not null) await recorder.RecordDeliveredAsync(teamId, otp, carrier, now, ct);
        return new VerifyOutcome(VerifyResult.Verified, otp with { VerifiedAtMs = now, DeliveryStatus = DeliveryStatus.Delivered }, remaining);
    }

    private static bool IsEmail(string value)
    {
        int at = value.IndexOf('@');
        return value.Length <= 254 && at > 0 && at == value.LastIndexOf('@') && value.IndexOf('.', at) > at + 1
            && !value.EndsWith('.') && !value.Any(char.IsWhiteSpace);
    }
}
