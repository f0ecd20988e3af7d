using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Microsoft.Playwright;

namespace Herald.Tests.Dashboard;

/// <summary>
/// The dashboard end to end in headless chromium against a real Herald over loopback: sign-in, KPIs against the API,
/// live updates over SSE, drill-down, item timeline, wrong keys, the admin's team picker, sign-out, screenshots.
/// </summary>
public sealed class DashboardBrowserTests : IClassFixture<DashboardFixture>, IAsyncLifetime
{
    private readonly DashboardFixture _f;
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private readonly List<string> _consoleErrors = new();

    public DashboardBrowserTests(DashboardFixture fixture) => _f = fixture;

    private static string Ago(double minutes) => Kit.Format(DateTimeOffset.UtcNow.AddMinutes(-minutes));

    private static object Ev(string item, string status, double minutesAgo, string provider = "twilio", string channel = "sms", string country = "US",
        string? campaign = "spring", string? errorCode = null, string? recipient = null) => new Dictionary<string, object?>
    {
        ["item_id"] = item, ["status"] = status, ["occurred_at"] = Ago(minutesAgo), ["provider"] = provider, ["channel"] = channel,
        ["country"] = country, ["campaign"] = campaign, ["error_code"] = errorCode, ["recipient"] = recipient,
    }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);

    public async Task InitializeAsync()
    {
        if (!_f.BetaSeeded)
        {
            await SeedBetaAsync(_f);
            _f.BetaSeeded = true;
        }
        (_context, _page) = await _f.NewPageAsync();
        _page.Console += (_, m) => { if (m.Type == "error") _consoleErrors.Add(m.Text); };
        _page.PageError += (_, e) => _consoleErrors.Add(e);
    }

    /// <summary>Team beta: ten items over the last two hours, two providers, two countries, failures with codes.</summary>
    private static async Task SeedBetaAsync(DashboardFixture f)
    {
        var events = new List<object>();
        for (int i = 0; i < 6; i++)
        {
            string id = $"beta-tw-{i}";
            events.Add(Ev(id, "sent", 100 - i, recipient: $"+1415555{i:D4}"));
            if (i < 4) events.Add(Ev(id, "delivered", 100 - i - 0.05 * (i + 1)));
            else if (i == 4) events.Add(Ev(id, "failed", 99 - i, errorCode: "30007"));
        }
        for (int i = 0; i < 4; i++)
        {
            string id = $"beta-vg-{i}";
            events.Add(Ev(id, "sent", 80 - i, provider: "vonage", channel: "whatsapp", country: "GB", campaign: "otp-login", recipient: $"+44770090{i:D4}"));
            if (i < 3) events.Add(Ev(id, "delivered", 80 - i - 0.5, provider: "vonage", channel: "whatsapp", country: "GB", campaign: "otp-login"));
            else events.Add(Ev(id, "failed", 79 - i, provider: "vonage", channel: "whatsapp", country: "GB", campaign: "otp-login", errorCode: "21211"));
        }
        await f.PostBetaAsync(events.ToArray());
    }

    public async Task DisposeAsync()
    {
        await _context.CloseAsync();
        Assert.True(_consoleErrors.Count == 0, "browser console errors: " + string.Join(" | ", _consoleErrors));
    }

    private static void Same(JsonNode? api, string? page, string what)
    {
        if (api is null)
        {
            Assert.True(string.IsNullOrEmpty(page), $"{what}: the API has none, the page shows {page}");
            return;
        }
        Assert.False(string.IsNullOrEmpty(page), $"{what}: the page shows nothing, the API {api}");
        Assert.Equal(api.GetValue<double>(), double.Parse(page!, CultureInfo.InvariantCulture), 6);
    }

    private async Task AssertKpisMatchAsync(JsonNode summary)
    {
        Same(summary["total"], await DashboardFixture.KpiAsync(_page, "total"), "total");
        Same(summary["delivery_rate_percent"], await DashboardFixture.KpiAsync(_page, "delivery_rate_percent"), "delivery rate");
        Same(summary["failure_rate_percent"], await DashboardFixture.KpiAsync(_page, "failure_rate_percent"), "failure rate");
        Same(summary["latency_seconds"]?["p95"], await DashboardFixture.KpiAsync(_page, "latency_p95"), "latency p95");
    }

    [Fact]
    public async Task Sign_in_shows_the_kpis_the_summary_api_answers()
    {
        await DashboardFixture.SignInAsync(_page, _f.BetaKey);
        var summary = await _f.BetaSummaryAsync();
        Assert.True(summary["total"]!.GetValue<long>() >= 10);
        await AssertKpisMatchAsync(summary);
        // The visible text is the formatted figure.
        Assert.Equal(summary["total"]!.GetValue<long>().ToString("N0", CultureInfo.GetCultureInfo("en-US")), (await _page.TextContentAsync("[data-kpi='total']"))!.Trim());
        // Opt-in comes from the consent API: beta's contacts have sent no STOP/START reply.
        var consent = await Kit.GetData(_f.Beta, "/api/v1/analytics/consent");
        Assert.Equal(0, consent["contacts_with_consent"]!.GetValue<long>());
        await _page.WaitForSelectorAsync("#kpi-optin-sub:has-text('no STOP/START replies yet')");
        Assert.Equal("beta", await _page.TextContentAsync("#team-name"));
        // Once live, the tick's figures are the same numbers, plus throughput, campaigns and uptime.
        await DashboardFixture.WaitLiveAsync(_page);
        await AssertKpisMatchAsync(await _f.BetaSummaryAsync());
        Assert.Equal("2", await DashboardFixture.KpiAsync(_page, "active_campaigns"));
        Assert.False(string.IsNullOrEmpty(await DashboardFixture.KpiAsync(_page, "uptime")));
        // Breakdowns, errors (with category and resolution) and OTP health are drawn.
        Assert.Equal(2, await _page.Locator(".breakdown[data-dimension='provider'] tbody tr.clickable").CountAsync());
        var code = _page.Locator("#errors tbody tr[data-code='30007']");
        await code.WaitForAsync();
        Assert.False(string.IsNullOrWhiteSpace(await code.Locator(".cat").TextContentAsync()));
        Assert.False(string.IsNullOrWhiteSpace(await code.Locator(".resolution").TextContentAsync()));
        Assert.Equal("healthy", await _page.GetAttributeAsync("#otp-status", "data-status"));
        Assert.Equal(2, await _page.Locator("#chart-volume, #chart-latency").CountAsync());
        // The key is in an HttpOnly, SameSite=Strict cookie, never in the URL.
        var cookie = Assert.Single(await _context.CookiesAsync(), c => c.Name == "herald_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain(_f.BetaKey, _page.Url);
        Assert.DoesNotContain(_f.BetaKey, cookie.Value);
    }

    [Fact]
    public async Task New_events_reach_the_page_over_the_stream_without_a_reload()
    {
        await DashboardFixture.SignInAsync(_page, _f.BetaKey);
        await DashboardFixture.WaitLiveAsync(_page);
        Assert.Equal("live", await _page.GetAttributeAsync("#live", "data-state"));
        await _page.EvaluateAsync("() => { window.__notReloaded = true; }");
        long before = long.Parse((await DashboardFixture.KpiAsync(_page, "total"))!, CultureInfo.InvariantCulture);

        string id = "beta-live-" + Guid.NewGuid().ToString("n")[..8];
        await _f.PostBetaAsync(Ev(id + "-a", "sent", 0.2), Ev(id + "-a", "delivered", 0.1), Ev(id + "-b", "sent", 0.2), Ev(id + "-c", "sent", 0.1, errorCode: null));

        await _page.WaitForFunctionAsync($"() => document.querySelector(\"[data-kpi='total']\").dataset.value === '{before + 3}'");
        await _page.Locator($"#feed li[data-item='{id}-a']").First.WaitForAsync();
        Assert.True(await _page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "the page reloaded");
        await AssertKpisMatchAsync(await _f.BetaSummaryAsync());
        // Throughput counts the events just posted (by occurred_at, last 1-2 minutes).
        await _page.WaitForFunctionAsync("() => Number(document.querySelector(\"[data-kpi='events_per_second']\").dataset.value) > 0");
        Assert.Equal("delivered", await _page.GetAttributeAsync($"#feed li[data-item='{id}-a'][data-outcome='delivered']", "data-outcome"));
    }

    [Fact]
    public async Task Clicking_a_breakdown_row_filters_everything_and_removing_the_chip_undoes_it()
    {
        await DashboardFixture.SignInAsync(_page, _f.BetaKey);
        string loaded = (await _page.GetAttributeAsync("body", "data-loaded"))!;
        await _page.ClickAsync(".breakdown[data-dimension='provider'] tbody tr[data-key='vonage']");
        await _page.WaitForFunctionAsync($"() => document.body.dataset.loaded !== '{loaded}' && document.body.dataset.loading === 'false'");

        var chip = _page.Locator("#chips .chip[data-dim='provider'][data-value='vonage']");
        await chip.WaitForAsync();
        Assert.Contains("provider=vonage", _page.Url); // the filter (never the key) is in the fragment
        var vonage = await _f.BetaSummaryAsync("provider=vonage");
        Assert.Equal(4, vonage["total"]!.GetValue<long>());
        await AssertKpisMatchAsync(vonage);
        // Every breakdown is filtered too: only GB under country, only the vonage campaign.
        Assert.Equal(["GB"], await _page.Locator(".breakdown[data-dimension='country'] tbody tr.clickable").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.key)"));
        Assert.Equal(["otp-login"], await _page.Locator(".breakdown[data-dimension='campaign'] tbody tr.clickable").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.key)"));
        // The filtered stream agrees once live.
        await DashboardFixture.WaitLiveAsync(_page);
        await _page.WaitForFunctionAsync("() => Number(document.body.dataset.ticks) >= 1");
        await AssertKpisMatchAsync(await _f.BetaSummaryAsync("provider=vonage"));

        // A second filter narrows further; the errors table follows the filters.
        await _page.ClickAsync(".breakdown[data-dimension='channel'] tbody tr[data-key='whatsapp']");
        await _page.Locator("#chips .chip[data-dim='channel']").WaitForAsync();
        await _page.Locator("#errors tbody tr[data-code='21211']").WaitForAsync();
        Assert.Equal(0, await _page.Locator("#errors tbody tr[data-code='30007']").CountAsync());

        // An error code narrows the errors table, with a note that metrics are not split by it.
        await _page.ClickAsync("#errors tbody tr[data-code='21211']");
        await _page.Locator("#chips .chip[data-dim='error code'][data-value='21211']").WaitForAsync();
        Assert.True(await _page.IsVisibleAsync("#filter-note"));

        await _page.ClickAsync("#clear-filters");
        await _page.WaitForFunctionAsync("() => document.querySelectorAll('#chips .chip').length === 0");
        await DashboardFixture.WaitLoadedAsync(_page);
        await _page.WaitForFunctionAsync("() => document.querySelectorAll(\".breakdown[data-dimension='provider'] tbody tr.clickable\").length === 2");
        await AssertKpisMatchAsync(await _f.BetaSummaryAsync());
        Assert.True(await _page.IsHiddenAsync("#filterbar"));
    }

    [Fact]
    public async Task Searching_an_item_opens_its_timeline_and_a_recipient_lists_its_items()
    {
        await DashboardFixture.SignInAsync(_page, _f.BetaKey);
        await _page.FillAsync("#search-input", "beta-tw-4");
        await _page.ClickAsync("#search-form button");
        await _page.Locator("#detail[open] #timeline").WaitForAsync();
        Assert.Equal("Item beta-tw-4", await _page.TextContentAsync("#detail-title"));
        var item = await Kit.GetData(_f.Beta, "/api/v1/items/beta-tw-4");
        var statuses = await _page.Locator("#timeline li").EvaluateAllAsync<string[]>("li => li.map(x => x.dataset.status)");
        Assert.Equal(item["events"]!.AsArray().Select(e => e!["status"]!.GetValue<string>()).Order(), statuses.Order());
        Assert.Equal(["sent", "failed"], statuses);
        Assert.Contains("30007", await _page.TextContentAsync("#timeline li[data-status='failed'] .err"));
        await _page.ClickAsync("#detail-close");
        Assert.False(await _page.Locator("#detail").EvaluateAsync<bool>("d => d.open"));

        // A recipient: its latest items, each opening its own timeline.
        await _page.FillAsync("#search-input", "+447700900001");
        await _page.ClickAsync("#search-form button");
        await _page.Locator("#detail[open] .results li").First.WaitForAsync();
        Assert.Equal("Recipient +447700900001", await _page.TextContentAsync("#detail-title"));
        await _page.ClickAsync("#detail .results li button");
        await _page.Locator("#detail #timeline").WaitForAsync();
        Assert.Equal("Item beta-vg-1", await _page.TextContentAsync("#detail-title"));

        await _page.ClickAsync("#detail-close");
        await _page.FillAsync("#search-input", "no-such-thing");
        await _page.ClickAsync("#search-form button");
        await _page.Locator("#detail[open] #search-empty").WaitForAsync();
        // Searching tries the item first: the 404s of recipients and of nothing at all are expected.
        _consoleErrors.RemoveAll(e => e.Contains("404", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_key_fails_with_a_message_and_shows_no_data()
    {
        await _page.GotoAsync("/monitoring/login");
        await _page.FillAsync("#api_key", "hk_not_a_real_key");
        await _page.ClickAsync("#sign-in");
        var error = _page.Locator("#login-error");
        await error.WaitForAsync();
        Assert.Contains("unknown, revoked or expired", await error.TextContentAsync());
        Assert.EndsWith("/monitoring/login", new Uri(_page.Url).AbsolutePath);
        Assert.Equal(0, await _page.Locator("[data-kpi]").CountAsync());
        Assert.DoesNotContain(await _context.CookiesAsync(), c => c.Name == "herald_session");

        // A key without metrics:read is refused too; the overview and the API stay closed.
        await _page.FillAsync("#api_key", _f.WriteOnlyKey);
        await _page.ClickAsync("#sign-in");
        Assert.Contains("metrics:read", await _page.Locator("#login-error").TextContentAsync());
        await _page.GotoAsync("/monitoring");
        Assert.EndsWith("/monitoring/login", new Uri(_page.Url).AbsolutePath);
        var api = await _page.APIRequest.GetAsync("/api/v1/metrics/summary");
        Assert.Equal(401, api.Status);
        _consoleErrors.Clear(); // the refused sign-ins answer 401/403, which chromium logs
    }

    [Fact]
    public async Task An_admin_key_picks_a_team_and_signing_out_ends_the_session()
    {
        await DashboardFixture.SignInAsync(_page, Support.HeraldServer.AdminKey);
        Assert.True(await _page.IsVisibleAsync("#team-select"));
        var options = await _page.Locator("#team-select option").AllTextContentsAsync();
        Assert.Equal(["All teams", "acme", "beta", "globex", "initech"], options);
        // All teams: OTP health needs one team.
        Assert.Contains("Pick a team", await _page.TextContentAsync("#otp-services"));

        await _page.SelectOptionAsync("#team-select", new SelectOptionValue { Label = "beta" });
        await _page.WaitForFunctionAsync("() => location.hash.includes('team=')");
        await DashboardFixture.WaitLoadedAsync(_page);
        await DashboardFixture.WaitLiveAsync(_page);
        await AssertKpisMatchAsync(await _f.BetaSummaryAsync());
        Assert.Equal("healthy", await _page.GetAttributeAsync("#otp-status", "data-status"));

        // The cookie authenticates GETs only: a POST from the signed-in page is refused.
        var post = await _page.APIRequest.PostAsync("/api/v1/events?team=beta", new() { DataObject = new[] { new { item_id = "x", status = "sent", occurred_at = Ago(1) } } });
        Assert.Equal(401, post.Status);

        await _page.ClickAsync("#sign-out");
        await _page.WaitForURLAsync("**/monitoring/login");
        Assert.DoesNotContain(await _context.CookiesAsync(), c => c.Name == "herald_session");
        await _page.GotoAsync("/monitoring");
        Assert.EndsWith("/monitoring/login", new Uri(_page.Url).AbsolutePath);
    }

    [Fact]
    public async Task Screenshots_of_the_overview_at_laptop_and_phone_width_and_of_an_item_timeline()
    {
        // The PNGs are written only when asked for (HERALD_UPDATE_SCREENSHOTS=1: docs/screenshots); the layout checks always run.
        bool save = Environment.GetEnvironmentVariable("HERALD_UPDATE_SCREENSHOTS") == "1";
        string dir = DashboardFixture.ScreenshotDir();
        await DashboardFixture.SignInAsync(_page, _f.AcmeKey);
        await DashboardFixture.WaitLiveAsync(_page);
        await _page.Locator("#feed li").First.WaitForAsync(); // the backlog of recent activity
        Assert.True(await _page.Locator(".breakdown tbody tr.clickable").CountAsync() >= 8);
        Assert.Equal(await _page.Locator("#feed li").CountAsync(), await _page.Locator("#feed li[data-event-type]").CountAsync());
        // Total users is the users API's (seed 003's user database: the team's distinct recipients and contacts).
        using (var acme = _f.Server.Client(_f.AcmeKey))
        {
            long total = (await Kit.GetData(acme, "/api/v1/analytics/users"))["total_users"]!.GetValue<long>();
            Assert.True(total > 0);
            await _page.WaitForFunctionAsync($"() => document.querySelector(\"[data-kpi='total_users']\").dataset.value === '{total}'");
            Assert.Equal(total.ToString("N0", CultureInfo.GetCultureInfo("en-US")), (await _page.TextContentAsync("[data-kpi='total_users']"))!.Trim());
        }
        if (save)
        {
            await _page.WaitForTimeoutAsync(300); // let the charts settle
            await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "overview-desktop.png"), FullPage = true });
        }

        await _page.FillAsync("#search-input", _f.SampleAcmeItem);
        await _page.ClickAsync("#search-form button");
        await _page.Locator("#detail[open] #timeline li").First.WaitForAsync();
        if (save) await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "item-timeline.png") });

        var (phoneContext, phone) = await _f.NewPageAsync(390, 844);
        try
        {
            await DashboardFixture.SignInAsync(phone, _f.AcmeKey);
            await DashboardFixture.WaitLiveAsync(phone);
            await phone.Locator("#feed li").First.WaitForAsync();
            // Usable at phone width: nothing wider than the screen.
            Assert.True(await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
                "the page scrolls sideways at 390 px");
            if (!save) return;
            await phone.WaitForTimeoutAsync(300);
            await phone.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "overview-phone.png"), FullPage = true });
            // Screen-sized pieces of the phone page, to look at closely (a temporary folder, not the repository).
            string parts = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "herald-screenshots")).FullName;
            float height = await phone.EvaluateAsync<float>("() => document.documentElement.scrollHeight");
            for (int i = 0; i * 844 < height && i < 6; i++)
                await phone.ScreenshotAsync(new PageScreenshotOptions
                {
                    Path = Path.Combine(parts, $"phone-{i}.png"), FullPage = true,
                    Clip = new Clip { X = 0, Y = i * 844, Width = 390, Height = Math.Min(844, height - i * 844) },
                });
        }
        finally
        {
            await phoneContext.CloseAsync();
        }
    }
}
