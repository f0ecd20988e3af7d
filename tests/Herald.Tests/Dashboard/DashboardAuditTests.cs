using System.Net;
using System.Net.Http.Json;
using Herald.Tests.Api;

namespace Herald.Tests.Dashboard;

/// <summary>The audit tab: the team's trail as <c>GET /api/v1/audit</c> answers it, filtered and paged; hidden without <c>audit:read</c>.</summary>
public sealed partial class DashboardPanelsTests
{
    [Fact]
    public async Task The_audit_tab_shows_the_APIs_trail_filters_and_pages_it_and_is_hidden_from_keys_without_audit_read()
    {
        string name = $"audit-dash-{Guid.NewGuid().ToString("n")[..6]}";
        var (_, key) = await _f.Server.CreateTeamAsync(name, "events:write", "metrics:read", "alerts:write", "audit:read");
        var client = _f.Server.Client(key);
        var created = await client.PostAsJsonAsync("/api/v1/alerts/rules", new
        {
            rule_id = "audit_tab", rule_name = "Volume", metric_name = "volume", condition = "gt", threshold = 5, duration = 0,
            severity = "low", notification_channels = Array.Empty<string>(), min_volume = 1, escalation = Array.Empty<string>(),
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var refused = await client.PostAsJsonAsync("/api/v1/alerts/rules", new { rule_id = "audit_bad", condition = "sideways" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        // Enough batches for a second page of 50.
        for (int i = 0; i < 52; i++)
            await Kit.Ingest(client, new[] { Kit.Event($"audit-tab-{i}", "sent", Ago(1)) });

        var firstPage = await Kit.GetData(client, "/api/v1/audit?limit=50");
        var firstIds = firstPage["entries"]!.AsArray().Select(e => e!["id"]!.GetValue<string>()).ToList();
        var secondIds = (await Kit.GetData(client, $"/api/v1/audit?limit=50&cursor={firstPage["next_cursor"]!.GetValue<string>()}"))["entries"]!.AsArray()
            .Select(e => e!["id"]!.GetValue<string>()).ToList();
        var creates = (await Kit.GetData(client, "/api/v1/audit?action=create&resource_type=alerts/rules&limit=50"))["entries"]!.AsArray();
        Assert.Equal(50, firstIds.Count);
        Assert.Equal(2, creates.Count);
        Assert.NotEmpty(secondIds);

        await DashboardFixture.SignInAsync(_page, key);
        Assert.True(await _page.IsVisibleAsync("#tab-audit"));
        await OpenTabAsync(_page, "audit");
        await _page.WaitForSelectorAsync("#audit-table");
        Assert.Equal(firstIds, await RowIdsAsync());

        await _page.ClickAsync("#audit-older");
        await _page.WaitForFunctionAsync("() => document.querySelector('#audit-page')?.dataset.page === '2'");
        Assert.Equal(secondIds, await RowIdsAsync());

        await _page.FillAsync("#audit-search [name='action']", "create");
        await _page.FillAsync("#audit-search [name='resource_type']", "alerts/rules");
        await _page.ClickAsync("#audit-run");
        await _page.WaitForFunctionAsync("() => document.querySelector('#audit-page')?.dataset.page === '1' && [...document.querySelectorAll('#audit-table tbody tr')].every(r => r.children[3].textContent === 'create')");
        Assert.Equal(creates.Select(e => e!["id"]!.GetValue<string>()).ToList(), await RowIdsAsync());
        // A refused create is recorded too, with its 400.
        var refusedEntry = creates.Single(e => e!["outcome"]!.GetValue<int>() == 400)!;
        Assert.Equal("400", await _page.GetAttributeAsync($"#audit-table tr[data-entry='{refusedEntry["id"]}']", "data-outcome"));
        var ruleEntry = creates.Single(e => e!["outcome"]!.GetValue<int>() == 201)!;
        string fields = await _page.InnerTextAsync($"#audit-table tr[data-entry='{ruleEntry["id"]}'] td:nth-child(7)");
        Assert.Contains("rule_id", fields);
        Assert.DoesNotContain("audit_tab", fields);

        // A key without audit:read has no audit tab, and a link to it opens the overview.
        var (_, readOnly) = await _f.Server.CreateTeamAsync($"{name}-ro", "metrics:read");
        var (context, page) = await _f.NewPageAsync();
        try
        {
            await DashboardFixture.SignInAsync(page, readOnly);
            Assert.False(await page.IsVisibleAsync("#tab-audit"));
            await page.EvaluateAsync("() => new Promise((done) => { addEventListener('hashchange', () => setTimeout(done, 50), { once: true }); location.hash = 'tab=audit'; })");
            Assert.Equal("overview", await page.EvaluateAsync<string>("() => document.body.dataset.tab"));
            Assert.True(await page.IsHiddenAsync("#panel-audit"));
        }
        finally
        {
            await context.CloseAsync();
        }

        async Task<List<string>> RowIdsAsync() =>
            (await _page.Locator("#audit-table tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.entry)")).ToList();
    }
}
