namespace Herald.Storage;

/// <summary>One delivery service of a team's OTP manager (seed 000's ServiceConfiguration). Times are Unix ms.</summary>
public sealed record OtpServiceRecord(
    string Name, string Sender, IReadOnlyList<string> Channels, bool Enabled, int Priority,
    IReadOnlyDictionary<string, string> Settings, bool MarkedDown, long? LastValidatedAtMs, bool? ValidationOk,
    string? ValidationError, long CreatedAtMs, long UpdatedAtMs);

/// <summary>One issued code. The code itself is never stored: only its keyed hash.</summary>
public sealed record OtpRecord(
    int TeamId, string DeliveryId, string UserId, string Recipient, string DeliveryMethod, byte[] CodeHash,
    long CreatedAtMs, long ExpiresAtMs, string DeliveryStatus, string? DeliveryService, long? LastDeliveryAttemptMs,
    int VerifyAttempts, long? VerifiedAtMs);

/// <summary>One try of one service to deliver one code (seed 000's DeliveryAttempt).</summary>
public sealed record OtpAttemptRecord(
    string DeliveryId, string UserId, int Attempt, string Service, string Method, string ItemId, long StartedAtMs,
    long CompletedAtMs, bool Success, string? ProviderMessageId, string? ErrorCode, string? ErrorMessage, double ResponseMs);

/// <summary>OTPs of a window grouped by (effective) delivery status, method and service.</summary>
public sealed record OtpStatusCount(string Status, string Method, string? Service, long Count, long VerifyMsSum, long Verified);

public interface IOtpStore
{
    IReadOnlyList<OtpServiceRecord> ListOtpServices(int teamId);
    /// <summary>Gives a team that has no services at all the defaults; a team with any is left as it configured them.</summary>
    void EnsureOtpServices(int teamId, IEnumerable<OtpServiceRecord> defaults, long nowMs);
    void UpsertOtpService(int teamId, OtpServiceRecord service, long nowMs);
    bool DeleteOtpService(int teamId, string name);
    void RecordOtpServiceValidation(int teamId, string name, long atMs, bool ok, string? error);

    void InsertOtp(OtpRecord otp);
    OtpRecord? FindOtp(int teamId, string deliveryId);
    OtpRecord? FindLatestLiveOtp(int teamId, string userId, long nowMs);
    IReadOnlyList<OtpRecord> ListUserOtps(int teamId, string userId, int limit);
    void UpdateOtpDelivery(int teamId, string deliveryId, string status, string? service, long atMs);
    /// <summary>Counts one verification try; null when the OTP is gone, verified, or already out of tries.</summary>
    int? CountVerifyAttempt(int teamId, string deliveryId, int maxAttempts);
    bool MarkOtpVerified(int teamId, string deliveryId, long nowMs);

    void InsertOtpAttempt(int teamId, OtpAttemptRecord attempt);
    IReadOnlyList<OtpAttemptRecord> ListOtpAttempts(int teamId, string deliveryId);
    IReadOnlyList<OtpAttemptRecord> ListUserOtpAttempts(int teamId, string userId, int limit);
    IReadOnlyList<OtpAttemptRecord> ListOtpAttemptsSince(int teamId, long sinceMs);
    long CountOtpAttemptsSince(int teamId, long sinceMs);
    IReadOnlyList<OtpStatusCount> CountOtps(int teamId, long sinceMs, long nowMs);
    long CountLiveOtps(int teamId, long nowMs);

    /// <summary>Marks codes past their expiry, deletes codes expired before <paramref name="otpsBeforeMs"/> and attempts started before <paramref name="attemptsBeforeMs"/>.</summary>
    (int Expired, int OtpsDeleted, int AttemptsDeleted) CleanUpOtps(long nowMs, long otpsBeforeMs, long attemptsBeforeMs);
}
