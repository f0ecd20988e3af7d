using Herald.Tests.Api;

namespace Herald.Tests.Analytics;

public sealed class OverviewTests(SharedServer shared) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task The_seed_dashboards_count_what_was_posted()
    {
        var (_, client) = await shared.NewTeamAsync();
        var now = DateTimeOffset.UtcNow.AddSeconds(-30);
        var events = new List<object>();
        string[] recipients = ["+14155550101", "+14155550102", "+14155550103"];
        for (int i = 0; i < 6; i++)
        {
            events.Add(new Dictionary<string, object?> { ["item_id"] = $"ov-{i}", ["kind"] = "message", ["status"] = "sent", ["occurred_at"] = Kit.Format(now),
                ["recipient"] = recipients[i % 3], ["campaign"] = i < 4 ? "c1" : "c2" });
            events.Add(new Dictionary<string, object?> { ["item_id"] = $"ov-{i}", ["status"] = i == 5 ? "failed" : "delivered", ["occurred_at"] = Kit.Format(now.AddSeconds(2)) });
        }
        events.Add(new Dictionary<string, object?> { ["item_id"] = "ov-in", ["kind"] = "message", ["status"] = "delivered", ["occurred_at"] = Kit.Format(now),
            ["direction"] = "inbound", ["recipient"] = "+14155550104", ["text"] = "STOP" });
        events.Add(new Dictionary<string, object?> { ["item_id"] = "ov-in2", ["kind"] = "message", ["status"] = "delivered", ["occurred_at"] = Kit.Format(now),
            ["direction"] = "inbound", ["recipient"] = "+14155550101", ["text"] = "yes" });
        await Kit.Ingest(client, events);

        var d = await Kit.GetData(client, "/api/v1/monitoring/dashboard");
        var health = d["system_health"]!;
        Assert.Equal(2, Kit.Long(health, "active_campaigns"));
        Assert.Equal(4, Kit.Long(health, "total_users"));
        Assert.Equal(1, Kit.Long(health, "opted_in_users"));
        Assert.Equal(1, Kit.Long(health, "stopped_users"));
        Assert.Equal(50, health["opt_in_rate_percent"]!.GetValue<double>());
        Assert.True(health["system_uptime_hours"]!.GetValue<double>() > 0);
        Assert.Equal(8, Kit.Long(d["messages"]!, "volume_24h"));
        Assert.Equal(1, Kit.Long(d["messages"]!, "failed_24h"));
        Assert.True(d["performance_metrics"]!["requests_per_minute"]!.GetValue<double>() > 0, d["performance_metrics"]!.ToJsonString());

        var s = await Kit.GetData(client, "/api/v1/analytics/dashboard/summary");
        Assert.Equal(8, Kit.Long(s["messages"]!, "total_today") + (DateTimeOffset.UtcNow.Date != now.UtcDateTime.Date ? 8 : 0));
        Assert.Equal(8, Kit.Long(s["messages"]!, "last_hour"));
        Assert.Equal(2, Kit.Long(s["campaigns"]!, "active"));
        Assert.InRange(s["system"]!["memory_usage"]!.GetValue<double>(), 0.01, 100);
    }
}
