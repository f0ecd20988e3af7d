using System.Net;
using System.Text.RegularExpressions;
using Herald.Tests.Api;
using Herald.Tests.Support;
using static Herald.Tests.Otp.OtpKit;

namespace Herald.Tests.Otp;

/// <summary>Codes delivered for real: through a real SMTP server (Debian's aiosmtpd), read back from the mail, and verified.</summary>
public sealed class OtpEndToEndTests(LoopbackOutboundServer shared) : IClassFixture<LoopbackOutboundServer>
{
    private static readonly string[] OtpScopes = ["otp:send", "metrics:read"];
    private HeraldServer Server => shared.Server;

    private static Dictionary<string, string> Smtp(SmtpTestServer smtp, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string> { ["host"] = "127.0.0.1", ["port"] = smtp.Port.ToString(), ["from"] = "otp@herald.test" };
        foreach (var (k, v) in extra) settings[k] = v;
        return settings;
    }

    private static string CodeIn(System.Text.Json.Nodes.JsonObject mail) =>
        Regex.Match(mail["body"]!.GetValue<string>(), @"\b(\d{6})\b").Groups[1].Value;

    [Fact]
    public async Task An_sms_code_falls_back_to_the_email_gateway_arrives_and_verifies()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var (team, client) = await shared.NewTeamAsync(OtpScopes);
        await BrokenTwilioAsync(Server, team, priority: 1);
        await ConfigureAsync(Server, team, "phone-email", new { enabled = true, priority = 2, settings = Smtp(smtp, ("gateway_domain", "sms.example.net")) });

        var otp = await IssueOkAsync(client, "user-7", "sms", "+14155550123");
        Assert.Equal("phone-email", otp["delivery_service"]!.GetValue<string>());
        string id = otp["delivery_id"]!.GetValue<string>();

        var mail = await smtp.WaitForMessageToAsync("14155550123@sms.example.net");
        string code = CodeIn(mail);
        Assert.Matches("^[0-9]{6}$", code);
        Assert.DoesNotContain(code, mail["subject"]!.GetValue<string>());

        var verified = await VerifyAsync(client, id, code);
        Assert.True(verified["verified"]!.GetValue<bool>());
        Assert.Equal("already_verified", (await VerifyAsync(client, id, code))["result"]!.GetValue<string>());

        var detail = await Get(client, $"/api/delivery-metrics/delivery/{id}");
        Assert.Equal("delivered", detail["otp"]!["delivery_status"]!.GetValue<string>());
        var attempts = detail["attempts"]!.AsArray();
        Assert.Equal(["twilio", "phone-email"], attempts.Select(a => a!["attempt"]!["service"]!.GetValue<string>()));
        Assert.Equal("connect_failed", attempts[0]!["attempt"]!["error_code"]!.GetValue<string>());
        Assert.Contains("delivered", attempts[1]!["events"]!.AsArray().Select(e => e!["status"]!.GetValue<string>()));

        var summary = await Kit.GetData(client, "/api/v1/metrics/summary?kind=otp&provider=phone-email");
        Assert.Equal(1, Kit.Long(summary, "delivered"));
        Assert.NotNull(summary["latency_seconds"]);
        var user = await Get(client, "/api/delivery-metrics/user/user-7?limit=5");
        Assert.Equal(1, Kit.Long(user["summary"]!, "delivered"));
        Assert.Equal(2, user["otps"]![0]!["attempts"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_rejected_mailbox_is_a_failed_attempt_with_the_smtp_code_and_the_next_service_delivers()
    {
        await using var smtp = await SmtpTestServer.StartAsync(reject: ["gone@example.com"]);
        var (team, client) = await shared.NewTeamAsync(OtpScopes);
        await ConfigureAsync(Server, team, "smtp", new { enabled = true, priority = 1, settings = Smtp(smtp) });
        await ConsoleAsync(Server, team, priority: 2);

        var otp = await IssueOkAsync(client, "user-8", "email", "gone@example.com");
        var attempts = otp["attempts"]!.AsArray();
        Assert.Equal("smtp", attempts[0]!["service"]!.GetValue<string>());
        Assert.False(attempts[0]!["success"]!.GetValue<bool>());
        Assert.StartsWith("5.1.1", attempts[0]!["error_code"]!.GetValue<string>());
        Assert.Equal("console", otp["delivery_service"]!.GetValue<string>());

        var failures = await Get(client, "/api/delivery-metrics/failures");
        var top = failures["top_errors"]![0]!;
        Assert.StartsWith("5.1.1", top["code"]!.GetValue<string>());
        Assert.Equal("email", top["provider_family"]!.GetValue<string>());
        Assert.Equal("invalid_number", top["category"]!.GetValue<string>());
        Assert.Equal(1, Kit.Long(failures["categories"]!, "validation"));
    }

    [Fact]
    public async Task Validation_marks_an_unreachable_service_down_and_a_reachable_one_ok()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var (team, client) = await shared.NewTeamAsync(OtpScopes);
        await ConfigureAsync(Server, team, "smtp", new { enabled = true, settings = Smtp(smtp) });
        await BrokenTwilioAsync(Server, team);

        var ok = await HeraldServer.ReadData(await Server.Admin.PostAsync($"/api/v1/otp/services/smtp/validate?team={team}", null));
        Assert.True(ok["validation_ok"]!.GetValue<bool>());
        Assert.Equal("healthy", ok["health"]!.GetValue<string>());
        var bad = await HeraldServer.ReadData(await Server.Admin.PostAsync($"/api/v1/otp/services/twilio/validate?team={team}", null));
        Assert.False(bad["validation_ok"]!.GetValue<bool>());
        Assert.Equal("down", bad["health"]!.GetValue<string>());

        var alerts = (await Get(client, "/api/delivery-metrics/alerts"))["alerts"]!.AsArray();
        Assert.Contains(alerts, a => a!["type"]!.GetValue<string>() == "service_down" && a["service"]!.GetValue<string>() == "twilio");
        Assert.DoesNotContain(alerts, a => a!["type"]!.GetValue<string>() == "stale_validation" && a["service"]!.GetValue<string>() == "smtp");
        // A down service is skipped: sms has no other service, so the code is refused without a send.
        await Kit.AssertError(await IssueAsync(client, "u", "sms", "+14155550100"), HttpStatusCode.ServiceUnavailable, "channel", "no_service");
    }
}
