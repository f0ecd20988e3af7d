using System.Globalization;
using System.Net;
using System.Text;
using Herald.Reports;
using Herald.Reports.Scheduling;
using Herald.Storage;
using Herald.Tests.Api;
using Herald.Tests.Senders;
using Herald.Tests.Support;

namespace Herald.Tests.Reports;

/// <summary>
/// Seed 004's scheduled reports over real HTTP: validation, time zones, isolation and restarts; runs mailed through a real
/// SMTP server (aiosmtpd) whose received attachment is opened (the CSV parsed, the PDF read by pdftotext); and Quartz
/// firing a schedule on its own cron.
/// </summary>
public sealed class ReportScheduleTests(SmtpServerFixture smtp) : IClassFixture<SmtpServerFixture>
{
    private const string Path = "/api/v1/analytics/reports/schedules";

    private Dictionary<string, string?> Mailing(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            [Herald.Outbound.OutboundPolicy.AllowListSetting] = "127.0.0.1", // aiosmtpd listens on loopback
            ["Herald:Reports:Smtp:host"] = "127.0.0.1",
            ["Herald:Reports:Smtp:port"] = smtp.Server.Port.ToString(CultureInfo.InvariantCulture),
            ["Herald:Reports:Smtp:from"] = "Herald Reports <reports@herald.test>",
            ["Herald:Reports:Smtp:username"] = SmtpServerFixture.User,
            ["Herald:Reports:Smtp:password"] = SmtpServerFixture.Password,
        };
        foreach (var (k, v) in extra) settings[k] = v;
        return settings;
    }

    private static string Unique(string local) => $"{local}-{Guid.NewGuid():N}@example.com";

    private static async Task<HttpResponseMessage> Create(HttpClient client, object body) => await client.PostAsync(Path, HeraldServer.Json(body));

    [Fact]
    public async Task Every_bad_field_is_a_400_naming_it_and_nothing_is_stored()
    {
        await using var server = await HeraldServer.StartAsync(Mailing());
        var (_, key) = await server.CreateTeamAsync("sched-bad", "reports:write", "metrics:read");
        using var client = server.Client(key);
        object Body(string? report = "messages", object? parameters = null, string? format = "csv", string? cron = "0 0 7 * * ?",
            string? timeZone = "UTC", object? recipients = null) =>
            new { report, parameters, format, cron, time_zone = timeZone, recipients = recipients ?? new[] { "ops@example.com" } };

        var cases = new (object Body, string Field)[]
        {
            (Body(report: null), "report"),
            (Body(report: "inventory"), "report"),
            (Body(format: "docx"), "format"),
            (Body(cron: null), "cron"),
            (Body(cron: "every morning"), "cron"),
            (Body(cron: "0 * * * * ?"), "cron"), // every minute: more often than the 15-minute floor
            (Body(cron: "0 0 0 1 1 ? 2020"), "cron"), // never fires again
            (Body(timeZone: "Mars/Olympus_Mons"), "time_zone"),
            (Body(recipients: Array.Empty<string>()), "recipients"),
            (Body(recipients: new[] { "ops@example.com", "not-an-address" }), "recipients[1]"),
            (Body(recipients: Enumerable.Range(0, 21).Select(i => $"r{i}@example.com").ToArray()), "recipients"),
            (Body(parameters: new { colour = "red" }), "parameters.colour"),
            (Body(parameters: new[] { "previous_day" }), "parameters"),
            (Body(parameters: new { period = "yesterday" }), "parameters.period"),
            (Body(parameters: new { status = "delivered,lost" }), "parameters.status"),
            (Body(parameters: new { period = 7 }), "parameters.period"),
            (Body(report: "campaign"), "parameters.campaign_id"),
            (Body(report: "account_usage", parameters: new { period = "previous_week" }), "parameters.account_id"),
            (Body(report: "daily", parameters: new { period = "previous_day" }), "parameters.period"),
        };
        foreach (var (body, field) in cases)
            await Kit.AssertError(await Create(client, body), HttpStatusCode.BadRequest, field);

        // A key that may only read cannot schedule.
        var (_, readKey) = await server.CreateTeamAsync("sched-read", "metrics:read");
        using var reader = server.Client(readKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await Create(reader, Body())).StatusCode);

        Assert.Empty((await Kit.GetData(client, Path)).AsArray());
        Assert.Empty((await Kit.GetData(server.Admin, Path)).AsArray());
    }

    [Fact]
    public async Task Without_an_smtp_server_a_schedule_is_refused_with_409()
    {
        await using var server = await HeraldServer.StartAsync();
        var (_, key) = await server.CreateTeamAsync("sched-nomail", "reports:write", "metrics:read");
        using var client = server.Client(key);
        var response = await Create(client, new { report = "system", format = "pdf", cron = "0 0 7 * * ?", recipients = new[] { "ops@example.com" } });
        await Kit.AssertError(response, HttpStatusCode.Conflict, code: "mail_not_configured");
        Assert.Empty((await Kit.GetData(client, Path)).AsArray());
    }

    [Fact]
    public async Task A_schedule_fires_in_its_time_zone_survives_a_restart_and_only_its_team_sees_or_deletes_it()
    {
        await using var server = await HeraldServer.StartAsync(Mailing());
        var (teamId, key) = await server.CreateTeamAsync("sched-owner", "reports:write", "metrics:read");
        var (_, otherKey) = await server.CreateTeamAsync("sched-other", "reports:write", "metrics:read");
        var client = server.Client(key);
        using var other = server.Client(otherKey);

        var created = await Create(client, new
        {
            report = "messages", parameters = new { period = "previous_week", status = "failed,undelivered", account_id = "acme" }, format = "excel",
            cron = "0 0 7 ? * MON", time_zone = "Asia/Tokyo", recipients = new[] { "Ops@Example.com", "ops@example.com", "cfo@example.com" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var schedule = await HeraldServer.ReadData(created);
        string id = schedule["schedule_id"]!.GetValue<string>();
        Assert.Matches("^sch_[0-9a-f]{12}$", id);
        Assert.Equal($"{Path}/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal(teamId, schedule["team"]!.GetValue<string>());
        Assert.Equal("excel", schedule["format"]!.GetValue<string>());
        Assert.Equal("Asia/Tokyo", schedule["time_zone"]!.GetValue<string>());
        Assert.Equal(["Ops@Example.com", "cfo@example.com"], schedule["recipients"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal("failed,undelivered", schedule["parameters"]!["status"]!.GetValue<string>());

        // Mondays at 07:00 in Tokyo (UTC+9, no daylight saving) are Sundays at 22:00 UTC.
        var next = DateTimeOffset.Parse(schedule["next_fire_time"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.Zero, next.Offset);
        Assert.Equal((DayOfWeek.Sunday, 22, 0), (next.UtcDateTime.DayOfWeek, next.UtcDateTime.Hour, next.UtcDateTime.Minute));
        Assert.InRange(next - DateTimeOffset.UtcNow, TimeSpan.Zero, TimeSpan.FromDays(7));

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"{Path}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"{Path}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"{Path}/{id}/run", null)).StatusCode);
        Assert.Empty((await Kit.GetData(other, Path)).AsArray());
        Assert.Contains((await Kit.GetData(server.Admin, Path)).AsArray(), s => s!["schedule_id"]!.GetValue<string>() == id);

        await server.RestartAsync();
        client = server.Client(key);
        var kept = Assert.Single((await Kit.GetData(client, Path)).AsArray())!;
        Assert.Equal(id, kept["schedule_id"]!.GetValue<string>());
        Assert.Equal(next, DateTimeOffset.Parse(kept["next_fire_time"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        Assert.Equal(0, kept["runs"]!.GetValue<long>());

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{Path}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{Path}/{id}")).StatusCode);
        Assert.Empty((await Kit.GetData(client, Path)).AsArray());
    }

    [Fact]
    public async Task A_run_mails_the_csv_report_to_each_recipient_as_an_attachment_that_parses()
    {
        await using var server = await HeraldServer.StartAsync(Mailing());
        var (_, key) = await server.CreateTeamAsync("sched-csv", "events:write", "reports:write", "metrics:read");
        using var client = server.Client(key);
        var traffic = new ReportTraffic(prefix: "sch");
        await traffic.PostAsync(client);

        string alice = Unique("alice"), bob = Unique("bob");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var created = await Create(client, new
        {
            report = "messages", parameters = new { period = "last_7_days" }, format = "csv", cron = "0 30 6 * * ?", time_zone = "UTC",
            recipients = new[] { alice, SmtpServerFixture.Rejected, bob },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string id = (await HeraldServer.ReadData(created))["schedule_id"]!.GetValue<string>();

        var ran = await client.PostAsync($"{Path}/{id}/run", null);
        Assert.Equal(HttpStatusCode.OK, ran.StatusCode);
        var schedule = await HeraldServer.ReadData(ran);
        Assert.Equal(1, schedule["runs"]!.GetValue<long>());
        // The server refuses one recipient (550 5.1.1): the run is partial and says whom it missed.
        Assert.True(schedule["last_status"]!.GetValue<string>() == "partial", schedule.ToJsonString());
        Assert.Contains(SmtpServerFixture.Rejected, schedule["last_error"]!.GetValue<string>());
        string reportId = schedule["last_report_id"]!.GetValue<string>();

        foreach (var to in new[] { alice, bob })
        {
            var mail = await smtp.Server.WaitForMessageToAsync(to);
            Assert.Equal("reports@herald.test", mail["mail_from"]!.GetValue<string>());
            Assert.Equal(SmtpServerFixture.User, mail["login"]!.GetValue<string>());
            Assert.Equal("multipart/mixed", mail["content_type"]!.GetValue<string>());
            Assert.Equal($"[Herald] Message delivery report ({today.AddDays(-7):yyyy-MM-dd} to {today.AddDays(-1):yyyy-MM-dd})", mail["subject"]!.GetValue<string>());
            Assert.Contains(reportId, mail["body"]!.GetValue<string>());
            var attachment = Assert.Single(mail["attachments"]!.AsArray())!;
            Assert.Equal("text/csv", attachment["content_type"]!.GetValue<string>());
            Assert.EndsWith(".csv", attachment["filename"]!.GetValue<string>());
            Assert.Equal("base64", attachment["transfer_encoding"]!.GetValue<string>());

            var sections = ReportKit.CsvSections(File.ReadAllText(attachment["path"]!.GetValue<string>(), Encoding.UTF8));
            var summary = ReportKit.Rows(sections["summary"]).ToDictionary(r => r["metric"], r => r["value"]);
            var expected = traffic.Period();
            Assert.Equal(expected.Total, (long)ReportKit.Num(summary["total_messages"]));
            Assert.Equal(expected.Delivered, (long)ReportKit.Num(summary["delivered"]));
            Assert.Equal(expected.Failed, (long)ReportKit.Num(summary["failed"]));
            var daily = ReportKit.Rows(sections["daily"]);
            Assert.Equal(7, daily.Count);
            for (var day = ReportTraffic.First; day <= ReportTraffic.Last; day = day.AddDays(1))
                Assert.Equal(traffic.Day(day).Total, (long)ReportKit.Num(daily.Single(r => r["date"] == day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))["total"]));
        }
        Assert.DoesNotContain(smtp.Server.Messages(), m => m["rcpt_tos"]!.AsArray().Any(r => r!.GetValue<string>() == SmtpServerFixture.Rejected));

        // The mailed report is an ordinary report: listed and downloadable.
        var report = await Kit.GetData(client, $"/api/v1/analytics/reports/{reportId}");
        Assert.Equal("completed", report["status"]!.GetValue<string>());
        Assert.Equal($"{today.AddDays(-7):yyyy-MM-dd}", report["parameters"]!["start_date"]!.GetValue<string>());
        Assert.Equal($"{today.AddDays(-1):yyyy-MM-dd}", report["parameters"]!["end_date"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("daily")]
    [InlineData("weekly")]
    public async Task Seed_003_daily_and_weekly_reports_are_mailed_on_a_schedule_with_the_api_figures(string report)
    {
        await using var server = await HeraldServer.StartAsync(Mailing());
        var (_, key) = await server.CreateTeamAsync($"sched-{report}", "events:write", "reports:write", "metrics:read");
        using var client = server.Client(key);
        await new ReportTraffic(prefix: report[..1]).PostAsync(client);

        string to = Unique(report);
        var created = await Create(client, new { report, format = "csv", cron = "0 0 7 * * ?", time_zone = "UTC", recipients = new[] { to } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string id = (await HeraldServer.ReadData(created))["schedule_id"]!.GetValue<string>();
        var schedule = await HeraldServer.ReadData(await client.PostAsync($"{Path}/{id}/run", null));
        Assert.True(schedule["last_status"]!.GetValue<string>() == "success", schedule.ToJsonString());

        // The default period: the day before the run (daily), the ISO week before the run's (weekly).
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var thisMonday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        var answer = report == "daily"
            ? await Kit.GetData(client, $"/api/v1/reports/daily?date={today.AddDays(-1):yyyy-MM-dd}")
            : await Kit.GetData(client, $"/api/v1/reports/weekly?week={thisMonday.AddDays(-7):yyyy-MM-dd}");
        var figures = (report == "daily" ? answer["summary"] : answer["weekly_metrics"])!.AsObject();
        Assert.Contains(report == "daily" ? "new_users_added" : "user_growth", figures.Select(p => p.Key));

        var mail = await smtp.Server.WaitForMessageToAsync(to);
        var attachment = Assert.Single(mail["attachments"]!.AsArray())!;
        var sections = ReportKit.CsvSections(File.ReadAllText(attachment["path"]!.GetValue<string>(), Encoding.UTF8));
        var mailed = ReportKit.Rows(sections["summary"]).ToDictionary(r => r["metric"], r => r["value"]);
        foreach (var (name, value) in figures)
        {
            if (value is null || value.GetValueKind() is not System.Text.Json.JsonValueKind.Number) continue;
            Assert.True(mailed.ContainsKey(name), $"{name} is missing from the mailed {report} report");
            Assert.Equal(value.GetValue<double>(), ReportKit.Num(mailed[name]), 6);
        }
    }

    [Fact]
    public async Task Without_the_allow_list_the_mailer_does_not_reach_an_smtp_server_on_an_internal_address()
    {
        var settings = Mailing();
        settings.Remove(Herald.Outbound.OutboundPolicy.AllowListSetting);
        await using var server = await HeraldServer.StartAsync(settings);
        var (_, key) = await server.CreateTeamAsync("sched-guarded", "reports:write", "metrics:read");
        using var client = server.Client(key);
        string to = Unique("guarded");
        var created = await Create(client, new { report = "system", format = "csv", cron = "0 0 7 * * ?", recipients = new[] { to } });
        string id = (await HeraldServer.ReadData(created))["schedule_id"]!.GetValue<string>();

        var schedule = await HeraldServer.ReadData(await client.PostAsync($"{Path}/{id}/run", null));
        Assert.Equal("error", schedule["last_status"]!.GetValue<string>());
        Assert.Contains(Herald.Outbound.OutboundFailure.NotAllowed, schedule["last_error"]!.GetValue<string>());
        Assert.DoesNotContain(smtp.Server.Port.ToString(CultureInfo.InvariantCulture), schedule["last_error"]!.GetValue<string>());
        await Task.Delay(500);
        Assert.Equal(0, Mails(to));
    }

    [Fact]
    public async Task Quartz_fires_a_pdf_schedule_on_its_cron_and_the_attachment_opens_in_pdftotext()
    {
        await using var server = await HeraldServer.StartAsync(Mailing(("Herald:Reports:MinScheduleInterval", "00:00:01")));
        var (_, key) = await server.CreateTeamAsync("sched-cron", "events:write", "reports:write", "metrics:read");
        using var client = server.Client(key);
        var traffic = new ReportTraffic(prefix: "cron");
        await traffic.PostAsync(client);

        string to = Unique("cron");
        var created = await Create(client, new
        {
            report = "messages", parameters = new { period = "last_7_days" }, format = "pdf", cron = "0/3 * * * * ?", time_zone = "Europe/Paris", recipients = new[] { to },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var schedule = await HeraldServer.ReadData(created);
        string id = schedule["schedule_id"]!.GetValue<string>();
        Assert.True(schedule["scheduled"]!.GetValue<bool>());

        // Nothing asks for a run: the cron trigger does.
        var mail = await smtp.Server.WaitForMessageToAsync(to, TimeSpan.FromSeconds(60));
        var attachment = Assert.Single(mail["attachments"]!.AsArray())!;
        Assert.Equal("application/pdf", attachment["content_type"]!.GetValue<string>());
        var text = ReportKit.PdfText(File.ReadAllBytes(attachment["path"]!.GetValue<string>()));
        Assert.Contains("Message delivery report", text);
        Assert.Contains(traffic.Period().Total.ToString("#,##0", CultureInfo.InvariantCulture), text);

        var after = await Kit.GetData(client, $"{Path}/{id}");
        Assert.True(after["runs"]!.GetValue<long>() >= 1);
        Assert.Equal("success", after["last_status"]!.GetValue<string>());
        Assert.Contains(after["last_report_id"]!.GetValue<string>(), text);

        // Deleted: it stops firing (a run already under way may still finish).
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{Path}/{id}")).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(2));
        int mailed = Mails(to);
        await Task.Delay(TimeSpan.FromSeconds(7));
        Assert.Equal(mailed, Mails(to));
    }

    private int Mails(string to) => smtp.Server.Messages().Count(m => m["rcpt_tos"]!.AsArray().Any(r => r!.GetValue<string>() == to));

    [Theory]
    [InlineData("2026-03-05T23:30:00Z", "Asia/Tokyo", "previous_day", "2026-03-05", "2026-03-05")] // already the 6th in Tokyo
    [InlineData("2026-03-05T23:30:00Z", "UTC", "previous_day", "2026-03-04", "2026-03-04")]
    [InlineData("2026-03-02T06:00:00Z", "America/New_York", "previous_week", "2026-02-23", "2026-03-01")] // still Monday the 2nd there
    [InlineData("2026-03-01T00:30:00Z", "Europe/Paris", "previous_month", "2026-02-01", "2026-02-28")]
    [InlineData("2026-03-10T12:00:00Z", "UTC", "last_7_days", "2026-03-03", "2026-03-09")]
    public void A_period_is_counted_back_from_the_fire_date_in_the_schedule_time_zone(string fire, string zone, string period, string start, string end)
    {
        var schedule = new ReportScheduleRecord("sch_test", 1, ReportTypes.Messages, $$"""{"period":"{{period}}"}""", ReportFormats.Csv, "0 0 7 * * ?", zone,
            ["ops@example.com"], 0);
        var request = ReportSchedulePeriods.RequestFor(schedule, DateTimeOffset.Parse(fire, CultureInfo.InvariantCulture));
        Assert.Equal(DateOnly.Parse(start, CultureInfo.InvariantCulture), request.StartDate);
        Assert.Equal(DateOnly.Parse(end, CultureInfo.InvariantCulture), request.EndDate);
    }
}
