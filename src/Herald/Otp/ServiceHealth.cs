using Herald.Storage;

namespace Herald.Otp;

/// <summary>Seed 000's health levels, worst last so they order by severity.</summary>
public enum HealthLevel { Healthy, Degraded, Critical, Down }

public sealed record ServiceHealthReport(
    OtpServiceRecord Service, HealthLevel Level, string Reason, AttemptStats LastHour, AttemptStats Last15Minutes, bool CircuitOpen);

/// <summary>
/// A service's health from live figures: <b>down</b> when an operator marked it down, its last validation failed,
/// or its circuit breaker is open; else by its failure rate over the last hour, once it made at least
/// <see cref="MinimumAttempts"/> attempts: over 75 % <b>critical</b> (seed 000's degradation threshold), over 25 %
/// <b>degraded</b>, otherwise <b>healthy</b>.
/// </summary>
public sealed class ServiceHealth(OtpServices services, OtpAttemptStats stats, ServiceCircuits circuits)
{
    public const int MinimumAttempts = 4;
    public const double CriticalFailurePercent = 75;
    public const double DegradedFailurePercent = 25;

    public IReadOnlyList<ServiceHealthReport> Assess(int teamId)
    {
        var hour = stats.LastMinutes(60);
        var quarter = stats.LastMinutes(15);
        var lastHour = stats.ByService(teamId, hour.From, hour.To);
        var last15 = stats.ByService(teamId, quarter.From, quarter.To);
        var reports = new List<ServiceHealthReport>();
        foreach (var s in services.List(teamId))
        {
            var h = lastHour.GetValueOrDefault(s.Name, AttemptStats.Empty);
            var q = last15.GetValueOrDefault(s.Name, AttemptStats.Empty);
            bool open = circuits.IsOpen(teamId, s.Name);
            var (level, reason) = Judge(s, h, open);
            reports.Add(new ServiceHealthReport(s, level, reason, h, q, open));
        }
        return reports;
    }

    public static (HealthLevel Level, string Reason) Judge(OtpServiceRecord s, AttemptStats lastHour, bool circuitOpen)
    {
        if (s.MarkedDown) return (HealthLevel.Down, "marked down by an operator");
        if (s.ValidationOk == false) return (HealthLevel.Down, "last validation failed: " + s.ValidationError);
        if (circuitOpen) return (HealthLevel.Down, "circuit open: most recent sends failed");
        if (lastHour.Attempts < MinimumAttempts) return (HealthLevel.Healthy, "too few attempts in the last hour to judge");
        double rate = lastHour.FailureRatePercent;
        if (rate > CriticalFailurePercent) return (HealthLevel.Critical, $"{rate:0.#} % of the last hour's attempts failed");
        if (rate > DegradedFailurePercent) return (HealthLevel.Degraded, $"{rate:0.#} % of the last hour's attempts failed");
        return (HealthLevel.Healthy, $"{rate:0.#} % of the last hour's attempts failed");
    }

    public static string Name(HealthLevel level) => level switch
    {
        HealthLevel.Healthy => "healthy",
        HealthLevel.Degraded => "degraded",
        HealthLevel.Critical => "critical",
        _ => "down",
    };
}
