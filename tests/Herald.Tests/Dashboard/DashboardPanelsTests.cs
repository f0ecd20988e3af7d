using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Alerts;
using Herald.Tests.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Herald.Tests.Dashboard;

/// <summary>
/// The tabs next to the overview in headless chromium against a real Herald: alerts and health (an alert fired by a rule,
/// acknowledged and resolved from the browser; the CSRF rule of cookie writes; a read-only session), campaigns (a declared
/// campaign's progress as the API answers it), trends and forecast (the charts drawn from the API's points), and consent
/// and compliance (the API's figures, examples and inbound hours).
/// </summary>
public sealed partial class DashboardPanelsTests : IClassFixture<DashboardFixture>, IAsyncLifetime
{
    private readonly DashboardFixture _f;
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private readonly List<string> _consoleErrors = new();

    public DashboardPanelsTests(DashboardFixture fixture) => _f = fixture;

    public async Task InitializeAsync()
    {
        (_context, _page) = await _f.NewPageAsync();
        _page.Console += (_, m) => { if (m.Type == "error") _consoleErrors.Add(m.Text); };
        _page.PageError += (_, e) => _consoleErrors.Add(e);
    }

    public async Task DisposeAsync()
    {
        await _context.CloseAsync();
        Assert.True(_consoleErrors.Count == 0, "browser console errors: " + string.Join(" | ", _consoleErrors));
    }

    private static string Ago(double minutes) => Kit.Format(DateTimeOffset.UtcNow.AddMinutes(-minutes));

    /// <summary>A team of its own per test (alerts and campaigns are per team), with a key that may write alerts.</summary>
    private async Task<(string TeamId, string Key, HttpClient Client)> TeamAsync(string prefix)
    {
        var (teamId, key) = await _f.Server.CreateTeamAsync($"{prefix}-{Guid.NewGuid().ToString("n")[..6]}", "events:write", "metrics:read", "alerts:write");
        return (teamId, key, _f.Server.Client(key));
    }

    /// <summary>A rule on the team's item volume of the last 5 minutes, fired by items posted now and one evaluation.</summary>
    private async Task<JsonNode> FiringAlertAsync(HttpClient client, string ruleId, int items, double threshold, string[]? escalation = null)
    {
        var rule = await client.PostAsJsonAsync("/api/v1/alerts/rules", new
        {
            rule_id = ruleId, rule_name = $"Volume {ruleId}", metric_name = "volume", condition = "gt", threshold, duration = 0,
            severity = "critical", notification_channels = Array.Empty<string>(), min_volume = 1, escalation = escalation ?? [],
        });
        Assert.Equal(HttpStatusCode.Created, rule.StatusCode);
        var events = Enumerable.Range(0, items).Select(i => Kit.Event($"{ruleId}-{i}", "sent", Ago(0.5), provider: "twilio", channel: "sms")).ToArray();
        await Kit.Ingest(client, events);
        await _f.Server.Services.GetRequiredService<AlertEngine>().EvaluateAsync(CancellationToken.None);
        var active = await Kit.GetData(client, "/api/v1/alerts");
        var alert = active.AsArray().Single(a => a!["rule_id"]!.GetValue<string>() == ruleId)!;
        Assert.Equal("firing", alert["state"]!.GetValue<string>());
        return alert;
    }

    private static async Task OpenTabAsync(IPage page, string tab)
    {
        await page.ClickAsync($"#tab-{tab}");
        await WaitPanelAsync(page, tab);
    }

    /// <summary>Waits until the tab's panel finished a load (its data-loaded counter moved past <paramref name="after"/>).</summary>
    private static Task WaitPanelAsync(IPage page, string tab, int after = 0) =>
        page.WaitForFunctionAsync($"() => {{ const p = document.querySelector('#panel-{tab}'); return !p.hidden && Number(p.dataset.loaded || 0) > {after} && p.dataset.loading === 'false'; }}");

    private static async Task<int> LoadsAsync(IPage page, string tab) =>
        int.Parse(await page.GetAttributeAsync($"#panel-{tab}", "data-loaded") ?? "0", CultureInfo.InvariantCulture);

