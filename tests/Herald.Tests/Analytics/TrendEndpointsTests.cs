using System.Net;
using Herald.Tests.Api;

namespace Herald.Tests.Analytics;

/// <summary>Seed 004's real-time, trend and prediction routes over real HTTP, against the events posted.</summary>
public sealed class TrendEndpointsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    /// <summary>Items of the last few minutes: sent, then delivered (two of three) or failed.</summary>
    private static async Task<(int Items, int Delivered, int Failed, int Events)> PostRecentAsync(HttpClient client, int items)
    {
        var now = DateTimeOffset.UtcNow;
        var events = new List<object>();
        int delivered = 0, failed = 0;
        for (int i = 0; i < items; i++)
        {
            var sent = now.AddSeconds(-200 + i);
            events.Add(Kit.Event($"rt-{i}", "sent", Kit.Format(sent), kind: "message", channel: "sms", provider: "twilio"));
            if (i % 3 == 2) { events.Add(Kit.Event($"rt-{i}", "failed", Kit.Format(sent.AddSeconds(2)))); failed++; }
            else { events.Add(Kit.Event($"rt-{i}", "delivered", Kit.Format(sent.AddSeconds(3)))); delivered++; }
        }
        await Kit.Ingest(client, events);
        return (items, delivered, failed, events.Count);
    }

    [Fact]
    public async Task Realtime_and_trend_agree_with_the_posted_events()
    {
        var (_, client) = await shared.NewTeamAsync();
        var (items, delivered, failed, events) = await PostRecentAsync(client, 30);

        var rt = await Kit.GetData(client, "/api/v1/analytics/metrics/messages/realtime?window_seconds=900");
        Assert.Equal(items, Kit.Long(rt, "total_messages"));
        Assert.Equal(delivered, Kit.Long(rt, "messages_delivered"));
        Assert.Equal(failed, Kit.Long(rt, "messages_failed"));
        Assert.Equal(0, Kit.Long(rt, "messages_pending"));
        double mps = rt["messages_per_second"]!.GetValue<double>();
        Assert.InRange(mps, events / 960.0, events / 840.0); // events over the 15 covering minutes (the current one partly elapsed)
        Assert.Equal(3.0, rt["p95_delivery_time_seconds"]!.GetValue<double>(), 1);

        var trend = await Kit.GetData(client, "/api/v1/analytics/trends/messages?granularity=minute&hours=1");
        var points = trend["data_points"]!.AsArray();
        Assert.InRange(points.Count, 60, 61);
        Assert.Equal(events, points.Sum(p => p!["value"]!.GetValue<double>()));
        Assert.Equal(points.Max(p => p!["value"]!.GetValue<double>()), trend["statistics"]!["max_value"]!.GetValue<double>());
        Assert.Equal("up", trend["trend"]!["direction"]!.GetValue<string>()); // everything arrived in the last minutes

        var rates = await Kit.GetData(client, "/api/v1/analytics/trends/messages?granularity=hour&hours=2&metric=failure_rate&provider=twilio");
        Assert.Contains(rates["data_points"]!.AsArray(), p => Math.Abs(p!["value"]!.GetValue<double>() - failed * 100.0 / items) < 0.01);
        // Latency comes only with the metric that shows it (the others skip decoding the histograms): delivered 3 s after sent.
        var latency = await Kit.GetData(client, "/api/v1/analytics/trends/messages?granularity=minute&hours=1&metric=latency_p95");
        Assert.Contains(latency["data_points"]!.AsArray(), p => Math.Abs(p!["value"]!.GetValue<double>() - 3.0) < 0.1);
        Assert.All(latency["data_points"]!.AsArray(), p => Assert.True(p!["value"]!.GetValue<double>() is 0 or (> 2.9 and < 3.1)));
    }

    [Fact]
    public async Task A_prediction_without_history_says_so_and_a_short_one_uses_the_recent_mean()
    {
        var (_, client) = await shared.NewTeamAsync();
        var empty = await Kit.GetData(client, "/api/v1/analytics/predictions/message-volume");
        Assert.Equal(0, empty["confidence_percent"]!.GetValue<double>());
        Assert.Equal(0, Kit.Long(empty, "history_hours"));
        Assert.Equal(24, empty["forecast_24h"]!.AsArray().Count);
        Assert.Equal(7, empty["forecast_7d"]!.AsArray().Count);

        await PostRecentAsync(client, 12);
        var p = await Kit.GetData(client, "/api/v1/analytics/predictions/message-volume?hours_ahead=48");
        Assert.Equal("recent mean", p["model"]!.GetValue<string>());
        Assert.Equal(24, p["prediction_intervals"]!.AsArray().Count);
        Assert.Contains("TPS limit", p["capacity"]!["recommendation"]!.GetValue<string>());
        Assert.False(p["anomaly_detection"]!["is_anomaly"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("/api/v1/analytics/metrics/messages/realtime?window_seconds=0", "window_seconds")]
    [InlineData("/api/v1/analytics/metrics/messages/realtime?window_seconds=3601", "window_seconds")]
    [InlineData("/api/v1/analytics/metrics/messages/realtime?from=2026-01-01T00:00:00Z", "from")]
    [InlineData("/api/v1/analytics/trends/messages?hours=169", "hours")]
    [InlineData("/api/v1/analytics/trends/messages?granularity=week", "granularity")]
    [InlineData("/api/v1/analytics/trends/messages?metric=happiness", "metric")]
    [InlineData("/api/v1/analytics/predictions/message-volume?hours_ahead=0", "hours_ahead")]
    [InlineData("/api/v1/analytics/predictions/message-volume?hours_ahead=169", "hours_ahead")]
    [InlineData("/api/v1/analytics/predictions/message-volume?colour=red", "colour")]
    public async Task Bad_parameters_are_a_400_naming_them(string path, string field)
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.AssertError(await client.GetAsync(path), HttpStatusCode.BadRequest, field);
    }
}
