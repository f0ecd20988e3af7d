namespace Herald.Otp;

public sealed record DeliveryAlert(string Type, string Severity, string Message, string? Service, double? Value, double? Threshold);

/// <summary>
/// Seed 000's six automated alert conditions, evaluated from the engine's rollups and the service configurations:
/// <list type="number">
/// <item>high_failure_rate: over 50 % of the last hour's attempts failed;</item>
/// <item>service_degradation: over 75 % of one service's attempts in the last hour failed;</item>
/// <item>no_successful_deliveries: attempts in the last 15 minutes, none taken by a service;</item>
/// <item>stale_validation: an enabled service validated more than 30 minutes ago, or never;</item>
/// <item>high_error_count: a service failed at least <see cref="HighErrorCount"/> times in the last hour;</item>
/// <item>service_down: an enabled service is down (marked down, failed validation, or circuit open).</item>
/// </list>
/// Rate conditions need <see cref="ServiceHealth.MinimumAttempts"/> attempts, so two failures at night page no one.
/// </summary>
public sealed class DeliveryAlerts(ServiceHealth health, OtpAttemptStats stats, TimeProvider time)
{
    public const double HighFailurePercent = 50;
    public const double ServiceFailurePercent = 75;
    public const int HighErrorCount = 10;
    public static readonly TimeSpan StaleValidation = TimeSpan.FromMinutes(30);

    public IReadOnlyList<DeliveryAlert> Active(int teamId) => Evaluate(teamId, health.Assess(teamId));

    public IReadOnlyList<DeliveryAlert> Evaluate(int teamId, IReadOnlyList<ServiceHealthReport> services)
    {
        var alerts = new List<DeliveryAlert>();
        var hour = stats.LastMinutes(60);
        var all = stats.All(teamId, hour.From, hour.To);
        if (all.Attempts >= ServiceHealth.MinimumAttempts && all.FailureRatePercent > HighFailurePercent)
            alerts.Add(new DeliveryAlert("high_failure_rate", "critical",
                $"{all.FailureRatePercent:0.#} % of {all.Attempts} delivery attempts failed in the last hour", null, all.FailureRatePercent, HighFailurePercent));

        var quarter = stats.LastMinutes(15);
        var recent = stats.All(teamId, quarter.From, quarter.To);
        if (recent.Attempts > 0 && recent.Succeeded == 0)
            alerts.Add(new DeliveryAlert("no_successful_deliveries", "critical",
                $"{recent.Attempts} delivery attempts in the last 15 minutes and none succeeded", null, 0, null));

        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var r in services)
        {
            var s = r.Service;
            if (!s.Enabled) continue;
            if (r.LastHour.Attempts >= ServiceHealth.MinimumAttempts && r.LastHour.FailureRatePercent > ServiceFailurePercent)
                alerts.Add(new DeliveryAlert("service_degradation", "high",
                    $"{s.Name}: {r.LastHour.FailureRatePercent:0.#} % of {r.LastHour.Attempts} attempts failed in the last hour", s.Name,
                    r.LastHour.FailureRatePercent, ServiceFailurePercent));
            if (s.LastValidatedAtMs is not { } validated || now - validated > StaleValidation.TotalMilliseconds)
                alerts.Add(new DeliveryAlert("stale_validation", "warning",
                    s.LastValidatedAtMs is null ? $"{s.Name} has never been validated"
                        : $"{s.Name} was last validated {TimeSpan.FromMilliseconds(now - s.LastValidatedAtMs.Value).TotalMinutes:0} minutes ago",
                    s.Name, s.LastValidatedAtMs is null ? null : (now - s.LastValidatedAtMs.Value) / 60_000.0, StaleValidation.TotalMinutes));
            if (r.LastHour.Failed >= HighErrorCount)
                alerts.Add(new DeliveryAlert("high_error_count", "warning",
                    $"{s.Name} failed {r.LastHour.Failed} times in the last hour", s.Name, r.LastHour.Failed, HighErrorCount));
            if (r.Level == HealthLevel.Down)
                alerts.Add(new DeliveryAlert("service_down", "critical", $"{s.Name} is down: {r.Reason}", s.Name, null, null));
        }
        return alerts;
    }
}