    /// <summary>A POST from the signed-in page's own script (the session cookie; headers as given).</summary>
    private static async Task<(int Status, string? Code)> PagePostAsync(IPage page, string path, Dictionary<string, string> headers)
    {
        var answer = await page.EvaluateAsync<PostAnswer>(
            @"async ([path, headers]) => { const r = await fetch(path, { method: 'POST', credentials: 'same-origin', headers });
                let code = null; try { code = (await r.json()).error?.code ?? null; } catch {} return { status: r.status, code }; }",
            new object[] { path, headers });
        return (answer.Status, answer.Code);
    }

    private sealed class PostAnswer
    {
        public int Status { get; set; }
        public string? Code { get; set; }
    }

    private static double Number(string? text) => double.Parse(text!, CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_alert_fired_by_a_rule_shows_the_API_values_and_acknowledging_and_resolving_it_in_the_browser_change_it_in_the_API()
    {
        var (_, key, client) = await TeamAsync("ops");
        var alert = await FiringAlertAsync(client, "ops_volume", items: 5, threshold: 2, escalation: ["email", "webhook"]);
        string id = alert["id"]!.GetValue<string>();

        await DashboardFixture.SignInAsync(_page, key);
        // The panels' script is not part of the overview's load.
        Assert.Equal(0, await _page.Locator("script[src$='panels.js']").CountAsync());
        // Keyboard: the arrow key moves to the next tab and opens it.
        await _page.FocusAsync("#tab-overview");
        await _page.Keyboard.PressAsync("ArrowRight");
        await WaitPanelAsync(_page, "alerts");
        Assert.Equal("true", await _page.GetAttributeAsync("#tab-alerts", "aria-selected"));
        Assert.True(await _page.EvaluateAsync<bool>("() => document.activeElement.id === 'tab-alerts'"));
        Assert.True(await _page.IsHiddenAsync("#panel-overview"));
        Assert.Contains("tab=alerts", _page.Url);
        Assert.Equal(1, await _page.Locator("script[src$='panels.js']").CountAsync());

        var row = _page.Locator($"#active-alerts-table tr[data-alert-id='{id}']");
        await row.WaitForAsync();
        Assert.Equal("firing", await row.GetAttributeAsync("data-state"));
        Assert.Equal(alert["current_value"]!.GetValue<double>(), Number(await row.Locator(".value").GetAttributeAsync("data-value")));
        Assert.Equal(alert["threshold"]!.GetValue<double>(), Number(await row.Locator(".threshold").GetAttributeAsync("data-threshold")));
        Assert.Contains("5 items", await row.Locator(".value").TextContentAsync());
        Assert.Contains("> 2 items", await row.Locator(".threshold").TextContentAsync());
        Assert.Equal("critical", (await row.Locator(".sev-badge").TextContentAsync())!.Trim());
        // The incident view: the critical response target, not yet overdue, and where the escalation path goes next.
        var incident = alert["incident"]!;
        Assert.Equal("15 minutes", incident["response_target"]!.GetValue<string>());
        Assert.Equal("target 15 minutes", (await row.Locator(".response-target").TextContentAsync())!.Trim());
        Assert.Equal("false", await row.Locator(".response-target").GetAttributeAsync("data-overdue"));
        Assert.Equal(incident["respond_by"]!.GetValue<string>(), await row.Locator(".incident time").GetAttributeAsync("datetime"));
        Assert.StartsWith("not escalated (0 of 2); next email at ", (await row.Locator(".escalation").TextContentAsync())!.Trim());
        Assert.True(await _page.Locator("#alerts-readonly").CountAsync() == 0);
        // The rules list and the health cards are drawn from their APIs.
        Assert.Equal(1, await _page.Locator("#alert-rules-table tr[data-rule='ops_volume']").CountAsync());
        Assert.Equal(1, await _page.Locator("#alert-rules-table tr[data-rule='high_failure_rate']").CountAsync());
        Assert.Equal("ok", (await _page.TextContentAsync("#healthz-status"))!.Trim());
        foreach (var gauge in new[] { "cpu", "memory", "disk", "errors" })
            Assert.Equal(1, await _page.Locator($"#system-health .gauge[data-metric='{gauge}']").CountAsync());
        var system = await Kit.GetData(client, "/api/v1/analytics/metrics/system");
        Assert.Equal(system["database_bytes"]!.GetValue<long>() > 0, Number(await _page.GetAttributeAsync("#database-health [data-fact='database_bytes']", "data-value")) > 0);
        Assert.Contains("admin key", await _page.TextContentAsync("#database-health"));

        // Acknowledge in the browser: the API records it (by this key), the row says so and its button is spent.
        await row.Locator("button[data-action='acknowledge']").ClickAsync();
        await _page.Locator($"#active-alerts-table tr[data-alert-id='{id}'][data-acknowledged='true']").WaitForAsync();
        var acknowledged = (await Kit.GetData(client, $"/api/v1/alerts/{id}"))["alert"]!;
        Assert.NotNull(acknowledged["acknowledged_at"]?.GetValue<string>());
        Assert.StartsWith("key:", acknowledged["acknowledged_by"]!.GetValue<string>());
        Assert.Equal("firing", acknowledged["state"]!.GetValue<string>());
        Assert.True(await _page.Locator($"#active-alerts-table tr[data-alert-id='{id}'] button[data-action='acknowledge']").IsDisabledAsync());

        // Resolve: gone from the active list, resolved by hand in the API and in the history.
        await _page.Locator($"#active-alerts-table tr[data-alert-id='{id}'] button[data-action='resolve']").ClickAsync();
        await _page.WaitForFunctionAsync($"() => !document.querySelector(\"#active-alerts-table tr[data-alert-id='{id}']\")");
        var resolved = (await Kit.GetData(client, $"/api/v1/alerts/{id}"))["alert"]!;
        Assert.Equal("resolved", resolved["state"]!.GetValue<string>());
        Assert.Equal("manual", resolved["resolution"]!.GetValue<string>());
        await _page.Locator($"#alert-history-table tr[data-alert-id='{id}'][data-state='resolved']").WaitForAsync();

        // A reload keeps the tab.
        await _page.ReloadAsync();
        await WaitPanelAsync(_page, "alerts");
        Assert.Equal("true", await _page.GetAttributeAsync("#tab-alerts", "aria-selected"));
    }

    [Fact]
    public async Task A_cookie_write_without_the_session_CSRF_token_or_from_another_origin_is_refused_and_changes_nothing()
    {
        var (_, key, client) = await TeamAsync("csrf");
        var alert = await FiringAlertAsync(client, "csrf_volume", items: 3, threshold: 1);
        string id = alert["id"]!.GetValue<string>();
        string path = $"/api/v1/alerts/{id}/acknowledge";
        await DashboardFixture.SignInAsync(_page, key);
        string token = await _page.EvaluateAsync<string>("async () => (await (await fetch('/api/v1/dashboard/session')).json()).data.csrf_token");
        Assert.False(string.IsNullOrEmpty(token));

        // The page's own fetch without the header, and with a wrong token: 403.
        Assert.Equal((403, "csrf_rejected"), await PagePostAsync(_page, path, new()));
        Assert.Equal((403, "csrf_rejected"), await PagePostAsync(_page, path, new() { ["X-Herald-CSRF"] = token[..^2] + "xx" }));
        // With the right token but from another origin (a client that sets Origin itself): 403 too.
        var foreign = await _page.APIRequest.PostAsync(path, new() { Headers = new Dictionary<string, string> { ["X-Herald-CSRF"] = token, ["Origin"] = "http://evil.example" } });
        Assert.Equal(403, foreign.Status);
        var crossSite = await _page.APIRequest.PostAsync(path, new() { Headers = new Dictionary<string, string> { ["X-Herald-CSRF"] = token, ["Sec-Fetch-Site"] = "cross-site" } });
        Assert.Equal(403, crossSite.Status);
        var unchanged = (await Kit.GetData(client, $"/api/v1/alerts/{id}"))["alert"]!;
        Assert.Null(unchanged["acknowledged_at"]?.GetValue<string>());

        // Endpoints that do not allow dashboard writes still refuse the cookie, token or not.
        Assert.Equal(401, (await PagePostAsync(_page, "/api/v1/events", new() { ["X-Herald-CSRF"] = token, ["Content-Type"] = "application/json" })).Status);
        // Another session's token is not this one's.
        var (otherContext, otherPage) = await _f.NewPageAsync();
        try
        {
            await DashboardFixture.SignInAsync(otherPage, key);
            string otherToken = await otherPage.EvaluateAsync<string>("async () => (await (await fetch('/api/v1/dashboard/session')).json()).data.csrf_token");
            Assert.NotEqual(token, otherToken);
            Assert.Equal((403, "csrf_rejected"), await PagePostAsync(_page, path, new() { ["X-Herald-CSRF"] = otherToken }));
        }
        finally
        {
            await otherContext.CloseAsync();
        }
        Assert.Null((await Kit.GetData(client, $"/api/v1/alerts/{id}"))["alert"]!["acknowledged_at"]?.GetValue<string>());

        // The page's fetch with its own token works; an X-API-Key caller needs no token, as before.
        Assert.Equal(200, (await PagePostAsync(_page, path, new() { ["X-Herald-CSRF"] = token })).Status);
        Assert.NotNull((await Kit.GetData(client, $"/api/v1/alerts/{id}"))["alert"]!["acknowledged_at"]?.GetValue<string>());
        var byKey = await client.PostAsync($"/api/v1/alerts/{id}/resolve", null);
        Assert.Equal(HttpStatusCode.OK, byKey.StatusCode);
        _consoleErrors.Clear(); // the refused fetches answer 401/403, which chromium logs
    }

    [Fact]
    public async Task A_read_only_session_sees_the_alert_with_disabled_buttons_and_cannot_acknowledge_it()
    {
        var (teamId, _, client) = await TeamAsync("ro");
        var alert = await FiringAlertAsync(client, "ro_volume", items: 4, threshold: 1);
        string id = alert["id"]!.GetValue<string>();
        string readOnly = await _f.Server.CreateKeyAsync(teamId, ["metrics:read"]);

        await DashboardFixture.SignInAsync(_page, readOnly);
        await OpenTabAsync(_page, "alerts");
        var row = _page.Locator($"#active-alerts-table tr[data-alert-id='{id}']");
        await row.WaitForAsync();
        Assert.True(await row.Locator("button[data-action='acknowledge']").IsDisabledAsync());
        Assert.True(await row.Locator("button[data-action='resolve']").IsDisabledAsync());
        Assert.Contains("alerts:write", await _page.TextContentAsync("#alerts-readonly"));
        Assert.Contains("alerts:write", await row.Locator("button[data-action='acknowledge']").GetAttributeAsync("title"));

        // Even with the session's token the key's scope decides: 403, nothing changes.
        string token = await _page.EvaluateAsync<string>("async () => (await (await fetch('/api/v1/dashboard/session')).json()).data.csrf_token");
        Assert.Equal((403, "forbidden"), await PagePostAsync(_page, $"/api/v1/alerts/{id}/acknowledge", new() { ["X-Herald-CSRF"] = token }));
        Assert.Equal((403, "forbidden"), await PagePostAsync(_page, $"/api/v1/alerts/{id}/resolve", new() { ["X-Herald-CSRF"] = token }));
        var unchanged = (await Kit.GetData(client, $"/api/v1/alerts/{id}"))["alert"]!;
        Assert.Null(unchanged["acknowledged_at"]?.GetValue<string>());
        Assert.Equal("firing", unchanged["state"]!.GetValue<string>());
        _consoleErrors.Clear(); // the refused fetches answer 403, which chromium logs
    }

    [Fact]
    public async Task An_admin_session_acknowledges_the_alerts_of_the_team_it_picked()
    {
        var (teamId, _, client) = await TeamAsync("adm");
        var alert = await FiringAlertAsync(client, "adm_volume", items: 3, threshold: 1);
        string id = alert["id"]!.GetValue<string>();
        string team = (await Kit.GetData(client, "/api/v1/dashboard/session"))["team"]!["name"]!.GetValue<string>();

        await DashboardFixture.SignInAsync(_page, Support.HeraldServer.AdminKey);
        await OpenTabAsync(_page, "alerts");
        // All teams: alerts belong to one team, the health cards do not.
        Assert.Contains("Pick a team", await _page.TextContentAsync("#active-alerts"));
        await _page.Locator("#system-health .gauge[data-metric='cpu']").WaitForAsync();
        // The admin's database card has the row counts.
        await _page.Locator("#database-tables tr[data-table='events']").WaitForAsync();

        int loads = await LoadsAsync(_page, "alerts");
        await _page.SelectOptionAsync("#team-select", new SelectOptionValue { Label = team });
        await WaitPanelAsync(_page, "alerts", loads);
        Assert.Contains($"team={teamId}", _page.Url);
        Assert.Contains("tab=alerts", _page.Url);
        var row = _page.Locator($"#active-alerts-table tr[data-alert-id='{id}']");
        await row.Locator("button[data-action='acknowledge']").ClickAsync();
        await _page.Locator($"#active-alerts-table tr[data-alert-id='{id}'][data-acknowledged='true']").WaitForAsync();
        Assert.NotNull((await Kit.GetData(client, $"/api/v1/alerts/{id}"))["alert"]!["acknowledged_at"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_failing_endpoint_shows_its_error_in_its_card_and_the_rest_of_the_tab_still_loads()
    {
        var (_, key, _) = await TeamAsync("err");
        await DashboardFixture.SignInAsync(_page, key);
        await _page.RouteAsync("**/api/v1/campaigns", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 500, ContentType = "application/json",
            Body = """{"status":"error","error":{"code":"internal","message":"the store is unreachable","details":[]}}""",
        }));
        await OpenTabAsync(_page, "campaigns");
        var error = _page.Locator("#campaign-list .card-error");
        Assert.True(await error.IsVisibleAsync());
        Assert.Contains("the store is unreachable", await error.TextContentAsync());
        Assert.Equal("alert", await error.GetAttributeAsync("role"));
        // The ranking card is unaffected.
        await _page.Locator("#no-ranking").WaitForAsync();
        Assert.True(await _page.Locator("#campaign-ranking .card-error").IsHiddenAsync());
        _consoleErrors.Clear(); // the 500 is logged by chromium
    }

    [Fact]
    public async Task The_insights_tab_draws_template_intervals_the_send_time_heat_map_and_the_tps_ceiling_the_API_answers()
    {
        var (_, key, client) = await TeamAsync("insight");
        var rng = new Random(5);
        var events = new List<object>();
        // Template A delivered 95 %, B 80 %; on route hot, minutes above 40 TPS fail 20 % with Twilio's throttling code, others 2 %.
        for (int i = 0; i < 800; i++)
        {
            string template = i % 2 == 0 ? "A" : "B";
            bool delivered = rng.NextDouble() < (template == "A" ? 0.95 : 0.80);
            events.Add(new Dictionary<string, object?> { ["item_id"] = $"t-{i}", ["status"] = delivered ? "delivered" : "failed", ["occurred_at"] = Ago(rng.Next(120, 6000)),
                ["template"] = template, ["channel"] = "whatsapp", ["recipient"] = $"+4915100{i % 90:000}", ["route"] = "main" });
        }
        int[] tps = [5, 15, 25, 35, 45, 55];
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 * 60).AddMinutes(-90);
        for (int m = 0; m < tps.Length; m++)
            for (int k = 0; k < tps[m] * 60; k++)
            {
                bool failed = rng.NextDouble() < (tps[m] > 40 ? 0.2 : 0.02);
                var at = start.AddMinutes(m).AddMilliseconds(rng.Next(60_000));
                events.Add(new Dictionary<string, object?> { ["item_id"] = $"h-{m}-{k}", ["status"] = failed ? "failed" : "delivered",
                    ["occurred_at"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), ["route"] = "hot", ["provider"] = "twilio",
                    ["channel"] = "sms", ["error_code"] = failed ? "14107" : null });
            }
        foreach (var chunk in events.Chunk(5000)) await Kit.Ingest(client, chunk);
        string from = Kit.Format(DateTimeOffset.UtcNow.AddDays(-30));
        var templates = await Kit.GetData(client, $"/api/v1/analytics/insights/templates?from={from}");
        var sendTimes = await Kit.GetData(client, $"/api/v1/analytics/insights/send-times?from={from}");
        var hot = (await Kit.GetData(client, $"/api/v1/analytics/insights/rate-limits?from={from}&route=hot"))["routes"]![0]!;
        Assert.Equal(40, hot["recommended_max_tps"]!.GetValue<double>());

        await DashboardFixture.SignInAsync(_page, key);
        await OpenTabAsync(_page, "insights");
        foreach (var t in templates["templates"]!.AsArray())
        {
            var bar = _page.Locator($"#templates-table tr[data-template='{t!["template"]!.GetValue<string>()}'] td.delivery .interval");
            foreach (var part in new[] { "rate", "lower", "upper" })
                Assert.Equal(t["delivery_rate"]![part]!.GetValue<double>(), Number(await bar.GetAttributeAsync($"data-{part}")));
        }
        Assert.Contains("best delivery", await _page.TextContentAsync("#templates-table tr[data-template='A'] th"));
        Assert.Contains("worst delivery", await _page.TextContentAsync("#templates-table tr[data-template='B'] th"));
        foreach (var c in sendTimes["cells"]!.AsArray())
        {
            var cell = _page.Locator($"#send-time-heatmap td[data-weekday='{c!["weekday"]!.GetValue<string>()}'][data-hour='{c["hour"]!.GetValue<int>()}']");
            Assert.Equal(c["sent"]!.GetValue<long>(), (long)Number(await cell.GetAttributeAsync("data-sent")));
        }
        Assert.Equal(sendTimes["cells"]!.AsArray().Sum(c => c!["sent"]!.GetValue<long>()),
            (await _page.Locator("#send-time-heatmap td.heat").EvaluateAllAsync<long[]>("cells => cells.map(c => Number(c.dataset.sent))")).Sum());
        Assert.Contains("No recommended window", await _page.TextContentAsync("#send-time-recommendation"));
        var chart = _page.Locator("figure.tps-route[data-route='hot'] svg");
        Assert.Equal(40, Number(await chart.Locator("line.ceiling").GetAttributeAsync("data-tps")));
        Assert.Equal(hot["buckets"]!.AsArray().Count, await chart.Locator("circle.point").CountAsync());
        Assert.Equal(hot["buckets"]!.AsArray().Count(b => b!["significantly_above_baseline"]!.GetValue<bool>()), await chart.Locator("circle.point.above").CountAsync());
        Assert.Contains("keep under 40 TPS", await _page.TextContentAsync("figure.tps-route[data-route='hot'] figcaption"));
    }

    [Fact]
    public async Task The_campaigns_tab_shows_a_declared_campaign_with_the_progress_the_API_answers_and_its_detail()
    {
        var (_, key, client) = await TeamAsync("camp");
        var declared = await client.PutAsJsonAsync("/api/v1/campaigns/spring-sale", new { name = "Spring sale", total_recipients = 8 });
        Assert.Equal(HttpStatusCode.OK, declared.StatusCode);
        var events = new List<object>();
        for (int i = 0; i < 5; i++)
        {
            events.Add(new Dictionary<string, object?> { ["item_id"] = $"ss-{i}", ["status"] = "sent", ["occurred_at"] = Ago(3 - i * 0.2), ["campaign"] = "spring-sale", ["provider"] = "twilio", ["channel"] = "sms" });
            if (i < 3) events.Add(new Dictionary<string, object?> { ["item_id"] = $"ss-{i}", ["status"] = "delivered", ["occurred_at"] = Ago(2 - i * 0.2) });
            if (i == 3) events.Add(new Dictionary<string, object?> { ["item_id"] = $"ss-{i}", ["status"] = "failed", ["occurred_at"] = Ago(2), ["error_code"] = "30007" });
        }
        await Kit.Ingest(client, events);
        var list = await Kit.GetData(client, "/api/v1/campaigns");
        var api = list.AsArray().Single(c => c!["campaign_id"]!.GetValue<string>() == "spring-sale")!;
        Assert.Equal(62.5, api["progress_percentage"]!.GetValue<double>());

        // Straight to the tab by its link.
        await DashboardFixture.SignInAsync(_page, key);
        await _page.GotoAsync("/monitoring#tab=campaigns");
        await WaitPanelAsync(_page, "campaigns");
        var row = _page.Locator("#campaigns-table tr[data-campaign='spring-sale']");
        Assert.Equal(api["progress_percentage"]!.GetValue<double>(), Number(await row.Locator(".progress-cell").GetAttributeAsync("data-progress")));
        Assert.Equal("62.5", await row.Locator("[role='progressbar']").GetAttributeAsync("aria-valuenow"));
        Assert.Equal(api["processed"]!.GetValue<long>(), (long)Number(await row.Locator("[data-processed]").GetAttributeAsync("data-processed")));
        Assert.Equal(api["remaining"]!.GetValue<long>(), (long)Number(await row.Locator("[data-remaining]").GetAttributeAsync("data-remaining")));
        // Send rate and ETA come from the campaign's report.
        var report = await Kit.GetData(client, "/api/v1/analytics/metrics/campaigns/spring-sale");
        Assert.Equal(report["avg_send_rate_tps"]!.GetValue<double>(), Number(await row.Locator(".send-rate").GetAttributeAsync("data-rate")));
        Assert.Matches(@"/(s|min|h)now", await row.Locator(".send-rate").TextContentAsync());
        Assert.False(string.IsNullOrWhiteSpace(await row.Locator(".eta").TextContentAsync()));

        // The detail: status breakdown, timing and errors as the campaign report answers them.
        await row.PressAsync("Enter");
        await _page.Locator("#campaign-report[data-campaign='spring-sale']").WaitForAsync();
        foreach (var (status, count) in report["status_breakdown"]!.AsObject())
            Assert.Equal(count!.GetValue<long>().ToString(CultureInfo.InvariantCulture), (await _page.TextContentAsync($"#campaign-statuses tr[data-status='{status}'] td.num"))!.Trim());
        Assert.Equal(1, await _page.Locator("#campaign-errors tr[data-code='30007']").CountAsync());
        foreach (var (measure, field) in new[] { ("fastest", "fastest_delivery_seconds"), ("average", "average_delivery_seconds"), ("p50", "p50"), ("p95", "p95"), ("slowest", "slowest_delivery_seconds") })
            Assert.Equal(report["timing_analysis"]![field]!.GetValue<double>(), Number(await _page.GetAttributeAsync($"#campaign-timing tr[data-measure='{measure}']", "data-value")));
        Assert.Equal("true", await _page.GetAttributeAsync("#tab-campaigns", "aria-selected"));

        // A team without campaigns gets the empty state.
        var (_, emptyKey, _) = await TeamAsync("quiet");
        var (emptyContext, emptyPage) = await _f.NewPageAsync();
        try
        {
            await DashboardFixture.SignInAsync(emptyPage, emptyKey);
            await OpenTabAsync(emptyPage, "campaigns");
            Assert.Contains("No campaigns yet", await emptyPage.TextContentAsync("#no-campaigns"));
            Assert.Contains("No campaign has 10 items yet", await emptyPage.TextContentAsync("#no-ranking"));
        }
        finally
        {
            await emptyContext.CloseAsync();
        }
    }

    [Fact]
    public async Task The_trends_tab_draws_the_API_points_and_statistics_and_the_forecast_with_its_interval()
    {
        using var acme = _f.Server.Client(_f.AcmeKey);
        await DashboardFixture.SignInAsync(_page, _f.AcmeKey);
        await OpenTabAsync(_page, "trends");
        await AssertTrendAsync(acme, "message_volume", "hour", 24);

        // Another metric and granularity: the chart follows the API.
        int loads = await LoadsAsync(_page, "trends");
        await _page.SelectOptionAsync("#trend-metric", "delivery_rate");
        await _page.WaitForFunctionAsync("() => document.querySelector('#trend-card .card-note').textContent.startsWith('Delivery rate')");
        await _page.ClickAsync("#trend-controls [data-control='hours'] button[data-value='6']");
        await _page.ClickAsync("#trend-controls [data-control='granularity'] button[data-value='minute']");
        await _page.WaitForFunctionAsync("() => document.querySelector('#trend-card .card-note').textContent.includes('per minute · last 6 h')");
        await AssertTrendAsync(acme, "delivery_rate", "minute", 6);
        Assert.Equal(loads, await LoadsAsync(_page, "trends")); // changing a control reloads the card, not the panel

        // The forecast: 24 hourly points with their interval, the anomaly score and the capacity advice of the API.
        var prediction = await Kit.GetData(acme, "/api/v1/analytics/predictions/message-volume?hours_ahead=24");
        var intervals = prediction["prediction_intervals"]!.AsArray();
        Assert.Equal(24, intervals.Count);
        var drawn = await _page.EvaluateAsync<double[][]>("() => Chart.getChart('chart-forecast').$forecast.map(p => [p.value, p.lower, p.upper])");
        Assert.Equal(intervals.Select(p => new[] { p!["value"]!.GetValue<double>(), p["lower"]!.GetValue<double>(), p["upper"]!.GetValue<double>() }), drawn);
        Assert.Equal(4, await _page.EvaluateAsync<int>("() => Chart.getChart('chart-forecast').data.datasets.length")); // actual, forecast, upper, lower
        Assert.Equal(prediction["anomaly_detection"]!["anomaly_score"]!.GetValue<double>(), Number(await _page.GetAttributeAsync("#anomaly", "data-score")));
        Assert.Equal(prediction["capacity"]!["recommendation"]!.GetValue<string>(), (await _page.TextContentAsync("#capacity-advice"))!.Trim());

        await _page.ClickAsync("#forecast-controls button[data-value='7d']");
        await _page.WaitForFunctionAsync("() => Chart.getChart('chart-forecast')?.config.type === 'bar'");
        var week = await Kit.GetData(acme, "/api/v1/analytics/predictions/message-volume?hours_ahead=168");
        Assert.Equal(week["forecast_7d"]!.AsArray().Select(v => v!.GetValue<double>()), await _page.EvaluateAsync<double[]>("() => Chart.getChart('chart-forecast').$forecast"));
    }

    /// <summary>
    /// A team with a STOP then a send to that contact, a send inside another contact's quiet hours and an account over its
    /// TPS limit: the consent &amp; compliance tab shows the API's figures, its examples and the inbound chart's hours.
    /// </summary>
    [Fact]
    public async Task The_compliance_tab_shows_the_APIs_consent_quiet_hours_rate_limit_and_audit_figures()
    {
        var (teamId, key, client) = await TeamAsync("comp");
        var now = DateTimeOffset.UtcNow;
        string Hm(DateTimeOffset t) => t.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture);
        var put = await client.PutAsJsonAsync("/api/v1/contacts/%2B15550000002", new { time_zone = "UTC", quiet_hours = new { start = Hm(now.AddMinutes(-40)), end = Hm(now.AddMinutes(-20)) } });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        Assert.True((await _f.Server.Admin.PutAsJsonAsync($"/api/v1/accounts/acct-limited?team={teamId}", new { tps_limit = 0.01 })).IsSuccessStatusCode);
        Dictionary<string, object?> Msg(string id, double minutesAgo, string recipient, string direction, string? text = null, string? account = null) => new()
        {
            ["item_id"] = id, ["kind"] = "message", ["status"] = direction == "inbound" ? "delivered" : "sent", ["occurred_at"] = Ago(minutesAgo),
            ["direction"] = direction, ["recipient"] = recipient, ["channel"] = "sms", ["text"] = text, ["account"] = account,
        };
        await Kit.Ingest(client, new object[]
        {
            Msg("stop-1", 50, "+15550000001", "inbound", "STOP"),
            Msg("after-stop", 30, "+15550000001", "outbound"),
            Msg("quiet-1", 30, "+15550000002", "outbound"),
            Msg("burst-1", 10.2, "+15550000003", "outbound", account: "acct-limited"),
            Msg("burst-2", 10.1, "+15550000004", "outbound", account: "acct-limited"),
        }.Select(m => ((Dictionary<string, object?>)m).Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value)).ToList());
        var api = (await Kit.GetData(client, "/api/v1/analytics/compliance"))["compliance_metrics"]!;
        Assert.Equal(1, Kit.Long(api["consent_verification"]!, "messages_to_opted_out_contacts"));
        Assert.Equal(1, Kit.Long(api["quiet_hours_compliance"]!, "messages_during_quiet_hours"));
        Assert.True(Kit.Long(api["rate_limit_adherence"]!, "rate_limit_violations") >= 1);

        await DashboardFixture.SignInAsync(_page, key);
        await OpenTabAsync(_page, "compliance");
        async Task<long> Value(string selector) => (long)Number(await _page.GetAttributeAsync(selector, "data-value"));
        var consent = api["consent_verification"]!;
        Assert.Equal(Kit.Long(consent, "total_messages_sent"), await Value("#tile-consent dd span >> nth=0"));
        Assert.Equal(Kit.Long(consent, "messages_to_opted_out_contacts"), await Value("#tile-consent dd span >> nth=1"));
        Assert.Equal(Kit.Long(api["quiet_hours_compliance"]!, "messages_during_quiet_hours"), await Value("#tile-quiet dd span >> nth=0"));
        Assert.Equal(Kit.Long(api["rate_limit_adherence"]!, "rate_limit_violations"), await Value("#tile-rate dd span >> nth=0"));
        Assert.Equal(Kit.Long(api["audit_trail_completeness"]!, "events_logged"), await Value("#tile-audit dd span >> nth=0"));
        Assert.Equal("critical", await _page.GetAttributeAsync("#tile-consent", "data-level")); // 2 of 4 sends verified
        Assert.Equal("healthy", await _page.GetAttributeAsync("#tile-audit", "data-level"));
        Assert.Equal(1, await _page.Locator("#consent-violations tr[data-item='after-stop']").CountAsync());
        Assert.Equal(1, await _page.Locator("#quiet-violations tr[data-item='quiet-1']").CountAsync());
        Assert.Equal(api["rate_limit_adherence"]!["accounts"]![0]!["rate_limit_violations"]!.GetValue<long>(),
            await Value("#rate-limit-table tr[data-account='acct-limited'] td[data-value]"));

        var consentSummary = await Kit.GetData(client, "/api/v1/analytics/consent");
        Assert.Equal(Kit.Long(consentSummary, "stopped"), await Value("#consent-stopped"));
        Assert.Equal(Kit.Long(consentSummary, "contacts_with_consent"), await Value("#consent-known"));
        var inbound = await Kit.GetData(client, "/api/v1/analytics/inbound");
        Assert.Equal(Kit.Long(inbound, "messages"), await Value("#inbound-messages"));
        Assert.Equal(inbound["messages_by_hour_of_day"]!.AsArray().Select(n => n!.GetValue<double>()),
            await _page.EvaluateAsync<double[]>("() => Chart.getChart('chart-inbound').$byHour"));
        Assert.Equal("true", await _page.GetAttributeAsync("#tab-compliance", "aria-selected"));
    }

    /// <summary>
    /// The messages tab: a search by provider shows the items API's first page, pages on with its cursor and back, opens an
    /// item's timeline, and exports the search on screen (every page of it) as the export route answers it.
    /// </summary>
    [Fact]
    public async Task The_messages_tab_searches_pages_opens_an_item_and_exports_what_it_shows()
    {
        var (_, key, client) = await TeamAsync("msgs");
        var events = new List<object>();
        for (int i = 0; i < 60; i++)
        {
            string id = $"msg-{i:D2}";
            events.Add(Kit.Event(id, "sent", Ago(90 - i), provider: i % 3 == 0 ? "vonage" : "twilio", channel: "sms", recipient: $"+44770090{i:D4}"));
            events.Add(i % 4 == 0
                ? new Dictionary<string, object> { ["item_id"] = id, ["status"] = "failed", ["occurred_at"] = Ago(90 - i - 0.5), ["error_code"] = "30007" }
                : Kit.Event(id, "delivered", Ago(90 - i - 0.2)));
        }
        await Kit.Ingest(client, events);

        await DashboardFixture.SignInAsync(_page, key);
        await OpenTabAsync(_page, "messages");
        var results = _page.Locator("#message-results .card-body");
        Assert.Equal(50, await _page.Locator("#message-table tbody tr").CountAsync()); // every provider, 50 a page

        async Task<int> Shown() => int.Parse(await results.GetAttributeAsync("data-shown") ?? "0", CultureInfo.InvariantCulture);
        async Task Then(Func<Task> act)
        {
            int before = await Shown();
            await act();
            await _page.WaitForFunctionAsync($"() => Number(document.querySelector('#message-results .card-body').dataset.shown) > {before}");
        }
        async Task<List<string?>> Listed() =>
            (await _page.Locator("#message-table tbody tr").EvaluateAllAsync<string?[]>("rows => rows.map(r => r.dataset.item)")).ToList();

        await _page.FillAsync("#message-search [name='provider']", "twilio");
        await _page.SelectOptionAsync("#message-search [name='limit']", "25");
        await Then(() => _page.ClickAsync("#message-search-run"));
        string window = $"from={Uri.EscapeDataString((await _page.GetAttributeAsync("#message-table", "data-from"))!)}" +
                        $"&to={Uri.EscapeDataString((await _page.GetAttributeAsync("#message-table", "data-to"))!)}";
        var first = await Kit.GetData(client, $"/api/v1/items?{window}&provider=twilio&limit=25");
        Assert.Equal(first["items"]!.AsArray().Select(i => i!["item_id"]!.GetValue<string>()), await Listed());
        Assert.Equal(25, (await Listed()).Count);
        Assert.True(await _page.IsDisabledAsync("#message-newer"));

        await Then(() => _page.ClickAsync("#message-older"));
        var second = await Kit.GetData(client, $"/api/v1/items?{window}&provider=twilio&limit=25&cursor={Uri.EscapeDataString(first["next_cursor"]!.GetValue<string>())}");
        Assert.Equal(second["items"]!.AsArray().Select(i => i!["item_id"]!.GetValue<string>()), await Listed());
        Assert.Null(second["next_cursor"]);
        Assert.True(await _page.IsDisabledAsync("#message-older"));
        Assert.Equal(40, 25 + (await Listed()).Count);
        await Then(() => _page.ClickAsync("#message-newer"));
        Assert.Equal(first["items"]!.AsArray().Select(i => i!["item_id"]!.GetValue<string>()), await Listed());

        // A row opens the item's timeline: its events as the items API has them.
        string opened = first["items"]![3]!["item_id"]!.GetValue<string>();
        await _page.ClickAsync($"#message-table tr[data-item='{opened}']");
        await _page.Locator("#detail[open] #timeline").WaitForAsync();
        Assert.Equal($"Item {opened}", (await _page.TextContentAsync("#detail-title"))!.Trim());
        var item = await Kit.GetData(client, $"/api/v1/items/{opened}");
        Assert.Equal(item["events"]!.AsArray().Count, await _page.Locator("#timeline li").CountAsync());
        await _page.ClickAsync("#detail-close");

        // The export links carry the search on screen; the CSV holds every page of it.
        var csvHref = (await _page.GetAttributeAsync("#export-csv", "href"))!;
        Assert.Contains("provider=twilio", csvHref);
        Assert.Contains("format=csv", csvHref);
        Assert.Contains("format=xlsx", (await _page.GetAttributeAsync("#export-xlsx", "href"))!);
        var download = await _page.RunAndWaitForDownloadAsync(() => _page.ClickAsync("#export-csv"));
        Assert.EndsWith(".csv", download.SuggestedFilename);
        var lines = (await File.ReadAllTextAsync((await download.PathAsync())!)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("item_id", lines[0].Split(',')[0]);
        Assert.Equal(first["items"]!.AsArray().Concat(second["items"]!.AsArray()).Select(i => i!["item_id"]!.GetValue<string>()),
            lines.Skip(1).Select(l => l.Split(',')[0]));
    }

    private async Task AssertTrendAsync(HttpClient acme, string metric, string granularity, int hours)
    {
        var trend = await Kit.GetData(acme, $"/api/v1/analytics/trends/messages?metric={metric}&granularity={granularity}&hours={hours}");
        var points = trend["data_points"]!.AsArray().ToDictionary(p => p!["timestamp"]!.GetValue<string>(), p => p!["value"]!.GetValue<double>());
        Assert.NotEmpty(points);
        var drawn = await _page.EvaluateAsync<double?[]>("() => Chart.getChart('chart-trend').data.datasets[0].data");
        var stamps = await _page.EvaluateAsync<string[]>("() => Chart.getChart('chart-trend').$apiPoints.map(p => p.timestamp)");
        Assert.Equal(stamps.Length, drawn.Length);
        // The window ends now: when a minute (hour) turned between the page's request and this one, it slid by one bucket.
        bool slid = stamps[0] != points.Keys.First();
        Assert.True(slid ? Math.Abs(stamps.Length - points.Count) <= 1 : stamps.Length == points.Count, $"the page drew {stamps.Length} points, the API has {points.Count}");
        int shared = 0;
        for (int i = 0; i < stamps.Length; i++)
        {
            if (!points.TryGetValue(stamps[i], out var value) || (slid && i == stamps.Length - 1)) continue;
            Assert.Equal(value, drawn[i]);
            shared++;
        }
        Assert.True(shared >= stamps.Length - 2, $"only {shared} of {stamps.Length} points are the API's");
        if (slid) return; // the statistics are of another window
        var stats = trend["statistics"]!;
        foreach (var (stat, field) in new[] { ("min", "min_value"), ("max", "max_value"), ("avg", "avg_value") })
            Assert.Equal(stats[field]!.GetValue<double>(), Number(await _page.GetAttributeAsync($"#trend-stats [data-stat='{stat}']", "data-value")));
        Assert.Equal(trend["trend"]!["direction"]!.GetValue<string>(), await _page.GetAttributeAsync("#trend-stats", "data-direction"));
    }

    [Fact]
    public async Task Screenshots_of_the_alerts_campaigns_trends_and_compliance_tabs()
    {
        // Written only when asked for (HERALD_UPDATE_SCREENSHOTS=1: docs/screenshots); the tabs are opened and checked always.
        bool save = Environment.GetEnvironmentVariable("HERALD_UPDATE_SCREENSHOTS") == "1";
        string dir = DashboardFixture.ScreenshotDir();
        var acme = (await Kit.GetData(_f.Server.Admin, "/api/v1/teams")).AsArray().Single(t => t!["name"]!.GetValue<string>() == "acme")!;
        string acmeId = acme["id"]!.GetValue<string>();
        string key = await _f.Server.CreateKeyAsync(acmeId, ["events:write", "metrics:read", "alerts:write"]);
        using var client = _f.Server.Client(key);
        // Something to show: a firing alert, and two of acme's campaigns declared with their recipients.
        if ((await Kit.GetData(client, "/api/v1/alerts")).AsArray().All(a => a!["rule_id"]!.GetValue<string>() != "acme_burst"))
            await FiringAlertAsync(client, "acme_burst", items: 30, threshold: 20);
        var campaigns = (await Kit.GetData(client, "/api/v1/campaigns")).AsArray().OrderByDescending(c => c!["processed"]!.GetValue<long>()).Take(2).ToList();
        foreach (var (c, i) in campaigns.Select((c, i) => (c!, i)))
            await client.PutAsJsonAsync($"/api/v1/campaigns/{c["campaign_id"]!.GetValue<string>()}", new { total_recipients = c["processed"]!.GetValue<long>() * (i == 0 ? 1 : 3) });
        // And quiet hours for acme's contacts.
        await client.PutAsJsonAsync("/api/v1/compliance/settings", new { time_zone = "Europe/London", quiet_hours = new { start = "21:00", end = "08:00" } });

        await DashboardFixture.SignInAsync(_page, key);
        foreach (var (tab, file) in new[] { ("alerts", "alerts-health.png"), ("campaigns", "campaigns.png"), ("trends", "trends-forecast.png"), ("compliance", "consent-compliance.png") })
        {
            await OpenTabAsync(_page, tab);
            if (tab == "campaigns")
            {
                await _page.Locator("#campaigns-table tbody tr").First.ClickAsync();
                await _page.Locator("#campaign-report").WaitForAsync();
            }
            Assert.Equal(0, await _page.Locator($"#panel-{tab} .banner.error:not([hidden])").CountAsync());
            if (save)
            {
                await _page.WaitForTimeoutAsync(300);
                await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, file), FullPage = true });
            }
        }

        var (phoneContext, phone) = await _f.NewPageAsync(390, 844);
        try
        {
            await DashboardFixture.SignInAsync(phone, key);
            foreach (var tab in new[] { "alerts", "campaigns", "trends", "compliance" })
            {
                await OpenTabAsync(phone, tab);
                Assert.True(await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
                    $"the {tab} tab scrolls sideways at 390 px");
            }
        }
        finally
        {
            await phoneContext.CloseAsync();
        }
    }
}
