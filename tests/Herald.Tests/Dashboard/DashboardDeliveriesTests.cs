using System.Globalization;
using System.Net.Http.Json;
using Herald.Tests.Api;
using Herald.Tests.Deliveries;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Dashboard;

/// <summary>The deliveries tab: today's board, the agents' ranking, failing and retrying deliveries, recordings and positions.</summary>
public sealed partial class DashboardPanelsTests
{
    [Fact]
    public async Task The_deliveries_tab_shows_the_APIs_board_agent_ranking_trouble_and_positions()
    {
        string name = $"dlv-dash-{Guid.NewGuid().ToString("n")[..6]}";
        var (teamId, key) = await _f.Server.CreateTeamAsync(name, AllScopes);
        var team = new DeliveryTeam(teamId, name, _f.Server.Client(key), _f.Server);
        var ana = await team.Agent(-74.010, 40.710);
        var bo = await team.Agent(-73.980, 40.750);
        var customer = await team.Customer(new { preferred_times = new[] { "09:00-12:00" }, timezone = "America/New_York" });
        string c = S(customer, "id");

        var completed = await team.Delivery(c, -74.000, 40.720);
        await team.Assign(S(completed, "id"), S(ana, "id"));
        await team.Track(S(completed, "id"), "in_transit");
        await team.Track(S(completed, "id"), "completed");
        await Ok(await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{S(completed, "id")}/feedback", new { rating = 5, comments = "quick" }));
        var failed = await team.Delivery(c, -73.990, 40.730, maxRetries: 0);
        await team.Assign(S(failed, "id"), S(bo, "id"));
        await team.Track(S(failed, "id"), "in_transit");
        await team.Track(S(failed, "id"), "failed", notes: "nobody home");
        var retrying = await team.Delivery(c, -73.995, 40.740);
        await team.Assign(S(retrying, "id"), S(bo, "id"));
        await team.Track(S(retrying, "id"), "in_transit");
        await team.Track(S(retrying, "id"), "failed", notes: "gate locked");
        var waiting = await team.Delivery(c, -74.020, 40.700);
        var assigned = await team.Delivery(c, -74.005, 40.715);
        await team.Assign(S(assigned, "id"), S(ana, "id"));

        var today = (await Kit.GetData(team.Client, "/api/v1/deliveries?limit=200"))["deliveries"]!.AsArray();
        Assert.Equal(5, today.Count);
        var byStatus = today.GroupBy(d => S(d!, "status")).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1, byStatus["failed"]);
        Assert.Equal("scheduled", S(today.Single(d => S(d!, "id") == S(retrying, "id"))!, "status"));
        var analytics = await Kit.GetData(team.Client,
            $"/api/v1/analytics/agents?from={Kit.Format(DateTimeOffset.UtcNow.AddDays(-7))}&to={Kit.Format(DateTimeOffset.UtcNow.AddDays(1))}");
        var ranked = analytics["agents"]!.AsArray().Where(a => a!["total_deliveries"]!.GetValue<long>() > 0)
            .OrderByDescending(a => a!["success_rate"]?.GetValue<double>() ?? -1).Select(a => S(a!, "agent_id")).ToList();
        Assert.Equal([S(ana, "id"), S(bo, "id")], ranked);

        await DashboardFixture.SignInAsync(_page, key);
        await OpenTabAsync(_page, "deliveries");

        foreach (var status in new[] { "scheduled", "assigned", "in_transit", "completed", "failed", "cancelled" })
            Assert.Equal(byStatus.GetValueOrDefault(status), int.Parse((await _page.GetAttributeAsync($"#board .board-column[data-status='{status}'] .board-count", "data-value"))!,
                CultureInfo.InvariantCulture));
        Assert.Equal(1, await _page.Locator($"#board .board-column[data-status='completed'] li[data-delivery='{S(completed, "id")}']").CountAsync());

        var rows = await _page.Locator("#agent-table tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.agent)");
        Assert.Equal(ranked, rows.Where(r => ranked.Contains(r)).ToList());
        var anaApi = analytics["agents"]!.AsArray().Single(a => S(a!, "agent_id") == S(ana, "id"))!;
        Assert.Equal(anaApi["success_rate"]!.GetValue<double>(), Number(await _page.GetAttributeAsync($"#agent-table tr[data-agent='{S(ana, "id")}'] td:nth-child(3)", "data-value")));
        Assert.Equal(5.0, Number(await _page.GetAttributeAsync($"#agent-table tr[data-agent='{S(ana, "id")}'] td:nth-child(6)", "data-value")));

        Assert.Equal("failed", await _page.GetAttributeAsync($"#trouble-table tr[data-delivery='{S(failed, "id")}']", "data-status"));
        Assert.Equal("scheduled", await _page.GetAttributeAsync($"#trouble-table tr[data-delivery='{S(retrying, "id")}']", "data-status"));
        Assert.Equal(0, await _page.Locator($"#trouble-table tr[data-delivery='{S(waiting, "id")}']").CountAsync());
        Assert.Contains("nobody home", await _page.InnerTextAsync($"#trouble-table tr[data-delivery='{S(failed, "id")}']"));

        // Every delivery of today and both located agents are on the plain SVG, with no map tiles fetched.
        var placed = await _page.Locator("#delivery-scatter [data-id]").EvaluateAllAsync<string[]>("marks => marks.map(m => m.dataset.id)");
        Assert.Equal(today.Select(d => S(d!, "id")).Append(S(ana, "id")).Append(S(bo, "id")).Order(), placed.Order());
        Assert.Equal(2, await _page.Locator("#delivery-scatter rect.map-agent").CountAsync());
        Assert.Equal("failed", await _page.GetAttributeAsync($"#delivery-scatter circle[data-id='{S(failed, "id")}']", "data-status"));
        // West of the others is left of them.
        double X(string id) => Number(_page.GetAttributeAsync($"#delivery-scatter circle[data-id='{id}']", "cx").Result);
        Assert.True(X(S(waiting, "id")) < X(S(failed, "id")));

        // No call of this team has been recorded: the card says so rather than showing an empty table.
        Assert.Contains("No call recording has been transcribed yet", await _page.InnerTextAsync("#no-recordings"));
    }
}
