using System.Globalization;
using Herald.Storage.Sqlite;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Operations;

/// <summary>
/// What the server remembers of itself across restarts (migration 33): its runs, from which the weekly report's system
/// uptime comes, and one database size a day, from which capacity planning takes its growth. Past runs and sizes are
/// written into the real store while the server is stopped, as earlier runs would have left them; every figure is checked
/// against a computation of its own from the raw inputs.
/// </summary>
public sealed class ServerHistoryTests
{
    private const long DayMs = 86_400_000L;
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);
    private static readonly DateOnly ThisMonday = Today.AddDays(-(((int)Today.DayOfWeek + 6) % 7));

    private static long Ms(DateOnly day, double hours = 0) =>
        new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddHours(hours).ToUnixTimeMilliseconds();

    private static object Message(string item, string status, DateTimeOffset at, string recipient, string? direction = null) =>
        new Dictionary<string, object?>
        {
            ["event_id"] = $"{item}-{status}", ["item_id"] = item, ["kind"] = "message", ["status"] = status, ["occurred_at"] = Kit.Format(at),
            ["recipient"] = recipient, ["direction"] = direction,
        }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public async Task Weekly_uptime_counts_each_run_to_its_last_heartbeat_and_nothing_before_the_first_run()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Alerts:Enabled"] = "false" });
        var (_, key) = await server.CreateTeamAsync("uptime");
        var client = server.Client(key);
        var week = ThisMonday.AddDays(-14); // two complete weeks ago
        DateTimeOffset At(DateOnly day, double hours) => DateTimeOffset.FromUnixTimeMilliseconds(Ms(day, hours));
        // The week before: four users, four messages to them, one reply. The week: two new users, four messages, two replies.
        var events = new List<object>();
        for (int i = 1; i <= 4; i++) events.Add(Message($"before-{i}", "delivered", At(week.AddDays(-7 + i), 10), $"+1555000000{i}"));
        events.Add(Message("before-reply", "delivered", At(week.AddDays(-2), 11), "+15550000001", "inbound"));
        foreach (var (item, recipient) in new[] { ("w-5", "+15550000005"), ("w-6", "+15550000006"), ("w-1", "+15550000001"), ("w-2", "+15550000002") })
            events.Add(Message(item, "delivered", At(week.AddDays(2), 9), recipient));
        events.Add(Message("w-reply-5", "delivered", At(week.AddDays(3), 9), "+15550000005", "inbound"));
        events.Add(Message("w-reply-1", "delivered", At(week.AddDays(4), 9), "+15550000001", "inbound"));
        await Kit.Ingest(client, events);

        // Two earlier runs: Monday 00:00 to Wednesday 12:00 (killed: its last heartbeat), Thursday 00:00 to the next Monday.
        await server.RestartAsync(() =>
        {
            using var store = new SqliteStore(Path.Combine(server.DataDir, "herald.db"));
            long first = store.StartServerRun(Ms(week));
            store.SeeServerRun(first, Ms(week.AddDays(2), 12));
            long second = store.StartServerRun(Ms(week.AddDays(3)));
            store.SeeServerRun(second, Ms(week.AddDays(7)));
        });
        client = server.Client(key); // the restarted server listens on a new port

        var report = await Kit.GetData(client, $"/api/v1/reports/weekly?week={week:yyyy-MM-dd}");
        var metrics = report["weekly_metrics"]!;
        double covered = 2.5 + 4.0;
        Assert.Equal(Math.Round(covered / 7 * 100, 2), metrics["system_uptime_percent"]!.GetValue<double>());
        Assert.Equal($"{Math.Round(covered / 7 * 100, 2).ToString("0.##", CultureInfo.InvariantCulture)}%", metrics["system_uptime"]!.GetValue<string>());
        Assert.Equal(2, metrics["new_users"]!.GetValue<long>());
        Assert.Equal("+50%", metrics["user_growth"]!.GetValue<string>()); // 2 new over the 4 there before
        Assert.Equal(50.0, metrics["user_engagement_rate"]!.GetValue<double>()); // 2 replies per 4 messages sent
        Assert.Equal("+100%", report["trends"]!["user_engagement_trend"]!.GetValue<string>()); // from 1 per 4 the week before

        // The week after: the second run ended at its Monday 00:00 and this server started this week, so nothing was up.
        var after = await Kit.GetData(client, $"/api/v1/reports/weekly?week={week.AddDays(7):yyyy-MM-dd}");
        Assert.Equal(0.0, after["weekly_metrics"]!["system_uptime_percent"]!.GetValue<double>());
        // The week before the first run: Herald was not installed, not down.
        var before = await Kit.GetData(client, $"/api/v1/reports/weekly?week={week.AddDays(-7):yyyy-MM-dd}");
        Assert.Null(before["weekly_metrics"]!["system_uptime"]);

        // This server's own runs were recorded: the first start and the restart, each alive until its last heartbeat or stop.
        await server.StopAsync();
        using var reader = new SqliteStore(Path.Combine(server.DataDir, "herald.db"));
        var runs = reader.ServerRunsBetween(Ms(Today.AddDays(-1)), Ms(Today.AddDays(2)));
        Assert.Equal(2, runs.Count);
        Assert.All(runs, r => Assert.True(r.LastSeenAtMs >= r.StartedAtMs));
        Assert.True(runs[0].LastSeenAtMs <= runs[1].StartedAtMs);
    }

    [Fact]
    public async Task Capacity_takes_growth_from_the_daily_sizes_and_projects_volume_users_and_storage()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Alerts:Enabled"] = "false" });
        var (_, key) = await server.CreateTeamAsync("capacity");
        var client = server.Client(key);
        var now = DateTimeOffset.UtcNow;
        // Days -10 to -2 (all over 24 hours ago): 3 items on the first, one more each day; then 6 items half an hour ago and 4 three hours ago.
        var items = new List<(string Item, DateTimeOffset At)>();
        for (int back = 10; back >= 2; back--)
            for (int i = 0; i < 3 + (10 - back); i++) items.Add(($"d{back}-{i}", DateTimeOffset.FromUnixTimeMilliseconds(Ms(Today.AddDays(-back), 6 + i * 0.1))));
        for (int i = 0; i < 6; i++) items.Add(($"recent-{i}", now.AddMinutes(-30)));
        for (int i = 0; i < 4; i++) items.Add(($"earlier-{i}", now.AddHours(-3)));
        await Kit.Ingest(client, items.Select((x, i) => Message(x.Item, "sent", x.At, $"+1666000{i:0000}")).ToList());

        // Sizes left by earlier runs: one 40 days ago (outside the 30-day window), then three days of an empty file.
        await server.RestartAsync(() =>
        {
            using var store = new SqliteStore(Path.Combine(server.DataDir, "herald.db"));
            long today = now.ToUnixTimeMilliseconds() / DayMs;
            store.RecordDatabaseSize(today - 40, 123_456_789_000, Ms(Today.AddDays(-40)));
            foreach (int back in new[] { 3, 2, 1 }) store.RecordDatabaseSize(today - back, 0, Ms(Today.AddDays(-back)));
        });
        client = server.Client(key); // the restarted server listens on a new port

        var data = await Kit.GetData(client, "/api/v1/analytics/capacity");
        var samples = data["database_size_samples"]!.AsArray().Select(s => (Day: DateOnly.ParseExact(s!["date"]!.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture),
            Bytes: s["bytes"]!.GetValue<long>())).ToList();
        Assert.Equal([Today.AddDays(-3), Today.AddDays(-2), Today.AddDays(-1), Today], samples.Select(s => s.Day));
        Assert.Equal([0L, 0L, 0L], samples.Take(3).Select(s => s.Bytes));
        Assert.True(samples[3].Bytes > 0); // the server sampled its own file when it started

        var current = data["capacity_metrics"]!["current_utilization"]!;
        double slope = Slope(samples.Select(s => (double)(s.Day.DayNumber - Today.DayNumber)).ToList(), samples.Select(s => (double)s.Bytes).ToList());
        Assert.Equal(Math.Round(slope / (1 << 20), 3), current["database_growth_mb_day"]!.GetValue<double>());
        Assert.Equal(10, current["daily_message_volume"]!.GetValue<long>());
        Assert.Equal(6, current["peak_hourly_rate"]!.GetValue<long>());
        var peakStart = new DateTimeOffset(now.AddMinutes(-30).UtcDateTime.Date.AddHours(now.AddMinutes(-30).UtcDateTime.Hour), TimeSpan.Zero);
        Assert.Equal($"{peakStart:yyyy-MM-dd'T'HH}:00-{peakStart.AddHours(1):HH}:00", current["peak_hour"]!.GetValue<string>());
        long databaseBytes = current["database_bytes"]!.GetValue<long>(), free = current["disk_free_bytes"]!.GetValue<long>();
        long total = current["disk_total_bytes"]!.GetValue<long>();
        Assert.Equal(Math.Round((total - free) * 100.0 / total, 2), current["storage_usage_percent"]!.GetValue<double>());

        var projected = data["capacity_metrics"]!["projected_growth"]!;
        var three = projected["3_month_projection"]!;
        Assert.Equal(90, three["days"]!.GetValue<int>());
        Assert.Equal(Math.Round(Math.Max(0, databaseBytes + slope * 90) / (1 << 30), 3), three["storage_needs_gb"]!.GetValue<double>());
        Assert.Equal(items.Count * 3, three["additional_users"]!.GetValue<long>()); // every recipient joined in the last 30 days
        // Daily items of the complete days from the first with items to yesterday, on a least-squares line, 90 days past today.
        var perDay = Enumerable.Range(1, 10).Select(back => Today.AddDays(-back))
            .ToDictionary(d => d, d => items.Count(x => DateOnly.FromDateTime(x.At.UtcDateTime) == d));
        var days = perDay.Keys.Order().ToList();
        double volumeSlope = Slope(days.Select(d => (double)(d.DayNumber - Today.DayNumber)).ToList(), days.Select(d => (double)perDay[d]).ToList());
        double xMean = days.Average(d => (double)(d.DayNumber - Today.DayNumber)), yMean = days.Average(d => (double)perDay[d]);
        Assert.Equal((long)Math.Round(Math.Max(0, yMean + volumeSlope * (90 - xMean))), three["daily_volume"]!.GetValue<long>());

        long days_ = (long)Math.Floor(free / slope);
        Assert.Equal(days_, projected["days_until_disk_full"]!.GetValue<long>());
        Assert.Equal(Today.AddDays((int)days_).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), projected["disk_full_date"]!.GetValue<string>());
        var advice = projected["scaling_recommendations"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Equal(days_ <= 90, advice.Any(a => a.StartsWith("The data disk fills around", StringComparison.Ordinal)));
    }

    /// <summary>The least-squares slope, computed here from its definition.</summary>
    private static double Slope(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double mx = x.Average(), my = y.Average();
        return x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum() / x.Sum(a => (a - mx) * (a - mx));
    }
}
