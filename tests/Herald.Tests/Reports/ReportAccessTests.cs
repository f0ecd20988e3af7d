using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Herald.Reports;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Reports;

/// <summary>Campaign and account usage reports, seed 003's daily and weekly reports, access rules, validation and retention.</summary>
public sealed class ReportAccessTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private Task<(string TeamId, HttpClient Client)> Team() => shared.NewTeamAsync("events:write", "metrics:read", "reports:write");

    [Fact]
    public async Task Campaign_report_carries_progress_timing_errors_and_daily_rows()
    {
        var (_, client) = await Team();
        // Seen only in events (sent over three days): the campaign analytics look 30 days back.
        var traffic = new ReportTraffic(campaign: "autumn");
        await traffic.PostAsync(client);
        var report = await ReportKit.Generate(client, "/api/v1/analytics/reports/campaigns/autumn?format=json");
        Assert.StartsWith("CMP_", report["report_id"]!.GetValue<string>());
        var s = report["summary"]!;
        Assert.Equal(60, s["total_messages"]!.GetValue<long>());
        Assert.Null(s["progress_percentage"]);
        Assert.Equal(traffic.Items.Count(i => i.Outcome == "delivered"), s["delivered"]!.GetValue<long>());

        var (body, _) = await ReportKit.Download(client, report);
        var doc = JsonNode.Parse(body)!;
        var daily = doc["daily"]!.AsArray();
        // From the first active day to the last: the three days, and today where the last deliveries landed.
        Assert.Equal(ReportTraffic.First.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), daily[0]!["date"]!.GetValue<string>());
        Assert.Equal(4, daily.Count);
        for (int d = 0; d < 3; d++) Assert.Equal(traffic.Day(ReportTraffic.First.AddDays(d)).Total, daily[d]!["total"]!.GetValue<long>());
        Assert.Equal(traffic.Events.Count(), daily.Sum(d => d!["events"]!.GetValue<long>()));
        Assert.Equal(traffic.Items.Count(i => i.Outcome == "failed"), doc["errors"]!.AsArray().Sum(e => e!["failures"]!.GetValue<long>()));
        Assert.Contains(doc["timing"]!.AsArray(), t => t!["measure"]!.GetValue<string>() == "p95" && t["seconds"]!.GetValue<double>() > 0);
        Assert.Contains(doc["status_breakdown"]!.AsArray(), t => t!["status"]!.GetValue<string>() == "delivered");

        // Declared with its recipients and sending now: progress against them.
        var declare = await client.PutAsync("/api/v1/campaigns/spring", HeraldServer.Json(new { name = "Spring sale", total_recipients = 8 }));
        Assert.Equal(HttpStatusCode.OK, declare.StatusCode);
        var now = DateTimeOffset.UtcNow;
        await Kit.Ingest(client, Enumerable.Range(0, 6).Select(i => new
        {
            event_id = $"sp{i}", item_id = $"sp{i}", kind = "message", status = i < 5 ? "delivered" : "failed", occurred_at = Kit.Format(now.AddSeconds(-i)),
            campaign = "spring",
        }).ToArray());
        var spring = await ReportKit.Generate(client, "/api/v1/analytics/reports/campaigns/spring?format=pdf");
        Assert.Equal("Spring sale", spring["summary"]!["campaign_name"]!.GetValue<string>());
        Assert.Equal(75, spring["summary"]!["progress_percentage"]!.GetValue<double>());
        Assert.Equal(2, spring["summary"]!["remaining"]!.GetValue<long>());
        var text = ReportKit.PdfText((await ReportKit.Download(client, spring)).Body);
        Assert.Contains("Campaign report: Spring sale", text);
        Assert.Contains("Progress %", text);
        Assert.Contains("75.00", text);

        var missing = await client.PostAsync("/api/v1/analytics/reports/campaigns/nope?format=pdf", null);
        await Kit.AssertError(missing, HttpStatusCode.NotFound, code: "not_found");
    }

    [Fact]
    public async Task A_campaign_named_in_cyrillic_and_chinese_prints_its_name_in_embedded_fonts()
    {
        var (_, client) = await Team();
        var declare = await client.PutAsync("/api/v1/campaigns/kampania", HeraldServer.Json(new { name = "Кампания-春", total_recipients = 3 }));
        Assert.Equal(HttpStatusCode.OK, declare.StatusCode);
        var now = DateTimeOffset.UtcNow;
        await Kit.Ingest(client, Enumerable.Range(0, 3).Select(i => new
        {
            event_id = $"k{i}", item_id = $"k{i}", kind = "message", status = "delivered", occurred_at = Kit.Format(now.AddSeconds(-i)),
            campaign = "kampania",
        }).ToArray());

        var report = await ReportKit.Generate(client, "/api/v1/analytics/reports/campaigns/kampania?format=pdf");
        var body = (await ReportKit.Download(client, report)).Body;
        Assert.Contains("Campaign report: Кампания-春", ReportKit.PdfText(body));
        // DejaVu Sans has the Cyrillic, not 春: that comes from the fallback font. Every font is in the file.
        var fonts = ReportKit.PdfFonts(body);
        Assert.All(fonts, f => Assert.True(f.Embedded, $"{f.Name} is not embedded"));
        Assert.Equal(["DejaVu Sans", "DejaVu Sans,Bold", "Droid Sans Fallback"], fonts.Select(f => f.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Account_usage_report_has_daily_usage_cost_and_the_balance_consumed()
    {
        var (teamId, client) = await Team();
        var traffic = new ReportTraffic(account: "bulk-1");
        await traffic.PostAsync(client);
        var put = await shared.Server.Admin.PutAsync($"/api/v1/accounts/bulk-1?team={teamId}", HeraldServer.Json(new { credit_balance = 100.0, tps_limit = 50.0 }));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        // Sent after the balance was stated: consumes it.
        var now = DateTimeOffset.UtcNow;
        await Kit.Ingest(client, new[]
        {
            new { event_id = "b1", item_id = "b1", kind = "message", status = "sent", occurred_at = Kit.Format(now), account = "bulk-1", cost = 1.5 },
            new { event_id = "b2", item_id = "b2", kind = "message", status = "sent", occurred_at = Kit.Format(now), account = "bulk-1", cost = 2.25 },
        });

        var today = ReportTraffic.Today;
        var report = await ReportKit.Generate(client,
            $"/api/v1/analytics/reports/accounts/bulk-1/usage?start_date={ReportTraffic.First:yyyy-MM-dd}&end_date={today:yyyy-MM-dd}&format=json");
        Assert.StartsWith("ACC_", report["report_id"]!.GetValue<string>());
        var s = report["summary"]!;
        Assert.Equal(62, s["total_messages"]!.GetValue<long>());
        Assert.Equal(Math.Round(traffic.Period().Cost + 3.75, 6), s["cost"]!.GetValue<double>(), 6);
        Assert.Equal(100.0, s["credit_balance"]!.GetValue<double>());
        Assert.Equal(3.75, s["consumed_since_balance_set"]!.GetValue<double>(), 6);
        Assert.Equal(96.25, s["current_balance"]!.GetValue<double>(), 6);
        Assert.Equal(50.0, s["tps_limit"]!.GetValue<double>());

        var doc = JsonNode.Parse((await ReportKit.Download(client, report)).Body)!;
        var daily = doc["daily"]!.AsArray();
        Assert.Equal(4, daily.Count);
        for (int d = 0; d < 3; d++)
        {
            var want = traffic.Day(ReportTraffic.First.AddDays(d));
            Assert.Equal(want.Total, daily[d]!["total"]!.GetValue<long>());
            Assert.Equal(want.Cost, daily[d]!["cost"]!.GetValue<double>(), 6);
            Assert.Null(daily[d]!["balance_end_of_day"]); // before the balance was stated
        }
        Assert.Equal(2, daily[3]!["total"]!.GetValue<long>());
        Assert.Equal(96.25, daily[3]!["balance_end_of_day"]!.GetValue<double>(), 6);

        var missing = await client.PostAsync($"/api/v1/analytics/reports/accounts/ghost/usage?start_date={today:yyyy-MM-dd}&end_date={today:yyyy-MM-dd}", null);
        await Kit.AssertError(missing, HttpStatusCode.NotFound, code: "not_found");
    }

    [Fact]
    public async Task Seed_003_daily_and_weekly_reports_come_from_the_rollups()
    {
        var (_, client) = await Team();
        var day = ReportTraffic.Last;
        var at = new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero);
        var events = new List<object>();
        for (int i = 0; i < 20; i++)
        {
            string campaign = i < 10 ? "welcome" : "promo";
            events.Add(new { event_id = $"s{i}", item_id = $"d{i}", kind = "message", status = "sent", occurred_at = Kit.Format(at.AddMinutes(i)), campaign, provider = "twilio", recipient = $"+4477009001{i:00}" });
            // welcome: all delivered; promo: 5 of 10 fail with Twilio 21211.
            if (i < 15) events.Add(new { event_id = $"d{i}", item_id = $"d{i}", status = "delivered", occurred_at = Kit.Format(at.AddMinutes(i).AddSeconds(3)) });
            else events.Add(new { event_id = $"f{i}", item_id = $"d{i}", status = "failed", occurred_at = Kit.Format(at.AddMinutes(i).AddSeconds(3)), error_code = "21211" });
        }
        // An inbound STOP: an opt-out request, not a message sent.
        events.Add(new { event_id = "in1", item_id = "in1", kind = "message", status = "delivered", direction = "inbound", occurred_at = Kit.Format(at.AddHours(1)), recipient = "+447700900101", text = "STOP" });
        await Kit.Ingest(client, events);

        var daily = await Kit.GetData(client, $"/api/v1/reports/daily?date={day:yyyy-MM-dd}");
        Assert.Equal("daily_performance", daily["report_type"]!.GetValue<string>());
        Assert.Equal(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), daily["date"]!.GetValue<string>());
        var summary = daily["summary"]!;
        Assert.Equal(20, summary["total_messages_sent"]!.GetValue<long>());
        Assert.Equal(75, summary["delivery_rate"]!.GetValue<double>());
        Assert.Equal(25, summary["error_rate"]!.GetValue<double>());
        Assert.Equal(2, summary["campaigns_executed"]!.GetValue<long>());
        Assert.Equal(1, summary["opt_out_requests"]!.GetValue<long>());
        Assert.Equal(20, summary["new_users_added"]!.GetValue<long>()); // every recipient was first seen that day
        var top = daily["top_performing_campaigns"]!.AsArray();
        Assert.Equal("welcome", top[0]!["campaign_name"]!.GetValue<string>());
        Assert.Equal(100, top[0]!["delivery_rate"]!.GetValue<double>());
        Assert.Equal(10, top[0]!["messages_sent"]!.GetValue<long>());
        var areas = daily["areas_for_improvement"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Contains(areas, a => a.StartsWith("Improve delivery of campaign promo", StringComparison.Ordinal));
        Assert.Contains(areas, a => a.StartsWith("Address error code 21211 occurrences (5 failures", StringComparison.Ordinal));

        var monday = day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
        var weekly = await Kit.GetData(client, $"/api/v1/reports/weekly?week={day:yyyy-MM-dd}");
        Assert.Equal($"{monday:yyyy-MM-dd} to {monday.AddDays(6):yyyy-MM-dd}", weekly["report_period"]!.GetValue<string>());
        Assert.Equal(20, weekly["weekly_metrics"]!["total_messages"]!.GetValue<long>());
        Assert.Equal(75, weekly["weekly_metrics"]!["delivery_rate_avg"]!.GetValue<double>());
        Assert.Equal("poor", weekly["weekly_metrics"]!["campaign_performance"]!.GetValue<string>());
        Assert.Null(weekly["trends"]!["delivery_rate_trend"]); // nothing the week before
        var users = weekly["weekly_metrics"]!;
        Assert.Equal(20, users["new_users"]!.GetValue<long>());
        Assert.Null(users["user_growth"]); // no user before the week: no growth to state
        Assert.Equal(5.0, users["user_engagement_rate"]!.GetValue<double>()); // 1 inbound message per 20 sent
        Assert.Null(weekly["trends"]!["user_engagement_trend"]);
        // This server's first run started now: a week that holds today was up throughout, an earlier one predates Herald.
        if (monday.AddDays(7) > ReportTraffic.Today) Assert.Equal("100%", users["system_uptime"]!.GetValue<string>());
        else Assert.Null(users["system_uptime"]);
        var iso = $"{ISOWeek.GetYear(monday.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(monday.ToDateTime(TimeOnly.MinValue)):00}";
        var same = await Kit.GetData(client, $"/api/v1/reports/weekly?week={iso}");
        Assert.Equal(weekly["report_period"]!.GetValue<string>(), same["report_period"]!.GetValue<string>());

        await Kit.AssertError(await client.GetAsync("/api/v1/reports/weekly?week=2026-W60"), HttpStatusCode.BadRequest, "week");
        await Kit.AssertError(await client.GetAsync("/api/v1/reports/daily?date=yesterday"), HttpStatusCode.BadRequest, "date");
    }

    [Fact]
    public async Task Downloads_need_metrics_read_and_stay_within_the_team()
    {
        var (_, owner) = await Team();
        await new ReportTraffic(count: 5).PostAsync(owner);
        var report = await ReportKit.Generate(owner, $"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&format=csv");
        string id = report["report_id"]!.GetValue<string>();
        string download = report["file_path"]!.GetValue<string>();

        // Another team's key: the report does not exist for it.
        var (_, other) = await Team();
        await Kit.AssertError(await other.GetAsync(download), HttpStatusCode.NotFound, code: "not_found");
        await Kit.AssertError(await other.GetAsync($"/api/v1/analytics/reports/{id}"), HttpStatusCode.NotFound, code: "not_found");
        await Kit.AssertError(await other.DeleteAsync($"/api/v1/analytics/reports/{id}"), HttpStatusCode.NotFound, code: "not_found");
        Assert.Empty((await Kit.GetData(other, "/api/v1/analytics/reports")).AsArray());

        // Without a key, or without the scope.
        await Kit.AssertError(await shared.Server.Client(null).GetAsync(download), HttpStatusCode.Unauthorized);
        var (_, writeOnly) = await shared.NewTeamAsync("events:write");
        await Kit.AssertError(await writeOnly.GetAsync(download), HttpStatusCode.Forbidden);
        var (_, readOnly) = await shared.NewTeamAsync("metrics:read");
        await Kit.AssertError(await readOnly.PostAsync($"/api/v1/analytics/reports/messages?{ReportTraffic.Range}", null), HttpStatusCode.Forbidden);

        // The owner and an admin can read it; the owner lists it.
        Assert.Equal(HttpStatusCode.OK, (await shared.Server.Admin.GetAsync(download)).StatusCode);
        var listed = (await Kit.GetData(owner, "/api/v1/analytics/reports?type=messages")).AsArray();
        Assert.Equal(id, Assert.Single(listed)!["report_id"]!.GetValue<string>());
        var status = await Kit.GetData(owner, $"/api/v1/analytics/reports/{id}");
        Assert.Equal("completed", status["status"]!.GetValue<string>());
        Assert.True(status["size_bytes"]!.GetValue<long>() > 0);

        // Deleted: gone for everyone, file included.
        Assert.Equal(HttpStatusCode.OK, (await owner.DeleteAsync($"/api/v1/analytics/reports/{id}")).StatusCode);
        await Kit.AssertError(await owner.GetAsync(download), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("end_date=2026-01-31&format=csv", "start_date")]
    [InlineData("start_date=2026-01-01&format=csv", "end_date")]
    [InlineData("start_date=2026-1-1&end_date=2026-01-31", "start_date")]
    [InlineData("start_date=2026-01-01&end_date=31.01.2026", "end_date")]
    [InlineData("start_date=2026-02-01&end_date=2026-01-31", "start_date")]
    [InlineData("start_date=2025-01-01&end_date=2026-01-02", "end_date")]
    [InlineData("start_date=2026-01-01&end_date=2026-01-31&format=docx", "format")]
    [InlineData("start_date=2026-01-01&end_date=2026-01-31&status=bogus", "status")]
    [InlineData("start_date=2026-01-01&end_date=2026-01-31&from=2026-01-01T00:00:00Z", "from")]
    public async Task Bad_parameters_answer_400_naming_them(string query, string field)
    {
        var (_, client) = await Team();
        await Kit.AssertError(await client.PostAsync($"/api/v1/analytics/reports/messages?{query}", null), HttpStatusCode.BadRequest, field, "invalid_parameter");
    }

    [Fact]
    public async Task The_longest_period_is_366_days_and_the_end_is_inclusive()
    {
        var (_, client) = await Team();
        var report = await ReportKit.Generate(client, "/api/v1/analytics/reports/messages?start_date=2024-01-01&end_date=2024-12-31&format=json");
        Assert.Equal(366, report["summary"]!["days"]!.GetValue<int>());
    }

    [Fact]
    public async Task Old_reports_are_deleted_with_their_files_and_new_ones_kept()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Reports:Retention"] = "00:00:01" });
        var (_, key) = await server.CreateTeamAsync("retention", ["events:write", "metrics:read", "reports:write"]);
        var client = server.Client(key);
        var old = await ReportKit.Generate(client, $"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&format=csv");
        var reports = server.Services.GetRequiredService<ReportService>();
        var oldFile = Directory.GetFiles(reports.Root, "*.csv", SearchOption.AllDirectories).Single();
        Assert.StartsWith(Path.Combine(server.DataDir, "reports", "tm_"), oldFile);
        await Task.Delay(1300);
        var fresh = await ReportKit.Generate(client, $"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&format=json");

        Assert.Equal(1, reports.Cleanup());
        Assert.False(File.Exists(oldFile));
        await Kit.AssertError(await client.GetAsync($"/api/v1/analytics/reports/{old["report_id"]!.GetValue<string>()}"), HttpStatusCode.NotFound);
        var listed = (await Kit.GetData(client, "/api/v1/analytics/reports")).AsArray();
        Assert.Equal(fresh["report_id"]!.GetValue<string>(), Assert.Single(listed)!["report_id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(fresh["file_path"]!.GetValue<string>())).StatusCode);
    }

    [Fact]
    public async Task A_report_not_done_in_time_answers_202_running_and_completes_later()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Reports:WaitForCompletion"] = "00:00:00" });
        var (_, key) = await server.CreateTeamAsync("slow", ["events:write", "metrics:read", "reports:write"]);
        var client = server.Client(key);
        await new ReportTraffic(count: 10).PostAsync(client);
        var response = await client.PostAsync($"/api/v1/analytics/reports/messages?{ReportTraffic.Range}&format=excel", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var data = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!;
        Assert.Equal("running", data["status"]!.GetValue<string>());
        Assert.Null(data["file_path"]);
        string url = data["status_url"]!.GetValue<string>();
        Assert.Equal(url, response.Headers.Location!.OriginalString);

        JsonNode status;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            status = await Kit.GetData(client, url);
            if (status["status"]!.GetValue<string>() != "running") break;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal("completed", status["status"]!.GetValue<string>());
        Assert.Equal(10, status["summary"]!["total_messages"]!.GetValue<long>());
        var (body, _) = await ReportKit.Download(client, status);
        Assert.Equal("PK", System.Text.Encoding.ASCII.GetString(body, 0, 2));
    }
}
