using System.Net;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Analytics;

public sealed class CampaignTests(SharedServer shared) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task A_declared_campaign_shows_progress_timing_errors_and_ranks()
    {
        var (_, client) = await shared.NewTeamAsync();
        var declared = await client.PutAsync("/api/v1/campaigns/spring", HeraldServer.Json(new
        {
            name = "Spring Promotion", recipients = Enumerable.Range(0, 10).Select(i => $"+1415555{i:0000}").Append("+14155550000").ToArray(),
        }));
        Assert.Equal(10, Kit.Long(await HeraldServer.ReadData(declared), "total_recipients")); // duplicates count once

        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        var events = new List<object>();
        double[] latencies = [2, 4, 6, 8];
        for (int i = 0; i < 6; i++)
        {
            var sent = start.AddSeconds(i * 20);
            events.Add(new Dictionary<string, object?> { ["item_id"] = $"sp-{i}", ["kind"] = "message", ["status"] = "sent",
                ["occurred_at"] = Kit.Format(sent), ["campaign"] = "spring", ["recipient"] = $"+1415555{i:0000}" });
            events.Add(i < 4
                ? new Dictionary<string, object?> { ["item_id"] = $"sp-{i}", ["status"] = "delivered", ["occurred_at"] = Kit.Format(sent.AddSeconds(latencies[i])) }
                : new Dictionary<string, object?> { ["item_id"] = $"sp-{i}", ["status"] = "failed", ["occurred_at"] = Kit.Format(sent.AddSeconds(1)),
                    ["error_code"] = i == 4 ? "21211" : "30003" });
        }
        events.Add(new Dictionary<string, object?> { ["item_id"] = "other-1", ["kind"] = "message", ["status"] = "delivered",
            ["occurred_at"] = Kit.Format(start), ["campaign"] = "autumn" });
        await Kit.Ingest(client, events);

        var c = await Kit.GetData(client, "/api/v1/analytics/metrics/campaigns/spring");
        Assert.Equal("Spring Promotion", c["campaign_name"]!.GetValue<string>());
        Assert.Equal((10, 6, 4), (Kit.Long(c, "total_recipients"), Kit.Long(c, "processed"), Kit.Long(c, "remaining")));
        Assert.Equal(60, c["progress_percentage"]!.GetValue<double>());
        Assert.Equal((4, 2), (Kit.Long(c, "delivered"), Kit.Long(c, "failed")));
        Assert.NotNull(c["estimated_completion"]);
        Assert.True(c["avg_send_rate_tps"]!.GetValue<double>() > 0);
        var timing = c["timing_analysis"]!;
        Assert.Equal(2, timing["fastest_delivery_seconds"]!.GetValue<double>(), 0.05);
        Assert.Equal(8, timing["slowest_delivery_seconds"]!.GetValue<double>(), 0.15);
        Assert.Equal(4, timing["p50"]!.GetValue<double>(), 0.08);
        Assert.Equal(5, timing["average_delivery_seconds"]!.GetValue<double>(), 0.01);
        Assert.Equal(4, Kit.Long(c["status_breakdown"]!, "delivered"));

        // Seed 003's campaign_performance: the same figures in the seed's shape.
        var performance = c["campaign_performance"]!;
        Assert.Equal("spring", performance["campaign_id"]!.GetValue<string>());
        Assert.Equal("Spring Promotion", performance["campaign_name"]!.GetValue<string>());
        var execution = performance["execution_summary"]!;
        Assert.Equal((10, 6, 4, 2), (Kit.Long(execution, "total_recipients"), Kit.Long(execution, "messages_sent"),
            Kit.Long(execution, "messages_delivered"), Kit.Long(execution, "messages_failed")));
        Assert.Equal(4 * 100.0 / 6, execution["delivery_rate_percent"]!.GetValue<double>(), 3);
        Assert.Equal(c["execution_duration_minutes"]!.GetValue<double>(), execution["execution_duration_minutes"]!.GetValue<double>());
        var breakdown = performance["performance_breakdown"]!.AsObject();
        Assert.Equal(["DELIVERED", "FAILED"], breakdown.Select(p => p.Key).Order());
        Assert.Equal((4, 2), (Kit.Long(breakdown, "DELIVERED"), Kit.Long(breakdown, "FAILED")));
        var seedTiming = performance["timing_analysis"]!;
        Assert.Equal(5, seedTiming["average_delivery_time_seconds"]!.GetValue<double>(), 0.01);
        var percentiles = seedTiming["delivery_time_percentiles"]!;
        // Nearest-rank percentiles of the four latencies, within the histograms' 1.5 %.
        var sorted = latencies.Order().ToArray();
        foreach (var (name, p) in new[] { ("p50", 50), ("p75", 75), ("p90", 90), ("p95", 95) })
        {
            double exact = sorted[(int)Math.Ceiling(p / 100.0 * sorted.Length) - 1];
            Assert.Equal(exact, percentiles[name]!.GetValue<double>(), exact * 0.015 + 0.001);
            Assert.Equal(timing[name]!.GetValue<double>(), percentiles[name]!.GetValue<double>());
        }
        var errors = c["error_breakdown"]!.AsArray().Select(e => e!["code"]!.GetValue<string>()).Order();
        Assert.Equal(["21211", "30003"], errors);

        var ranking = await Kit.GetData(client, "/api/v1/analytics/campaigns/ranking?min_items=1&limit=1");
        Assert.Equal("autumn", ranking["best"]![0]!["campaign_id"]!.GetValue<string>());
        Assert.Equal("spring", ranking["worst"]![0]!["campaign_id"]!.GetValue<string>());
        var all = (await Kit.GetData(client, "/api/v1/campaigns")).AsArray();
        Assert.Equal(["autumn", "spring"], all.Select(x => x!["campaign_id"]!.GetValue<string>()).Order());
        Assert.False(all.Single(x => x!["campaign_id"]!.GetValue<string>() == "autumn")!["declared"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Bad_declarations_and_unknown_campaigns_are_refused()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.AssertError(await client.PutAsync("/api/v1/campaigns/x", HeraldServer.Json(new { total_recipients = -1 })), HttpStatusCode.BadRequest, "total_recipients");
        await Kit.AssertError(await client.PutAsync("/api/v1/campaigns/x", HeraldServer.Json(new { total_recipients = 3, recipients = new[] { "a" } })),
            HttpStatusCode.BadRequest, "recipients");
        await Kit.AssertError(await client.GetAsync("/api/v1/analytics/metrics/campaigns/nothing"), HttpStatusCode.NotFound, code: "not_found");
        await Kit.AssertError(await client.GetAsync("/api/v1/analytics/campaigns/ranking?limit=0"), HttpStatusCode.BadRequest, "limit");
        var (_, other) = await shared.NewTeamAsync();
        await other.PutAsync("/api/v1/campaigns/secret", HeraldServer.Json(new { total_recipients = 5 }));
        await Kit.AssertError(await client.GetAsync("/api/v1/analytics/metrics/campaigns/secret"), HttpStatusCode.NotFound, code: "not_found");
    }
}
