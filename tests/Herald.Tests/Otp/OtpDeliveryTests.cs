using System.Net;
using Herald.Tests.Api;
using Herald.Tests.Support;
using static Herald.Tests.Otp.OtpKit;

namespace Herald.Tests.Otp;

/// <summary>The OTP manager over real HTTP: fallback between services, attempts as engine items, health and alerts.</summary>
public sealed class OtpDeliveryTests(LoopbackOutboundServer shared) : IClassFixture<LoopbackOutboundServer>
{
    private static readonly string[] OtpScopes = ["otp:send", "metrics:read"];
    private HeraldServer Server => shared.Server;

    [Fact]
    public async Task A_failing_first_service_falls_back_and_both_attempts_are_recorded()
    {
        var (team, client) = await shared.NewTeamAsync(OtpScopes);
        await BrokenTwilioAsync(Server, team, priority: 1);
        await ConsoleAsync(Server, team, priority: 2);

        var otp = await IssueOkAsync(client, "user-1", "sms", "+14155550100");
        Assert.Equal("sent", otp["delivery_status"]!.GetValue<string>());
        Assert.Equal("console", otp["delivery_service"]!.GetValue<string>());
        Assert.Null(otp["code"]);
        var attempts = otp["attempts"]!.AsArray();
        Assert.Equal(2, attempts.Count);
        Assert.Equal("twilio", attempts[0]!["service"]!.GetValue<string>());
        Assert.False(attempts[0]!["success"]!.GetValue<bool>());
        Assert.Equal("connect_failed", attempts[0]!["error_code"]!.GetValue<string>());
        Assert.Equal("console", attempts[1]!["service"]!.GetValue<string>());
        Assert.True(attempts[1]!["success"]!.GetValue<bool>());

        string id = otp["delivery_id"]!.GetValue<string>();
        var detail = await Get(client, $"/api/delivery-metrics/delivery/{id}");
        Assert.Equal("sent", detail["otp"]!["delivery_status"]!.GetValue<string>());
        var recorded = detail["attempts"]!.AsArray();
        Assert.Equal(2, recorded.Count);
        Assert.Equal(["pending", "failed"], recorded[0]!["events"]!.AsArray().Select(e => e!["status"]!.GetValue<string>()).Order().Reverse());
        Assert.Equal("connect_failed", recorded[0]!["events"]!.AsArray().Single(e => e!["status"]!.GetValue<string>() == "failed")!["error_code"]!.GetValue<string>());
        Assert.Contains("sent", recorded[1]!["events"]!.AsArray().Select(e => e!["status"]!.GetValue<string>()));

        // The attempts are engine items of kind otp: the ordinary metrics see them per service.
        var summary = await Kit.GetData(client, "/api/v1/metrics/summary?kind=otp");
        Assert.Equal(2, Kit.Long(summary, "total"));
        Assert.Equal(1, Kit.Long(summary, "failed"));
        var services = (await Get(client, "/api/delivery-metrics/services?timeRange=1"))["services"]!.AsArray();
        var twilio = services.Single(s => s!["name"]!.GetValue<string>() == "twilio")!;
        var console = services.Single(s => s!["name"]!.GetValue<string>() == "console")!;
        Assert.Equal((1, 0, 1), (Kit.Long(twilio, "attempts"), Kit.Long(twilio, "succeeded"), Kit.Long(twilio, "failed")));
        Assert.Equal((1, 1, 0), (Kit.Long(console, "attempts"), Kit.Long(console, "succeeded"), Kit.Long(console, "failed")));

        var metrics = await Get(client, "/api/delivery-metrics?timeRange=1");
        Assert.Equal(1, Kit.Long(metrics["otps"]!, "total"));
        Assert.Equal(1, Kit.Long(metrics["otps"]!, "sent"));
        Assert.Equal(2, Kit.Long(metrics["attempts"]!, "total"));
        Assert.Equal(2.0, metrics["attempts"]!["average_attempts_per_otp"]!.GetValue<double>());

        // The failed attempt in seed 000's failure categories, explained by the catalog.
        var failures = await Get(client, "/api/delivery-metrics/failures?timeRange=1");
        Assert.Equal(1, Kit.Long(failures, "total_failures"));
        Assert.Equal(1, Kit.Long(failures["categories"]!, "network"));
        Assert.Equal(0, Kit.Long(failures["categories"]!, "validation"));
        var top = failures["top_errors"]![0]!;
        Assert.Equal("connect_failed", top["code"]!.GetValue<string>());
        Assert.Equal("provider_error", top["category"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(top["resolution"]!.GetValue<string>()));
        Assert.Equal("twilio", failures["by_service"]![0]!["key"]!.GetValue<string>());

        var today = (await Get(client, "/api/delivery-metrics/trends?days=1"))["points"]!.AsArray().Single()!;
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd"), today["date"]!.GetValue<string>());
        Assert.Equal((2, 1, 1), (Kit.Long(today, "attempts"), Kit.Long(today, "succeeded"), Kit.Long(today, "failed")));

        var report = await Get(client, "/api/delivery-metrics/report?timeRange=1");
        Assert.Equal(1, Kit.Long(report["failures"]!, "total_failures"));
        Assert.Equal(2, report["services"]!.AsArray().Count(s => s!["enabled"]!.GetValue<bool>()));
        Assert.Contains(report["recommendations"]!.AsArray(), r => r!.GetValue<string>().Contains("connect_failed"));
    }

    [Fact]
    public async Task Without_an_enabled_service_the_code_is_refused_with_503()
    {
        var (_, client) = await shared.NewTeamAsync(OtpScopes);
        var response = await IssueAsync(client, "user-1", "email", "ana@example.com");
        await Kit.AssertError(response, HttpStatusCode.ServiceUnavailable, "channel", "no_service");
    }

    [Fact]
    public async Task When_every_service_fails_the_answer_is_502_and_alerts_fire()
    {
        var (team, client) = await shared.NewTeamAsync(OtpScopes);
        await BrokenTwilioAsync(Server, team);
        for (int i = 0; i < 4; i++)
        {
            var response = await IssueAsync(client, $"user-{i}", "sms", "+14155550100");
            var error = await Kit.AssertError(response, HttpStatusCode.BadGateway, "twilio", "delivery_failed");
            Assert.Contains("connect_failed", error["details"]![0]!["issue"]!.GetValue<string>());
        }

        var alerts = (await Get(client, "/api/delivery-metrics/alerts"))["alerts"]!.AsArray().Select(a => a!["type"]!.GetValue<string>()).ToHashSet();
        Assert.Contains("high_failure_rate", alerts);
        Assert.Contains("service_degradation", alerts);
        Assert.Contains("no_successful_deliveries", alerts);
        Assert.Contains("stale_validation", alerts);
        // Four failures in a row open the circuit: the service is down and the next code is not even tried there.
        Assert.Contains("service_down", alerts);
        var health = await Get(client, "/api/delivery-metrics/health");
        Assert.Equal("down", health["status"]!.GetValue<string>());
        Assert.Equal("down", health["services"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "twilio")!["status"]!.GetValue<string>());
        await Kit.AssertError(await IssueAsync(client, "user-9", "sms", "+14155550100"), HttpStatusCode.ServiceUnavailable, "channel", "no_service");

        var failed = await Get(client, "/api/delivery-metrics?timeRange=1");
        Assert.Equal(5, Kit.Long(failed["otps"]!, "total"));
        Assert.Equal(5, Kit.Long(failed["otps"]!, "failed"));
        var stats = await Get(client, "/api/delivery-metrics/stats");
        Assert.Equal(4, Kit.Long(stats["last_hour"]!, "failed"));
        Assert.Equal("down", stats["health"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_codes_count_down_to_a_lock()
    {
        var (team, client) = await shared.NewTeamAsync(OtpScopes);
        await ConsoleAsync(Server, team);
        var otp = await IssueOkAsync(client, "user-1", "email", "ana@example.com");
        string id = otp["delivery_id"]!.GetValue<string>();
        for (int remaining = 4; remaining >= 1; remaining--)
        {
            var r = await VerifyAsync(client, id, "not-it");
            Assert.False(r["verified"]!.GetValue<bool>());
            Assert.Equal("mismatch", r["result"]!.GetValue<string>());
            Assert.Equal(remaining, Kit.Int(r, "attempts_remaining"));
        }
        Assert.Equal("locked", (await VerifyAsync(client, id, "not-it"))["result"]!.GetValue<string>());
        Assert.Equal("locked", (await VerifyAsync(client, id, "000000"))["result"]!.GetValue<string>());
        var detail = await Get(client, $"/api/v1/otp/{id}");
        Assert.Equal(5, Kit.Int(detail, "verify_attempts"));
    }

    [Fact]
    public async Task Another_team_cannot_see_or_verify_a_delivery()
    {
        var (team, client) = await shared.NewTeamAsync(OtpScopes);
        await ConsoleAsync(Server, team);
        string id = (await IssueOkAsync(client, "user-1", "sms", "+14155550100"))["delivery_id"]!.GetValue<string>();
        var (_, other) = await shared.NewTeamAsync(OtpScopes);
        await Kit.AssertError(await other.GetAsync($"/api/delivery-metrics/delivery/{id}"), HttpStatusCode.NotFound, code: "not_found");
        await Kit.AssertError(await other.PostAsync("/api/v1/otp/verify", HeraldServer.Json(new { delivery_id = id, code = "123456" })),
            HttpStatusCode.NotFound, code: "not_found");
        Assert.Equal(0, Kit.Int(await Get(client, $"/api/v1/otp/{id}"), "verify_attempts"));
    }

    [Theory]
    [InlineData("/api/delivery-metrics?timeRange=0", "timeRange")]
    [InlineData("/api/delivery-metrics?timeRange=169", "timeRange")]
    [InlineData("/api/delivery-metrics?timeRange=abc", "timeRange")]
    [InlineData("/api/delivery-metrics/failures?timeRange=-1", "timeRange")]
    [InlineData("/api/delivery-metrics/services?timeRange=200", "timeRange")]
    [InlineData("/api/delivery-metrics/report?timeRange=0", "timeRange")]
    [InlineData("/api/delivery-metrics/trends?days=0", "days")]
    [InlineData("/api/delivery-metrics/trends?days=31", "days")]
    [InlineData("/api/delivery-metrics/user/u1?limit=0", "limit")]
    [InlineData("/api/delivery-metrics/user/u1?limit=101", "limit")]
    [InlineData("/api/delivery-metrics?time_range=24", "time_range")]
    [InlineData("/api/delivery-metrics/stats?x=1", "x")]
    public async Task Parameters_outside_the_seed_ranges_are_a_400_naming_them(string path, string field)
    {
        var (_, client) = await shared.NewTeamAsync(OtpScopes);
        await Kit.AssertError(await client.GetAsync(path), HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("/api/delivery-metrics?timeRange=1")]
    [InlineData("/api/delivery-metrics?timeRange=168")]
    [InlineData("/api/delivery-metrics/trends?days=30")]
    [InlineData("/api/delivery-metrics/user/u1?limit=100")]
    [InlineData("/api/delivery-metrics/failures?timeRange=168")]
    [InlineData("/api/delivery-metrics/report")]
    [InlineData("/api/delivery-metrics/health")]
    [InlineData("/api/delivery-metrics/stats")]
    public async Task The_edges_of_the_ranges_are_accepted(string path)
    {
        var (_, client) = await shared.NewTeamAsync(OtpScopes);
        Assert.Equal("success", (await HeraldServer.ReadBody(await client.GetAsync(path)))["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"channel\":\"sms\",\"recipient\":\"+14155550100\"}", "user_id")]
    [InlineData("{\"user_id\":\"u\",\"channel\":\"fax\",\"recipient\":\"+14155550100\"}", "channel")]
    [InlineData("{\"user_id\":\"u\",\"channel\":\"sms\",\"recipient\":\"4155550100\"}", "recipient")]
    [InlineData("{\"user_id\":\"u\",\"channel\":\"sms\",\"recipient\":\"+12005550100\"}", "recipient")] // E.164, but no area code 200
    [InlineData("{\"user_id\":\"u\",\"channel\":\"sms\",\"recipient\":\"+99912345678\"}", "recipient")] // no calling code 999
    [InlineData("{\"user_id\":\"u\",\"channel\":\"email\",\"recipient\":\"not-an-address\"}", "recipient")]
    public async Task A_bad_issue_request_names_the_field_and_stores_nothing(string body, string field)
    {
        var (team, client) = await shared.NewTeamAsync(OtpScopes);
        await ConsoleAsync(Server, team);
        await Kit.AssertError(await client.PostAsync("/api/v1/otp", HeraldServer.Json(body)), HttpStatusCode.BadRequest, field);
        var metrics = await Get(client, "/api/delivery-metrics?timeRange=1");
        Assert.Equal(0, Kit.Long(metrics["otps"]!, "total"));
    }

    [Fact]
    public async Task An_sms_recipient_libphonenumber_rejects_is_a_400_that_says_why()
    {
        var (team, client) = await shared.NewTeamAsync(OtpScopes);
        await ConsoleAsync(Server, team);
        var error = await Kit.AssertError(await IssueAsync(client, "u", "sms", "+12005550100"), HttpStatusCode.BadRequest, "recipient", "invalid_parameter");
        Assert.Equal("an sms recipient must be a valid phone number, and +12005550100 is not: it is not a number in use under +1",
            error["details"]![0]!["issue"]!.GetValue<string>());
        var tooShort = await Kit.AssertError(await IssueAsync(client, "u", "sms", "+1415555010"), HttpStatusCode.BadRequest, "recipient");
        Assert.EndsWith("it is too short for a +1 number", tooShort["details"]![0]!["issue"]!.GetValue<string>());

        // The same number written validly goes out.
        Assert.Equal("sent", (await IssueOkAsync(client, "u", "sms", "+12125550100"))["delivery_status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Service_credentials_are_never_shown_and_a_mask_keeps_them()
    {
        var (team, client) = await shared.NewTeamAsync(OtpScopes);
        await BrokenTwilioAsync(Server, team);
        var list = (await Get(client, "/api/v1/otp/services")).AsArray();
        Assert.Equal(["console", "phone-email", "smtp", "twilio"], list.Select(s => s!["name"]!.GetValue<string>()).Order());
        var twilio = list.Single(s => s!["name"]!.GetValue<string>() == "twilio")!;
        Assert.Equal("********", twilio["settings"]!["auth_token"]!.GetValue<string>());
        Assert.Equal("AC00000000000000000000000000000000", twilio["settings"]!["account_sid"]!.GetValue<string>());

        await ConfigureAsync(Server, team, "twilio", new { priority = 3, settings = new Dictionary<string, string>
        {
            ["account_sid"] = "AC00000000000000000000000000000000", ["auth_token"] = "********", ["from"] = "+15005550006",
        } });
        var store = (Herald.Storage.IOtpStore)Server.Services.GetService(typeof(Herald.Storage.IOtpStore))!;
        var teams = (Herald.Tenancy.TeamDirectory)Server.Services.GetService(typeof(Herald.Tenancy.TeamDirectory))!;
        var saved = store.ListOtpServices(teams.ByPublicIdOrName(team)!.Id).Single(s => s.Name == "twilio");
        Assert.Equal("secret-token", saved.Settings["auth_token"]);
        Assert.Equal(3, saved.Priority);

        await Kit.AssertError(await Server.Admin.PutAsync($"/api/v1/otp/services/x?team={team}", HeraldServer.Json(new { sender = "pigeon", channels = new[] { "sms" } })),
            HttpStatusCode.BadRequest, "sender");
        await Kit.AssertError(await Server.Admin.PutAsync($"/api/v1/otp/services/x?team={team}", HeraldServer.Json(new { sender = "smtp", channels = new[] { "sms" } })),
            HttpStatusCode.BadRequest, "channels");
        await Kit.AssertError(await client.PutAsync("/api/v1/otp/services/x", HeraldServer.Json(new { sender = "console", channels = new[] { "sms" } })),
            HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Otp_failures_apps_report_count_toward_a_services_alerts_too()
    {
        // Attempt figures are the team's otp items by provider: here an app reports its own Twilio OTP failures.
        var (team, client) = await shared.NewTeamAsync([.. OtpScopes, "events:write"]);
        await ConfigureAsync(Server, team, "twilio", new { enabled = true, settings = new Dictionary<string, string> { ["account_sid"] = "AC1", ["auth_token"] = "t", ["from"] = "+15005550006" } });
        string now = Kit.Format(DateTimeOffset.UtcNow.AddSeconds(-5));
        var events = Enumerable.Range(0, 12).Select(i => new Dictionary<string, object?>
        {
            ["item_id"] = $"app-otp-{i}", ["kind"] = "otp", ["status"] = "failed", ["occurred_at"] = now,
            ["provider"] = "twilio", ["channel"] = "sms", ["error_code"] = "30003",
        }).ToList();
        await Kit.Ingest(client, events);

        var alerts = (await Get(client, "/api/delivery-metrics/alerts"))["alerts"]!.AsArray();
        var highErrors = alerts.Single(a => a!["type"]!.GetValue<string>() == "high_error_count")!;
        Assert.Equal("twilio", highErrors["service"]!.GetValue<string>());
        Assert.Equal(12, highErrors["value"]!.GetValue<double>());
        Assert.Contains(alerts, a => a!["type"]!.GetValue<string>() == "service_degradation");
        var twilio = (await Get(client, "/api/delivery-metrics/health"))["services"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "twilio")!;
        Assert.Equal("critical", twilio["status"]!.GetValue<string>());
        var failures = await Get(client, "/api/delivery-metrics/failures");
        Assert.Equal("30003", failures["top_errors"]![0]!["code"]!.GetValue<string>());
        Assert.Equal(12, Kit.Long(failures["categories"]!, "network"));
    }
}
