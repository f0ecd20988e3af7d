using Herald.Domain;
using Herald.Otp;
using Herald.Storage;

namespace Herald.Api.Otp;

public sealed record IssueOtpRequest(string? UserId, string? Channel, string? Recipient);
public sealed record VerifyOtpRequest(string? DeliveryId, string? UserId, string? Code);
public sealed record UpsertServiceRequest(string? Sender, string[]? Channels, bool? Enabled, int? Priority, Dictionary<string, string>? Settings, bool? MarkedDown);

public sealed record OtpAttemptDto(
    int Attempt, string Service, string Method, bool Success, DateTimeOffset StartedAt, DateTimeOffset CompletedAt, double ResponseMs,
    string ItemId, string? ProviderMessageId, string? ErrorCode, string? ErrorMessage)
{
    public static OtpAttemptDto From(OtpAttemptRecord a) => new(a.Attempt, a.Service, a.Method, a.Success, Instants.At(a.StartedAtMs),
        Instants.At(a.CompletedAtMs), Math.Round(a.ResponseMs, 3), a.ItemId, a.ProviderMessageId, a.ErrorCode, a.ErrorMessage);
}

/// <summary>An OTP as seed 000 names its fields; the code is never shown.</summary>
public sealed record OtpDto(
    string DeliveryId, string UserId, string Recipient, string DeliveryMethod, string DeliveryStatus, string? DeliveryService,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastDeliveryAttempt, DateTimeOffset? VerifiedAt, int VerifyAttempts,
    IReadOnlyList<OtpAttemptDto>? Attempts)
{
    public static OtpDto From(OtpRecord o, long nowMs, IReadOnlyList<OtpAttemptRecord>? attempts) => new(
        o.DeliveryId, o.UserId, o.Recipient, o.DeliveryMethod, Herald.Otp.DeliveryStatus.Effective(o, nowMs), o.DeliveryService,
        Instants.At(o.CreatedAtMs), Instants.At(o.ExpiresAtMs), Instants.At(o.LastDeliveryAttemptMs), Instants.At(o.VerifiedAtMs), o.VerifyAttempts,
        attempts?.Select(OtpAttemptDto.From).ToList());
}

public sealed record VerifyOtpDto(bool Verified, string Result, string? DeliveryId, int AttemptsRemaining);

public sealed record ServiceStatsDto(long Attempts, long Succeeded, long Failed, double SuccessRatePercent, double FailureRatePercent)
{
    public static ServiceStatsDto From(AttemptStats s) => new(s.Attempts, s.Succeeded, s.Failed, s.SuccessRatePercent, s.FailureRatePercent);
}

/// <summary>A service configuration with its live health; credentials are masked.</summary>
public sealed record OtpServiceDto(
    string Name, string Sender, IReadOnlyList<string> Channels, bool Enabled, int Priority, IReadOnlyDictionary<string, string> Settings,
    bool MarkedDown, string Health, string HealthReason, DateTimeOffset? LastValidatedAt, bool? ValidationOk, string? ValidationError,
    ServiceStatsDto LastHour, bool CircuitOpen)
{
    public static OtpServiceDto From(ServiceHealthReport r) => new(
        r.Service.Name, r.Service.Sender, r.Service.Channels, r.Service.Enabled, r.Service.Priority, OtpServices.Masked(r.Service.Settings),
        r.Service.MarkedDown, ServiceHealth.Name(r.Level), r.Reason,
        Instants.At(r.Service.LastValidatedAtMs), r.Service.ValidationOk, r.Service.ValidationError,
        ServiceStatsDto.From(r.LastHour), r.CircuitOpen);
}
