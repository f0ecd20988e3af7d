using System.Net;
using Herald.Tests.Api;

namespace Herald.Tests.Analytics;

/// <summary>Custom aggregations against a brute-force recomputation of the posted events.</summary>
public sealed class AggregationTests(SharedServer shared) : IClassFixture<SharedServer>
{
    /// <summary>Latency in whole seconds: event times are posted to the second.</summary>
    private sealed record Sent(string Id, string Provider, string Route, int Hour, double LatencySeconds, bool Failed);

    private static async Task<List<Sent>> PostAsync(HttpClient client, int seed)
    {
        var rng = new Random(seed);
        var items = new List<Sent>();
        var events = new List<object>();
        string[] providers = ["twilio", "vonage", "sinch"];
        string[] routes = ["r1", "r2"];
        for (int i = 0; i < 300; i++)
        {
            var s = new Sent($"agg-{i}", providers[rng.Next(3)], routes[rng.Next(2)], rng.Next(24), 1 + rng.Next(rng.Next(1, 30)), rng.NextDouble() < 0.1);
            items.Add(s);
            double minute = s.Hour * 60 + rng.Next(50);
            events.Add(new Dictionary<string, object?>
            {
                ["item_id"] = s.Id, ["kind"] = "message", ["status"] = "sent", ["occurred_at"] = Kit.At(minute),
                ["provider"] = s.Provider, ["route"] = s.Route, ["channel"] = "sms",
            });
            events.Add(new Dictionary<string, object?>
            {
                ["item_id"] = s.Id, ["status"] = s.Failed ? "failed" : "delivered",
                ["occurred_at"] = Kit.Format(Kit.Day.AddMinutes(minute).AddSeconds(s.LatencySeconds)),
            });
        }
        await Kit.Ingest(client, events);
        return items;
    }

    private static double NearestRank(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Max(1, (int)Math.Ceiling(p / 100 * sorted.Length)) - 1];
    }

    [Fact]
    public async Task Groups_by_two_dimensions_and_by_dimension_and_hour_match_brute_force()
    {
        var (_, client) = await shared.NewTeamAsync();
        var items = await PostAsync(client, 5);

        var byPair = await Kit.GetData(client, $"/api/v1/analytics/aggregations?{Kit.DayWindow}&metric=items&group_by=provider,route");
        var rows = byPair["rows"]!.AsArray();
        Assert.Equal(items.Select(i => (i.Provider, i.Route)).Distinct().Count(), rows.Count);
        foreach (var row in rows)
        {
            string p = row!["group"]!["provider"]!.GetValue<string>(), r = row["group"]!["route"]!.GetValue<string>();
            Assert.Equal(items.Count(i => i.Provider == p && i.Route == r), row["value"]!.GetValue<double>());
        }

        var p95 = await Kit.GetData(client, $"/api/v1/analytics/aggregations?{Kit.DayWindow}&metric=delivery_time&aggregation=percentile&percentile=95&group_by=provider");
        foreach (var row in p95["rows"]!.AsArray())
        {
            string p = row!["group"]!["provider"]!.GetValue<string>();
            double exact = NearestRank(items.Where(i => i.Provider == p && !i.Failed).Select(i => i.LatencySeconds), 95);
            Assert.InRange(row["value"]!.GetValue<double>(), exact * 0.98, exact * 1.02);
        }

        var hourly = await Kit.GetData(client, $"/api/v1/analytics/aggregations?{Kit.DayWindow}&metric=events&group_by=route,hour&provider=twilio");
        foreach (var row in hourly["rows"]!.AsArray())
        {
            string r = row!["group"]!["route"]!.GetValue<string>();
            int hour = DateTimeOffset.Parse(row["group"]!["hour"]!.GetValue<string>()).Hour;
            // Sent before minute 50 and delivered within 30 s: both events of an item fall in its hour.
            Assert.Equal(2 * items.Count(i => i.Provider == "twilio" && i.Route == r && i.Hour == hour), row["value"]!.GetValue<double>());
        }
        double twilioEvents = hourly["rows"]!.AsArray().Sum(r => r!["value"]!.GetValue<double>());
        Assert.Equal(items.Count(i => i.Provider == "twilio") * 2, twilioEvents);

        var rate = await Kit.GetData(client, $"/api/v1/analytics/aggregations?{Kit.DayWindow}&metric=failure_rate&aggregation=avg&group_by=provider");
        foreach (var row in rate["rows"]!.AsArray())
        {
            string p = row!["group"]!["provider"]!.GetValue<string>();
            Assert.Equal(items.Count(i => i.Provider == p && i.Failed) * 100.0 / items.Count(i => i.Provider == p), row["value"]!.GetValue<double>(), 3);
        }
    }

    [Theory]
    [InlineData("group_by=provider", "metric")]
    [InlineData("metric=happiness", "metric")]
    [InlineData("metric=items&aggregation=avg", "aggregation")]
    [InlineData("metric=delivery_time&aggregation=sum", "aggregation")]
    [InlineData("metric=delivery_time&aggregation=percentile&percentile=0", "percentile")]
    [InlineData("metric=delivery_time&aggregation=avg&percentile=95", "percentile")]
    [InlineData("metric=items&group_by=provider,route,country", "group_by")]
    [InlineData("metric=items&group_by=hour,day", "group_by")]
    [InlineData("metric=items&group_by=team", "group_by")]
    [InlineData("metric=items&group_by=colour", "group_by")]
    public async Task Bad_aggregations_are_a_400_naming_the_parameter(string query, string field)
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.AssertError(await client.GetAsync($"/api/v1/analytics/aggregations?{query}"), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Route_metrics_match_brute_force()
    {
        var (_, client) = await shared.NewTeamAsync();
        var items = await PostAsync(client, 9);
        var routes = (await Kit.GetData(client, $"/api/v1/analytics/metrics/routes?{Kit.DayWindow}"))["routes"]!.AsArray();
        Assert.Equal(2, routes.Count);
        foreach (var row in routes)
        {
            string r = row!["route"]!.GetValue<string>();
            var mine = items.Where(i => i.Route == r).ToList();
            Assert.Equal(mine.Count, Kit.Long(row, "items"));
            Assert.Equal(mine.Count(i => i.Failed), Kit.Long(row, "failed"));
            Assert.Equal(Math.Round(mine.Count * 100.0 / items.Count, 4), row["traffic_share_percent"]!.GetValue<double>(), 4);
            double p99 = NearestRank(mine.Where(i => !i.Failed).Select(i => i.LatencySeconds), 99);
            Assert.InRange(row["latency_p99_seconds"]!.GetValue<double>(), p99 * 0.98, p99 * 1.02);
        }
        var providers = (await Kit.GetData(client, $"/api/v1/analytics/metrics/routes?{Kit.DayWindow}&by=provider&route=r1"))["routes"]!.AsArray();
        Assert.Equal(items.Count(i => i.Route == "r1"), providers.Sum(p => Kit.Long(p!, "items")));
        await Kit.AssertError(await client.GetAsync("/api/v1/analytics/metrics/routes?by=country"), HttpStatusCode.BadRequest, "by");
    }
}
