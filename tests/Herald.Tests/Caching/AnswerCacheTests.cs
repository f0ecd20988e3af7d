using Herald.Analytics.Caching;
using Herald.Domain;
using Herald.Engine;
using Herald.Tests.Support;

namespace Herald.Tests.Caching;

/// <summary>The cache tiers and their invalidation, with a clock the test moves.</summary>
public sealed class AnswerCacheTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private static UtcMinute Minute(DateTimeOffset t) => UtcMinute.FromDateTimeOffset(t);

    /// <summary>A batch's deltas as the writer publishes them: a minute cell of the team, and its hour cell.</summary>
    private static Dictionary<CellKey, CellStats> Batch(int team, DateTimeOffset at) => new()
    {
        [new CellKey(team, Granularity.Minute, Minute(at), 7)] = new CellStats { Events = 1 },
        [new CellKey(TeamTotals.ScopeOf(team), Granularity.Minute, Minute(at), 0)] = new CellStats { Events = 1 },
        [new CellKey(team, Granularity.Hour, Minute(at).Floor(Granularity.Hour), 7)] = new CellStats { Events = 1 },
    };

    [Fact]
    public void A_change_invalidates_the_windows_of_its_hour_and_team_only()
    {
        var changes = new DataChanges();
        long v0 = changes.Version;
        changes.RecordRollups(Batch(1, T0.AddMinutes(-150))); // 07:30
        int[] team1 = [1], team2 = [2];

        Assert.True(changes.ChangedSince(v0, team1, DataSource.Rollups, Minute(T0.AddHours(-3)), Minute(T0)));
        Assert.True(changes.ChangedSince(v0, team1, DataSource.Rollups, Minute(T0.AddMinutes(-140)), Minute(T0.AddMinutes(-139)))); // same hour
        Assert.False(changes.ChangedSince(v0, team1, DataSource.Rollups, Minute(T0.AddHours(-2)), Minute(T0)));
        Assert.False(changes.ChangedSince(v0, team1, DataSource.Rollups, Minute(T0.AddHours(-30)), Minute(T0.AddHours(-3))));
        Assert.False(changes.ChangedSince(v0, team2, DataSource.Rollups, Minute(T0.AddHours(-3)), Minute(T0)));
        Assert.False(changes.ChangedSince(changes.Version, team1, DataSource.Rollups, Minute(T0.AddHours(-3)), Minute(T0)));
        // A long window walks the touched hours instead of its own.
        Assert.True(changes.ChangedSince(v0, team1, DataSource.Rollups, Minute(T0.AddDays(-400)), Minute(T0)));
        Assert.False(changes.ChangedSince(v0, team1, DataSource.Rollups, Minute(T0.AddDays(-400)), Minute(T0.AddHours(-3))));

        Assert.False(changes.ChangedSince(v0, team1, DataSource.Snapshots, default, default));
        changes.RecordSnapshots(1);
        Assert.True(changes.ChangedSince(v0, team1, DataSource.Snapshots, default, default));
        Assert.False(changes.ChangedSince(v0, team2, DataSource.Snapshots, default, default));
    }

    [Fact]
    public void Past_its_bound_a_team_forgets_its_hours_and_everything_kept_before_is_stale()
    {
        var changes = new DataChanges();
        changes.RecordRollups(Batch(1, T0));
        long kept = changes.Version;
        for (int h = 1; h <= DataChanges.MaxHoursPerTeam; h++) changes.RecordRollups(Batch(1, T0.AddHours(-1000 - h)));
        // A window far from every touched hour is still stale for an answer kept before the reset...
        Assert.True(changes.ChangedSince(kept, [1], DataSource.Rollups, Minute(T0.AddHours(5)), Minute(T0.AddHours(6))));
        // ...but not for one computed after it.
        Assert.False(changes.ChangedSince(changes.Version, [1], DataSource.Rollups, Minute(T0.AddHours(5)), Minute(T0.AddHours(6))));
    }

    [Fact]
    public void An_answer_is_kept_until_new_data_lands_in_its_window_or_its_tier_runs_out()
    {
        var changes = new DataChanges();
        var clock = new ManualClock(T0);
        var cache = new AnswerCache(changes, clock);
        var scope = new CacheScope([1], DataSource.Rollups, Minute(T0.AddHours(-24)), Minute(T0));
        int computed = 0;
        string Compute() => $"answer {++computed}";

        Assert.Equal("answer 1", cache.GetOrCompute(CacheTier.Dashboard, "k", scope, Compute, out var o1));
        Assert.Equal(CacheOutcome.Miss, o1);
        Assert.Equal("answer 1", cache.GetOrCompute(CacheTier.Dashboard, "k", scope, Compute, out var o2));
        Assert.Equal(CacheOutcome.Hit, o2);

        changes.RecordRollups(Batch(1, T0.AddMinutes(5))); // after the window: still exact
        changes.RecordRollups(Batch(2, T0.AddHours(-1)));  // another team
        Assert.Equal("answer 1", cache.GetOrCompute(CacheTier.Dashboard, "k", scope, Compute, out _));

        changes.RecordRollups(Batch(1, T0.AddHours(-10))); // a late callback inside the window
        Assert.Equal("answer 2", cache.GetOrCompute(CacheTier.Dashboard, "k", scope, Compute, out var o3));
        Assert.Equal(CacheOutcome.Miss, o3);

        clock.Now = T0.AddMinutes(4).AddSeconds(59);
        Assert.Equal("answer 2", cache.GetOrCompute(CacheTier.Dashboard, "k", scope, Compute, out _));
        clock.Now = T0.AddMinutes(5).AddSeconds(1); // the dashboard tier keeps 5 minutes
        Assert.Equal("answer 3", cache.GetOrCompute(CacheTier.Dashboard, "k", scope, Compute, out _));

        // The real-time tier keeps 30 s; the key is per tier.
        Assert.Equal("answer 4", cache.GetOrCompute(CacheTier.Realtime, "k", scope, Compute, out _));
        clock.Now += TimeSpan.FromSeconds(31);
        Assert.Equal("answer 5", cache.GetOrCompute(CacheTier.Realtime, "k", scope, Compute, out _));

        Assert.Equal(3, cache.Hits(CacheTier.Dashboard));
        Assert.Equal(3, cache.Misses(CacheTier.Dashboard));
        Assert.Equal(0, cache.Hits(CacheTier.Realtime));
        Assert.Equal(2, cache.Misses(CacheTier.Realtime));
    }

    [Fact]
    public void Data_landing_while_an_answer_is_computed_makes_it_stale()
    {
        var changes = new DataChanges();
        var cache = new AnswerCache(changes, new ManualClock(T0));
        var scope = new CacheScope([1], DataSource.Rollups, Minute(T0.AddHours(-1)), Minute(T0));
        cache.GetOrCompute(CacheTier.Dashboard, "k", scope, () =>
        {
            changes.RecordRollups(Batch(1, T0.AddMinutes(-30))); // the writer publishes mid-computation
            return "racing";
        }, out _);
        Assert.Equal("fresh", cache.GetOrCompute(CacheTier.Dashboard, "k", scope, () => "fresh", out var outcome));
        Assert.Equal(CacheOutcome.Miss, outcome);
    }

    [Fact]
    public void Snapshot_answers_live_an_hour_and_end_with_the_next_upsert()
    {
        var changes = new DataChanges();
        var clock = new ManualClock(T0);
        var cache = new AnswerCache(changes, clock);
        var scope = CacheScope.Snapshots([3]);
        int n = 0;
        cache.GetOrCompute(CacheTier.Snapshot, "s", scope, () => $"{++n}", out _);
        changes.RecordRollups(Batch(3, T0)); // new traffic does not touch stored snapshots
        clock.Now = T0.AddMinutes(59);
        Assert.Equal("1", cache.GetOrCompute(CacheTier.Snapshot, "s", scope, () => $"{++n}", out _));
        changes.RecordSnapshots(3);
        Assert.Equal("2", cache.GetOrCompute(CacheTier.Snapshot, "s", scope, () => $"{++n}", out _));
        clock.Now = T0.AddMinutes(120);
        Assert.Equal("3", cache.GetOrCompute(CacheTier.Snapshot, "s", scope, () => $"{++n}", out _));
    }
}
