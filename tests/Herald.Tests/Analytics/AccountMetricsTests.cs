using System.Net;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Analytics;

public sealed class AccountMetricsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task Usage_balance_and_tps_follow_the_accounts_events()
    {
        var (team, client) = await shared.NewTeamAsync();
        var put = await shared.Server.Admin.PutAsync($"/api/v1/accounts/bulk?team={team}", HeraldServer.Json(new { tps_limit = 10, credit_balance = 100.0 }));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var now = DateTimeOffset.UtcNow;
        var items = new List<(DateTimeOffset At, double Cost)>();
        for (int i = 0; i < 6; i++) items.Add((now.AddSeconds(-60), 1.0));  // the previous minute (TPS)
        for (int i = 0; i < 4; i++) items.Add((now, 0.5));                  // this minute
        for (int i = 0; i < 3; i++) items.Add((Kit.Day.AddHours(3), 2.0));  // yesterday
        var events = new List<object>();
        for (int i = 0; i < items.Count; i++)
        {
            events.Add(new Dictionary<string, object?> { ["item_id"] = $"acc-{i}", ["kind"] = "message", ["status"] = "sent",
                ["occurred_at"] = Kit.Format(items[i].At), ["account"] = "bulk", ["cost"] = items[i].Cost });
            events.Add(new Dictionary<string, object?> { ["item_id"] = $"acc-{i}", ["status"] = "delivered", ["occurred_at"] = Kit.Format(items[i].At) });
        }
        events.Add(Kit.Event("other-account-item", "sent", Kit.Format(now), kind: "message", cost: 9));
        await Kit.Ingest(client, events);

        var m = await Kit.GetData(client, "/api/v1/analytics/metrics/accounts/bulk");
        static DateTimeOffset Minute(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero);
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var setAt = DateTimeOffset.Parse(m["balance_set_at"]!.GetValue<string>());
        Assert.Equal(items.Count(i => i.At >= today), Kit.Long(m, "messages_sent_today"));
        int month = items.Count(i => i.At.Year == now.Year && i.At.Month == now.Month);
        Assert.Equal(month, Kit.Long(m, "messages_sent_month"));
        double consumed = items.Where(i => Minute(i.At) >= Minute(setAt)).Sum(i => i.Cost);
        Assert.Equal(consumed, m["consumed_since_balance_set"]!.GetValue<double>(), 6);
        Assert.Equal(100 - consumed, m["current_balance"]!.GetValue<double>(), 6);
        var lastMinute = Minute(now).AddMinutes(-1);
        double tps = items.Count(i => Minute(i.At) == lastMinute) * 2 / 60.0;
        Assert.Equal(Math.Round(tps, 4), m["current_tps"]!.GetValue<double>(), 4);
        Assert.Equal(Math.Round(tps / 10 * 100, 2), m["tps_utilization_percent"]!.GetValue<double>(), 2);

        await Kit.AssertError(await client.GetAsync("/api/v1/analytics/metrics/accounts/nobody"), HttpStatusCode.NotFound, code: "not_found");
        await Kit.AssertError(await client.GetAsync("/api/v1/analytics/metrics/accounts/bulk?x=1"), HttpStatusCode.BadRequest, "x");
    }
}
