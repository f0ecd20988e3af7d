using Herald.Maintenance;
using Herald.Storage;
using Herald.Tenancy;

namespace Herald.Otp;

/// <summary>
/// The OTP manager's housekeeping: marks expired codes, deletes codes past their retention and attempts older than
/// 30 days (archived first with <c>Herald:Retention:Archive</c>), and validates every enabled service so its health and
/// the stale-validation alert stay current.
/// </summary>
public sealed class OtpMaintenance(
    IOtpStore store, RetentionPurger purger, OtpServices services, TeamDirectory teams, OtpOptions options, TimeProvider time, ILogger<OtpMaintenance> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextValidation = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                CleanUp();
                if (time.GetUtcNow() >= nextValidation)
                {
                    await ValidateAllAsync(stoppingToken);
                    nextValidation = time.GetUtcNow() + options.ValidationInterval;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "OTP maintenance failed; retrying at the next interval");
            }
            try
            {
                await Task.Delay(Min(options.CleanupInterval, options.ValidationInterval), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public (int Expired, int OtpsDeleted, int AttemptsDeleted) CleanUp()
    {
        var now = time.GetUtcNow();
        long otpsBefore = (now - options.ExpiredOtpRetention).ToUnixTimeMilliseconds(), attemptsBefore = (now - options.AttemptRetention).ToUnixTimeMilliseconds();
        (int Expired, int OtpsDeleted, int AttemptsDeleted) result = purger.Archives
            ? (store.CleanUpOtps(now.ToUnixTimeMilliseconds(), long.MinValue, long.MinValue).Expired,
                (int)purger.Purge(PurgeCollection.Otps, "otps", otpsBefore, now), (int)purger.Purge(PurgeCollection.OtpAttempts, "otp_attempts", attemptsBefore, now))
            : store.CleanUpOtps(now.ToUnixTimeMilliseconds(), otpsBefore, attemptsBefore);
        if (result != default)
            logger.LogInformation("OTP clean-up: {Expired} codes expired, {Otps} old codes and {Attempts} old attempts deleted",
                result.Expired, result.OtpsDeleted, result.AttemptsDeleted);
        return result;
    }

    private async Task ValidateAllAsync(CancellationToken ct)
    {
        foreach (var team in teams.All)
        {
            foreach (var service in services.List(team.Id))
            {
                if (!service.Enabled) continue;
                var result = await services.ValidateAsync(team.Id, service, ct);
                if (!result.Ok) logger.LogWarning("OTP service {Service} of team {Team} failed validation: {Error}", service.Name, team.Name, result.Error);
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
