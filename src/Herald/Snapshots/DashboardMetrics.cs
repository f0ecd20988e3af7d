using Herald.Analytics.Caching;
using Herald.Domain;
using Herald.Engine;

namespace Herald.Snapshots;

/// <summary>Seed 002's dashboard metrics of a team over its last <see cref="Days"/> UTC days: a snapshot's metrics over [From, To).</summary>
public sealed record DashboardWindow(int Days, UtcMinute From, UtcMinute To, SnapshotMetrics Metrics);

/// <summary>
/// Seed 002's <c>getDashboardMetrics(teamId, days)</c>: the snapshot metrics (messages, campaigns, contacts, conversations,
/// all items) of the team's last <c>days</c> UTC days, today included, grown against the <c>days</c> before. Kept in the
/// dashboard cache tier (5 minutes, or until data lands in the window) under the seed's key
/// <c>analytics:dashboard:{teamId}:{days}d</c> (and the day); snapshot generation warms it for the teams it touched.
/// </summary>
public sealed class DashboardMetrics(SnapshotBuilder builder, AnswerCache cache, TimeProvider time)
{
    public const int MaxDays = 366;

    /// <summary>The windows generation warms: the seed's default of 30 days, and a week.</summary>
    public static readonly int[] WarmedDays = [7, 30];

    public DashboardWindow Get(int teamId, int days, out CacheOutcome outcome)
    {
        var today = UtcMinute.FromDateTimeOffset(time.GetUtcNow()).Floor(Granularity.Day);
        var to = today.Next(Granularity.Day);
        var from = new UtcMinute(to.Value - days * 1440L);
        var previousFrom = new UtcMinute(from.Value - days * 1440L);
        string key = $"analytics:dashboard:{teamId}:{days}d:{today.Value}";
        return cache.GetOrCompute(CacheTier.Dashboard, key, new CacheScope([teamId], DataSource.Consent, previousFrom, to),
            () => new DashboardWindow(days, from, to, builder.BuildWindow(teamId, from, to, previousFrom)), out outcome);
    }

    /// <summary>Computes the warmed windows of the team unless they are kept and still exact.</summary>
    public void Warm(int teamId)
    {
        foreach (int days in WarmedDays) Get(teamId, days, out _);
    }
}
