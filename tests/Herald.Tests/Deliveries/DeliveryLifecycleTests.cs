using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Alerts;
using Herald.Tenancy;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Deliveries;

/// <summary>
/// Deliveries over real HTTP: assignment, tracking by the parcel lattice, feedback, retries into the customer's preferred
/// windows, and every status change as an engine event of the attempt's item, counted per agent by the metrics and alerts.
/// </summary>
public sealed class DeliveryLifecycleTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private HeraldServer Server => shared.Server;

    private static DateTimeOffset At(JsonNode node, string name) => DateTimeOffset.Parse(S(node, name), CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_delivery_is_assigned_carried_completed_and_rated_and_each_change_is_an_engine_event_of_its_attempt()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var agent = await team.Agent(-74.0, 40.71);
        string agentId = S(agent, "id");
        var customer = await team.Customer();
        var delivery = await team.Delivery(S(customer, "id"));
        string id = S(delivery, "id");
        Assert.StartsWith("del_", id);
        Assert.Equal(("scheduled", 0, 3), (S(delivery, "status"), delivery["retry_count"]!.GetValue<int>(), delivery["max_retries"]!.GetValue<int>()));
        Assert.Equal("scheduled", S(delivery["tracking_events"]![0]!, "status"));
        Assert.True(delivery["package_details"]!["signature_required"]!.GetValue<bool>());

        var assigned = await team.Assign(id);
        Assert.Equal((agentId, "assigned"), (S(assigned, "agent_id"), S(assigned, "status")));
        Assert.Equal(1, (await Kit.GetData(team.Client, $"/api/v1/agents/{agentId}"))["active_deliveries"]!.GetValue<long>());

        var assignedAt = At(assigned["tracking_events"]![1]!, "timestamp");
        var inTransitAt = assignedAt.AddMinutes(12);
        await team.Track(id, "in_transit", inTransitAt);
        var completedAt = inTransitAt.AddMinutes(20);
        var completed = await team.Track(id, "completed", completedAt, notes: "left with the doorman");
        Assert.Equal("completed", S(completed, "status"));
        Assert.Equal(completedAt.ToUnixTimeSeconds(), At(completed, "actual_delivery_time").ToUnixTimeSeconds());

        // A late in_transit is recorded but never undoes completed.
        var late = await team.Track(id, "in_transit", inTransitAt.AddMinutes(5));
        Assert.Equal("completed", S(late, "status"));
        Assert.Equal(5, late["tracking_events"]!.AsArray().Count);

        var rated = await Ok(await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{id}/feedback", new { rating = 4, comments = "friendly" }));
        Assert.Equal(4, rated["customer_feedback"]!["rating"]!.GetValue<int>());
        await Kit.AssertError(await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{id}/feedback", new { rating = 5 }), HttpStatusCode.Conflict, "rating", "conflict");

        // Derived fields come from the records.
        var after = await Kit.GetData(team.Client, $"/api/v1/agents/{agentId}");
        var metrics = after["performance_metrics"]!;
        Assert.Equal((0L, 1L, 1L, 4.0), (after["active_deliveries"]!.GetValue<long>(), metrics["total_deliveries"]!.GetValue<long>(),
            metrics["successful_deliveries"]!.GetValue<long>(), metrics["average_rating"]!.GetValue<double>()));
        Assert.Equal(12.0, metrics["response_time"]!.GetValue<double>(), 3);
        var buyer = await Kit.GetData(team.Client, $"/api/v1/customers/{S(customer, "id")}");
        Assert.Equal((1L, 1L, 4.0), (buyer["total_deliveries"]!.GetValue<long>(), buyer["successful_deliveries"]!.GetValue<long>(), buyer["customer_rating"]!.GetValue<double>()));
        Assert.Equal(completedAt.ToUnixTimeSeconds(), At(buyer, "last_delivery_date").ToUnixTimeSeconds());

        // The attempt is an engine item of kind parcel, carried by the agent.
        var item = (await Kit.Item(team.Client, $"delivery:{id}:1"))!;
        Assert.Equal(("parcel", "completed", agentId, "courier", "US"), (S(item, "kind"), S(item, "status"), S(item, "agent"), S(item, "channel"), S(item, "country")));
        Assert.Equal(5, item["event_count"]!.GetValue<int>());
        string window = $"from={Kit.Format(DateTimeOffset.UtcNow.AddDays(-2))}&to={Kit.Format(DateTimeOffset.UtcNow.AddDays(2))}";
        var rows = (await Kit.GetData(team.Client, $"/api/v1/metrics/breakdown?by=agent&kind=parcel&{window}"))["rows"]!.AsArray();
        var row = Assert.Single(rows);
        Assert.Equal((agentId, 1L, 1L), (S(row!, "key"), row!["total"]!.GetValue<long>(), row["delivered"]!.GetValue<long>()));
        var summary = await Kit.GetData(team.Client, $"/api/v1/metrics/summary?agent={agentId}&{window}");
        Assert.Equal(1, summary["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_failed_attempt_with_retries_left_is_rescheduled_into_the_customers_next_window_in_its_time_zone()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        Assert.Equal(HttpStatusCode.OK, (await team.Client.PutAsJsonAsync("/api/v1/delivery-settings", new { retry_backoff_minutes = 90 })).StatusCode);
        var agent = await team.Agent(139.69, 35.68);
        // Tuesdays and Thursdays, 14:00-16:00 in Tokyo (UTC+9, no daylight saving time).
        var customer = await team.Customer(new { preferred_times = new[] { "14:00-16:00" }, preferred_days = new[] { "tuesday", "thursday" }, timezone = "Asia/Tokyo" });
        var delivery = await team.Delivery(S(customer, "id"), 139.7, 35.69, agentId: S(agent, "id"), maxRetries: 1);
        string id = S(delivery, "id");
        Assert.Equal("assigned", S(delivery, "status"));
        await team.Track(id, "in_transit");
        // A minute ahead, so that the failure's time (not the server's clock) is what the backoff counts from.
        var failedAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());
        var rescheduled = await team.Track(id, "failed", failedAt, notes: "nobody home");

        Assert.Equal(("scheduled", 1), (S(rescheduled, "status"), rescheduled["retry_count"]!.GetValue<int>()));
        Assert.Null(rescheduled["agent_id"]);
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var expected = NextWindow(failedAt.AddMinutes(90), tokyo);
        Assert.Equal(expected, At(rescheduled, "scheduled_time"));

        // The failed attempt keeps counting against its agent; the new attempt is a new item.
        var first = (await Kit.Item(team.Client, $"delivery:{id}:1"))!;
        Assert.Equal(("failed", S(agent, "id")), (S(first, "status"), S(first, "agent")));
        var second = (await Kit.Item(team.Client, $"delivery:{id}:2"))!;
        Assert.Equal("scheduled", S(second, "status"));
        Assert.Null(second["agent"]);
        var whole = await Kit.GetData(team.Client, $"/api/v1/deliveries/{id}");
        Assert.Equal(2, whole["attempts"]!.AsArray().Count);

        // The last retry fails too: no retries left, so it stays failed.
        await team.Assign(id, S(agent, "id"));
        await team.Track(id, "in_transit");
        var final = await team.Track(id, "failed");
        Assert.Equal(("failed", 1), (S(final, "status"), final["retry_count"]!.GetValue<int>()));
        Assert.Null(await Kit.Item(team.Client, $"delivery:{id}:3"));
        var performance = (await Kit.GetData(team.Client, $"/api/v1/agents/{S(agent, "id")}"))["performance_metrics"]!;
        Assert.Equal((2L, 0L), (performance["total_deliveries"]!.GetValue<long>(), performance["successful_deliveries"]!.GetValue<long>()));
    }

    /// <summary>Brute force: the first whole minute from 14:00 to 16:00 Tokyo time on a Tuesday or Thursday at or after the instant.</summary>
    private static DateTimeOffset NextWindow(DateTimeOffset after, TimeZoneInfo zone)
    {
        for (var t = after; ; t = t.AddMinutes(1).AddSeconds(-t.Second).AddMilliseconds(-t.Millisecond))
        {
            var local = TimeZoneInfo.ConvertTime(t, zone);
            if (local.DayOfWeek is DayOfWeek.Tuesday or DayOfWeek.Thursday && local.Hour is 14 or 15) return t == after ? after : t;
        }
    }

    [Fact]
    public async Task Auto_assignment_picks_the_nearest_active_agent_with_capacity_and_says_why_when_there_is_none()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var customer = await team.Customer();
        var lonely = await team.Delivery(S(customer, "id"), 2.35, 48.86);
        var none = await Kit.AssertError(await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{S(lonely, "id")}/assign", new { }), HttpStatusCode.Conflict, "agent_id");
        Assert.Contains("no active agent with a known location", S(none, "message"));

        Assert.Equal(HttpStatusCode.OK, (await team.Client.PutAsJsonAsync("/api/v1/delivery-settings", new { max_active_deliveries = 1 })).StatusCode);
        var near = await team.Agent(2.36, 48.86);      // ~0.7 km
        var far = await team.Agent(2.45, 48.90);       // ~8 km
        var inactive = await team.Agent(2.351, 48.861); // nearest, but inactive
        Assert.Equal(HttpStatusCode.OK, (await team.Client.PatchAsJsonAsync($"/api/v1/agents/{S(inactive, "id")}", new { is_active = false })).StatusCode);
        var otherTeam = await DeliveryTeam.CreateAsync(Server);
        await otherTeam.Agent(2.3501, 48.8601);        // nearer still, another team's

        Assert.Equal(S(near, "id"), S(await team.Assign(S(lonely, "id")), "agent_id"));
        var second = await team.Delivery(S(customer, "id"), 2.35, 48.86);
        Assert.Equal(S(far, "id"), S(await team.Assign(S(second, "id")), "agent_id"));
        var third = await team.Delivery(S(customer, "id"), 2.35, 48.86);
        var full = await Kit.AssertError(await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{S(third, "id")}/assign", new { }), HttpStatusCode.Conflict, "agent_id");
        Assert.Contains("all 2 active agents with a known location have 1 active deliveries", S(full, "message"));
        var named = await Kit.AssertError(await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{S(third, "id")}/assign", new { agent_id = S(near, "id") }),
            HttpStatusCode.Conflict, "agent_id");
        Assert.Contains("max_active_deliveries", S(named, "message"));
        await Kit.AssertError(await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{S(third, "id")}/assign", new { agent_id = S(inactive, "id") }),
            HttpStatusCode.Conflict, "agent_id");
        Assert.Equal("scheduled", S(await Kit.GetData(team.Client, $"/api/v1/deliveries/{S(third, "id")}"), "status"));

        // Completing a delivery frees its agent.
        await team.Track(S(lonely, "id"), "in_transit");
        await team.Track(S(lonely, "id"), "completed");
        Assert.Equal(S(near, "id"), S(await team.Assign(S(third, "id")), "agent_id"));
        // Nearby: active agents only, nearest first, with their distance.
        var nearby = (await Kit.GetData(team.Client, "/api/v1/agents/nearby?lon=2.35&lat=48.86&radius_km=5")).AsArray();
        var only = Assert.Single(nearby);
        Assert.Equal(S(near, "id"), S(only!, "id"));
        Assert.InRange(only!["distance_km"]!.GetValue<double>(), 0.6, 0.8);
    }

    [Fact]
    public async Task Tracking_needs_an_agent_for_in_transit_and_a_cancelled_delivery_is_done()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var customer = await team.Customer();
        var delivery = await team.Delivery(S(customer, "id"));
        string id = S(delivery, "id");
        await Kit.AssertError(await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{id}/tracking", new { status = "in_transit" }), HttpStatusCode.Conflict, "status");
        await Kit.AssertError(await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{id}/tracking", new { status = "assigned" }), HttpStatusCode.BadRequest, "status");
        Assert.Single((await Kit.GetData(team.Client, $"/api/v1/deliveries/{id}"))["tracking_events"]!.AsArray());
        var cancelled = await team.Track(id, "cancelled");
        Assert.Equal("cancelled", S(cancelled, "status"));
        await Kit.AssertError(await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{id}/assign", new { }), HttpStatusCode.Conflict, "status");
        await Kit.AssertError(await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{id}/feedback", new { rating = 3 }), HttpStatusCode.Conflict, "status");
        Assert.Equal(0, (await Kit.GetData(team.Client, $"/api/v1/customers/{S(customer, "id")}"))["successful_deliveries"]!.GetValue<long>());
    }

    [Fact]
    public async Task An_alert_rule_filtered_by_agent_reads_that_agents_failures()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var good = await team.Agent(10, 50);
        var bad = await team.Agent(10.01, 50.01);
        var customer = await team.Customer();
        foreach (var (agent, outcome, n) in new[] { (good, "completed", 3), (bad, "failed", 2), (bad, "completed", 1) })
        {
            for (int i = 0; i < n; i++)
            {
                var d = await team.Delivery(S(customer, "id"), 10, 50, agentId: S(agent, "id"), maxRetries: 0);
                await team.Track(S(d, "id"), "in_transit");
                await team.Track(S(d, "id"), outcome);
            }
        }
        var created = await team.Client.PostAsJsonAsync("/api/v1/alerts/rules", new
        {
            rule_id = "agent-failures", rule_name = "An agent fails", metric_name = "message_failure_rate", condition = "gt", threshold = 10,
            duration = 600, severity = "high", notification_channels = Array.Empty<string>(), filters = new { agent = S(bad, "id"), kind = "parcel" }, min_volume = 1,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rules = Server.Services.GetRequiredService<AlertRules>();
        int teamId = Server.Services.GetRequiredService<TeamDirectory>().ByPublicIdOrName(team.Id)!.Id;
        var reader = Server.Services.GetRequiredService<AlertMetricReader>();
        var reading = reader.Read(teamId, rules.Find(teamId, "agent-failures")!, DateTimeOffset.UtcNow, reader.NewCycle());
        Assert.Equal((3L, 66.6667), (reading.Sample, Math.Round(reading.Value!.Value, 4)));
        await Kit.AssertError(await team.Client.PostAsJsonAsync("/api/v1/alerts/rules", new
        {
            rule_id = "x", rule_name = "x", metric_name = "message_failure_rate", condition = "gt", threshold = 10, duration = 600, severity = "high",
            notification_channels = Array.Empty<string>(), filters = new { courier = "x" },
        }), HttpStatusCode.BadRequest, "filters");
    }
}
