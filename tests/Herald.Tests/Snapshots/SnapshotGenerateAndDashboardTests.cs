using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Herald.Api;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Snapshots;

/// <summary>
/// Seed 002 over real HTTP: the campaign, contact and conversation figures by their documented rules on a hand-built
/// history, the dashboard summary over <c>?days=N</c> in the dashboard cache tier, <c>POST /snapshots/generate</c> and the
/// cache warming it does, and snapshot listing in cursor pages.
/// </summary>
public sealed class SnapshotGenerateAndDashboardTests
{
    private static readonly Dictionary<string, string?> NoScheduler = new() { ["Herald:Jobs:Enabled"] = "false" };
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static string Ago(double hours) => Kit.Format(Now.AddHours(-hours));

    private static Dictionary<string, object> Message(string id, string status, double hoursAgo, string? recipient = null, bool inbound = false,
        string? text = null, string? campaign = null) =>
        new Dictionary<string, object?>
        {
            ["item_id"] = id, ["kind"] = "message", ["status"] = status, ["occurred_at"] = Ago(hoursAgo), ["recipient"] = recipient,
            ["direction"] = inbound ? "inbound" : "outbound", ["text"] = text, ["campaign"] = campaign, ["channel"] = "sms",
        }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!);

    private static string D(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_dashboard_days_window_counts_campaigns_contacts_and_conversations_by_their_rules_in_the_dashboard_tier()
    {
        await using var server = await HeraldServer.StartAsync(NoScheduler);
        var (_, key) = await server.CreateTeamAsync("seed002-rules", "events:write", "metrics:read");
        using var client = server.Client(key);

        await Kit.Ingest(client, new[]
        {
            // A contact first seen ten days ago, and again in the window: counted, not new.
            Message("old-1", "delivered", 240, recipient: "+447700900001"),
            Message("old-2", "delivered", 3, recipient: "+447700900001"),
            // Answered an hour after writing in: closed.
            Message("r1-a", "delivered", 30, recipient: "+447700900011"),
            Message("r1-b", "delivered", 29, recipient: "+447700900011", inbound: true, text: "when does it arrive?"),
            Message("r1-c", "delivered", 28, recipient: "+447700900011"),
            // Never answered: open.
            Message("r2-a", "delivered", 20, recipient: "+447700900012", inbound: true, text: "hello?"),
            // Answered 26 hours later: open (the rule's 24 hours passed).
            Message("r3-a", "delivered", 40, recipient: "+447700900013", inbound: true, text: "any news"),
            Message("r3-b", "delivered", 14, recipient: "+447700900013"),
            // Wrote STOP (blocked), then got one more message within 24 h: closed.
            Message("r4-a", "delivered", 5, recipient: "+447700900014", inbound: true, text: "STOP"),
            Message("r4-b", "sent", 2, recipient: "+447700900014"),
            // STOP then START: the last change leaves them subscribed, not blocked; the START is unanswered: open.
            Message("r5-a", "delivered", 6, recipient: "+447700900015", inbound: true, text: "STOP"),
            Message("r5-b", "delivered", 4, recipient: "+447700900015", inbound: true, text: "START"),
        });

        // Campaigns: two declared ones finish (one mostly delivered, one mostly failed), one is under way, one has no
        // traffic yet, and one was never declared.
        foreach (var (id, total) in new[] { ("c-done", 2), ("c-failed", 2), ("c-running", 5), ("c-empty", 3) })
            (await client.PutAsJsonAsync($"/api/v1/campaigns/{id}", new { total_recipients = total })).EnsureSuccessStatusCode();
        await Kit.Ingest(client, new[]
        {
            Message("cd-1", "delivered", 8, campaign: "c-done"), Message("cd-2", "delivered", 8, campaign: "c-done"),
            Message("cf-1", "failed", 8, campaign: "c-failed"), Message("cf-2", "failed", 8, campaign: "c-failed"),
            Message("cr-1", "sent", 8, campaign: "c-running"),
            Message("ca-1", "delivered", 8, campaign: "c-adhoc"), Message("ca-2", "delivered", 8, campaign: "c-adhoc"), Message("ca-3", "failed", 8, campaign: "c-adhoc"),
        });

        var first = await client.GetAsync("/api/v1/analytics/dashboard/summary?days=3");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("miss", first.Headers.GetValues(AnswerCaching.Header).Single());
        var summary = await HeraldServer.ReadData(first);
        Assert.Equal(3, summary["days"]!.GetValue<int>());
        var today = new DateTimeOffset(Now.UtcDateTime.Date, TimeSpan.Zero);
        Assert.Equal(today.AddDays(-2), DateTimeOffset.Parse(summary["period_start"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        Assert.Equal(today.AddDays(1), DateTimeOffset.Parse(summary["period_end"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        Assert.NotNull(summary["messages"]!["total_today"]); // seed 004's fields stay

        var m = summary["metrics"]!;
        var contacts = m["contacts"]!;
        Assert.Equal(6, contacts["total"]!.GetValue<long>());
        Assert.Equal(5, contacts["new"]!.GetValue<long>());
        Assert.Equal(1, contacts["blocked"]!.GetValue<long>());
        var conversations = m["conversations"]!;
        Assert.Equal(3, conversations["open"]!.GetValue<long>());
        Assert.Equal(2, conversations["closed"]!.GetValue<long>());
        var campaigns = m["campaigns"]!;
        Assert.Equal(5, campaigns["total"]!.GetValue<long>());
        Assert.Equal(4, campaigns["active"]!.GetValue<long>());
        Assert.Equal(1, campaigns["completed"]!.GetValue<long>());
        Assert.Equal(1, campaigns["failed"]!.GetValue<long>());
        Assert.Equal(2 + 2 + 5 + 3 + 3, campaigns["total_recipients"]!.GetValue<long>());
        Assert.Equal(11 + 8, m["messages"]!["total"]!.GetValue<long>()); // old-1 is before the window

        // The dashboard tier keeps the answer, until data lands in its window.
        var again = await client.GetAsync("/api/v1/analytics/dashboard/summary?days=3");
        Assert.Equal("hit", again.Headers.GetValues(AnswerCaching.Header).Single());
        await Kit.Ingest(client, Message("r2-b", "delivered", 1, recipient: "+447700900012"));
        var changed = await client.GetAsync("/api/v1/analytics/dashboard/summary?days=3");
        Assert.Equal("miss", changed.Headers.GetValues(AnswerCaching.Header).Single());
        var now = (await HeraldServer.ReadData(changed))["metrics"]!["conversations"]!;
        Assert.Equal((2, 3), (now["open"]!.GetValue<long>(), now["closed"]!.GetValue<long>()));

        // One day is today's traffic only: part of the three days'.
        var oneDay = (await Kit.GetData(client, "/api/v1/analytics/dashboard/summary?days=1"))["metrics"]!;
        Assert.True(oneDay["messages"]!["total"]!.GetValue<long>() < m["messages"]!["total"]!.GetValue<long>());

        // Without days the answer is seed 004's alone.
        var plain = await Kit.GetData(client, "/api/v1/analytics/dashboard/summary");
        Assert.Null(plain["metrics"]);
        Assert.Null(plain["days"]);
        foreach (var bad in new[] { "0", "367", "two", "1.5" })
            await Kit.AssertError(await client.GetAsync($"/api/v1/analytics/dashboard/summary?days={bad}"), HttpStatusCode.BadRequest, "days");
    }

    [Fact]
    public async Task Generating_stores_a_team_or_account_snapshot_warms_the_dashboard_and_is_validated()
    {
        await using var server = await HeraldServer.StartAsync(NoScheduler);
        var (teamId, key) = await server.CreateTeamAsync("seed002-generate", "events:write", "metrics:read", "reports:write");
        var (otherId, otherKey) = await server.CreateTeamAsync("seed002-other", "events:write", "metrics:read", "reports:write");
        using var client = server.Client(key);
        using var other = server.Client(otherKey);
        var day = Kit.Day; // yesterday
        await Kit.Ingest(client, new[]
        {
            new { item_id = "g1", kind = "message", status = "delivered", occurred_at = Kit.At(60), account = "wa-1" },
            new { item_id = "g2", kind = "message", status = "failed", occurred_at = Kit.At(61), account = "wa-2" },
            new { item_id = "g3", kind = "message", status = "read", occurred_at = Kit.At(62), account = "wa-1" },
        });

        var response = await client.PostAsJsonAsync("/api/v1/analytics/snapshots/generate", new { date = D(day), type = "DAILY" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var generated = await HeraldServer.ReadData(response);
        Assert.Equal(teamId, generated["team"]!.GetValue<string>());
        Assert.Equal("daily", generated["type"]!.GetValue<string>());
        Assert.Equal(D(day), generated["date"]!.GetValue<string>());
        Assert.Equal(3, generated["snapshots_written"]!.GetValue<int>()); // the team's, wa-1's and wa-2's
        var rows = generated["snapshots"]!.AsArray();
        Assert.Equal(new string?[] { null, "wa-1", "wa-2" }, rows.Select(r => r!["account"]?.GetValue<string>()));
        Assert.Equal(3, rows[0]!["metrics"]!["messages"]!["total"]!.GetValue<long>());
        Assert.Equal(2, rows[1]!["metrics"]!["messages"]!["total"]!.GetValue<long>());

        // Stored: the listing answers the same rows.
        var listed = (await Kit.GetData(client, $"/api/v1/analytics/snapshots?from={D(day)}&to={D(day)}&account=*")).AsArray();
        Assert.Equal(rows.Select(r => r!["metrics"]!.ToJsonString()), listed.Select(r => r!["metrics"]!.ToJsonString()));

        // Generation warmed the team's dashboard windows (7 and 30 days): the first request is already a hit.
        foreach (var days in new[] { 7, 30 })
        {
            var warm = await client.GetAsync($"/api/v1/analytics/dashboard/summary?days={days}");
            Assert.Equal("hit", warm.Headers.GetValues(AnswerCaching.Header).Single());
            Assert.Equal(3, (await HeraldServer.ReadData(warm))["metrics"]!["messages"]!["total"]!.GetValue<long>());
        }
        // The other team's were not touched.
        Assert.Equal("miss", (await other.GetAsync("/api/v1/analytics/dashboard/summary?days=7")).Headers.GetValues(AnswerCaching.Header).Single());

        // One account's only: the others stay as they were.
        await Kit.Ingest(client, new { item_id = "g4", kind = "message", status = "delivered", occurred_at = Kit.At(63), account = "wa-1" });
        var one = await HeraldServer.ReadData(await client.PostAsJsonAsync("/api/v1/analytics/snapshots/generate", new { date = D(day), account = "wa-1" }));
        Assert.Equal(1, one["snapshots_written"]!.GetValue<int>());
        Assert.Equal(3, Assert.Single(one["snapshots"]!.AsArray())!["metrics"]!["messages"]!["total"]!.GetValue<long>());
        var teamWide = Assert.Single((await Kit.GetData(client, $"/api/v1/analytics/snapshots?from={D(day)}&to={D(day)}")).AsArray())!;
        Assert.Equal(3, teamWide["metrics"]!["messages"]!["total"]!.GetValue<long>());

        // A weekly snapshot is the ISO week holding the date.
        var week = await HeraldServer.ReadData(await client.PostAsJsonAsync("/api/v1/analytics/snapshots/generate", new { date = D(day), type = "weekly" }));
        var monday = day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
        Assert.Equal(D(monday), week["date"]!.GetValue<string>());
        Assert.Equal(monday, DateTimeOffset.Parse(week["period_start"]!.GetValue<string>(), CultureInfo.InvariantCulture));

        // An admin names the team; a team key may not name another; bad fields are 400s that store nothing.
        var byAdmin = await server.Admin.PostAsJsonAsync("/api/v1/analytics/snapshots/generate", new { team = otherId, date = D(day) });
        Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
        Assert.Equal(otherId, (await HeraldServer.ReadData(byAdmin))["team"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/analytics/snapshots/generate", new { team = otherId, date = D(day) })).StatusCode);
        await Kit.AssertError(await server.Admin.PostAsJsonAsync("/api/v1/analytics/snapshots/generate", new { date = D(day) }), HttpStatusCode.BadRequest, "team");
        var bad = new (object Body, string Field)[]
        {
            (new { type = "daily" }, "date"),
            (new { date = "2026-13-01" }, "date"),
            (new { date = D(Now.AddDays(1)) }, "date"),
            (new { date = D(day), type = "hourly" }, "type"),
            (new { date = D(day), account = "" }, "account"),
            (new { date = D(day.AddDays(-5)), account = new string('a', 300) }, "account"),
        };
        foreach (var (body, field) in bad)
            await Kit.AssertError(await client.PostAsync("/api/v1/analytics/snapshots/generate", HeraldServer.Json(body)), HttpStatusCode.BadRequest, field);
        Assert.Empty((await Kit.GetData(client, $"/api/v1/analytics/snapshots?from={D(day.AddDays(-5))}&to={D(day.AddDays(-5))}&account=*")).AsArray());
        var (_, readOnly) = await server.CreateTeamAsync("seed002-reader", "metrics:read");
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Client(readOnly).PostAsJsonAsync("/api/v1/analytics/snapshots/generate", new { date = D(day) })).StatusCode);
    }

    [Fact]
    public async Task Snapshot_listing_pages_with_a_cursor_over_every_row_once()
    {
        await using var server = await HeraldServer.StartAsync(NoScheduler);
        var (_, key) = await server.CreateTeamAsync("seed002-pages", "events:write", "metrics:read", "reports:write");
        using var client = server.Client(key);
        var first = Kit.Day.AddDays(-4);
        var events = new List<object>();
        for (int d = 0; d < 5; d++)
            foreach (var account in new[] { "acc-a", "acc-b" })
                events.Add(new { item_id = $"p-{d}-{account}", kind = "message", status = "delivered", occurred_at = Kit.Format(first.AddDays(d).AddHours(9)), account });
        await Kit.Ingest(client, events);
        for (int d = 0; d < 5; d++)
            (await client.PostAsJsonAsync("/api/v1/analytics/snapshots/generate", new { date = D(first.AddDays(d)) })).EnsureSuccessStatusCode();

        string range = $"from={D(first)}&to={D(Kit.Day)}&account=*";
        var all = (await Kit.GetData(client, $"/api/v1/analytics/snapshots?{range}")).AsArray();
        Assert.Equal(15, all.Count); // five days, each the team's and two accounts'

        var seen = new List<string>();
        string? cursor = null;
        int pages = 0;
        do
        {
            var response = await client.GetAsync($"/api/v1/analytics/snapshots?{range}&limit=4" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await HeraldServer.ReadBody(response);
            Assert.Equal("success", page["status"]!.GetValue<string>());
            var rows = page["data"]!.AsArray();
            seen.AddRange(rows.Select(r => $"{r!["date"]}/{r["account"]}"));
            var pagination = page["pagination"]!;
            Assert.Equal(4, pagination["limit"]!.GetValue<int>());
            cursor = pagination["next_cursor"]?.GetValue<string>();
            Assert.Equal(cursor is not null, pagination["has_more"]!.GetValue<bool>());
            if (cursor is not null)
            {
                Assert.Equal(4, rows.Count);
                Assert.Contains("cursor=", response.Headers.GetValues("Link").Single());
                Assert.Contains("rel=\"next\"", response.Headers.GetValues("Link").Single());
            }
            Assert.True(++pages <= 4, "more pages than rows allow");
        } while (cursor is not null);
        Assert.Equal(4, pages);
        Assert.Equal(all.Select(r => $"{r!["date"]}/{r["account"]}"), seen);

        await Kit.AssertError(await client.GetAsync($"/api/v1/analytics/snapshots?{range}&cursor=not-a-cursor"), HttpStatusCode.BadRequest, "cursor");
        await Kit.AssertError(await client.GetAsync($"/api/v1/analytics/snapshots?{range}&limit=0"), HttpStatusCode.BadRequest, "limit");
        await Kit.AssertError(await client.GetAsync($"/api/v1/analytics/snapshots?{range}&limit=1001"), HttpStatusCode.BadRequest, "limit");
    }
}
