using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Herald.Senders;
using Herald.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Senders;

/// <summary>One real aiosmtpd server for the class: it refuses <see cref="Rejected"/> with 550 5.1.1 and knows one login.</summary>
public sealed class SmtpServerFixture : IAsyncLifetime
{
    public const string Rejected = "nobody@example.com";
    public const string User = "herald";
    public const string Password = "s3cret pass";
    public SmtpTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await SmtpTestServer.StartAsync(reject: [Rejected], auth: $"{User}:{Password}");

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class SmtpSenderTests(SmtpServerFixture fixture) : IClassFixture<SmtpServerFixture>
{
    private readonly SenderRegistry _registry = SenderTestKit.Registry(outboundAllowList: "127.0.0.1"); // the test servers listen on loopback
    private SmtpTestServer Server => fixture.Server;

    private Dictionary<string, string> Settings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["host"] = "127.0.0.1",
            ["port"] = Server.Port.ToString(),
            ["from"] = "Herald OTP <otp@herald.test>",
            ["timeout_ms"] = "10000",
        };
        foreach (var (k, v) in extra) settings[k] = v;
        return settings;
    }

    private static string Unique(string local) => $"{local}-{Guid.NewGuid():N}@example.com";

    private static string Lf(JsonNode? node) => ((string)node!).Replace("\r\n", "\n");

    [Fact]
    public async Task Sends_the_exact_message_to_a_real_smtp_server()
    {
        var to = Unique("alice");
        var result = await _registry.Get("smtp").SendAsync(
            new OutboundMessage("email", to, "Your Herald code", "Your code is 123456.\nIt expires in 10 minutes."), Settings(), default);

        Assert.True(result.Success, result.ErrorMessage);
        Assert.Null(result.ErrorCode);
        Assert.True(result.Elapsed > TimeSpan.Zero);
        var mail = await Server.WaitForMessageToAsync(to);
        Assert.Equal("otp@herald.test", (string?)mail["mail_from"]);
        Assert.Equal([to], mail["rcpt_tos"]!.AsArray().Select(r => (string)r!));
        Assert.Equal("Herald OTP <otp@herald.test>", (string?)mail["from"]);
        Assert.Equal(to, (string?)mail["to"]);
        Assert.Equal("Your Herald code", (string?)mail["subject"]);
        Assert.Equal("text/plain", (string?)mail["content_type"]);
        Assert.Equal("Your code is 123456.\nIt expires in 10 minutes.\n", Lf(mail["body"]));
        Assert.Equal($"<{result.ProviderMessageId}>", (string?)mail["message_id"]);
        Assert.EndsWith("@herald.test", result.ProviderMessageId);
        Assert.Equal("[127.0.0.1]", (string?)mail["helo"]);
        Assert.False(string.IsNullOrEmpty((string?)mail["date"]));
        // CRLF line ends on the wire, nothing bare.
        var raw = (string)mail["raw"]!;
        Assert.DoesNotContain("\n", raw.Replace("\r\n", ""));
    }

    [Fact]
    public async Task Utf8_subject_and_body_survive_and_dots_are_stuffed()
    {
        var to = Unique("bob");
        var subject = "Ваш код подтверждения — 123456 ✓ (действует 10 минут) 🙂";
        var body = ".hidden first line\n..two dots\n.\nGrüße aus Zürich 🙂 = € \n" + new string('x', 200) + " end\n\nlast line";
        var result = await _registry.Get("smtp").SendAsync(new OutboundMessage("email", to, subject, body), Settings(), default);

        Assert.True(result.Success, result.ErrorMessage);
        var mail = await Server.WaitForMessageToAsync(to);
        Assert.Equal(subject, (string?)mail["subject"]);
        Assert.Equal(body + "\n", Lf(mail["body"]));
        Assert.Equal("utf-8", (string?)mail["charset"]);
        Assert.Equal("quoted-printable", (string?)mail["transfer_encoding"]);
        var raw = (string)mail["raw"]!;
        Assert.All(raw.Split("\r\n"), line => Assert.True(line.Length <= 78, $"line of {line.Length}: {line}"));
        Assert.All(raw, c => Assert.True(c < 128, "the data is 7-bit"));
    }

    [Fact]
    public async Task Ascii_lines_that_start_with_dots_arrive_unchanged()
    {
        var to = Unique("carol");
        var body = ".\n..\n.starts with a dot\r\nwindows line\rold mac line";
        var result = await _registry.Get("smtp").SendAsync(new OutboundMessage("email", to, "dots", body), Settings(), default);

        Assert.True(result.Success, result.ErrorMessage);
        var mail = await Server.WaitForMessageToAsync(to);
        Assert.Equal("7bit", (string?)mail["transfer_encoding"]);
        Assert.Equal(".\n..\n.starts with a dot\nwindows line\nold mac line\n", Lf(mail["body"]));
    }

    [Fact]
    public async Task A_rejected_recipient_fails_with_the_enhanced_status_code()
    {
        var result = await _registry.Get("smtp").SendAsync(
            new OutboundMessage("email", SmtpServerFixture.Rejected, "s", "b"), Settings(), default);

        Assert.False(result.Success);
        Assert.Null(result.ProviderMessageId);
        Assert.Equal("5.1.1", result.ErrorCode);
        Assert.Contains("550 5.1.1", result.ErrorMessage);
        Assert.Contains("RCPT TO", result.ErrorMessage);
        Assert.DoesNotContain(Server.Messages(), m => m["rcpt_tos"]!.AsArray().Any(r => (string?)r == SmtpServerFixture.Rejected));
    }

    [Fact]
    public async Task A_closed_port_is_connect_failed()
    {
        var settings = Settings(("port", SmtpTestServer.FreePort().ToString()));
        var result = await _registry.Get("smtp").SendAsync(new OutboundMessage("email", Unique("dave"), "s", "b"), settings, default);

        Assert.False(result.Success);
        Assert.Equal("connect_failed", result.ErrorCode);
        var validation = await _registry.Get("smtp").ValidateAsync(settings, default);
        Assert.False(validation.Ok);
        Assert.StartsWith("connect_failed: ", validation.Error);
    }

    [Fact]
    public async Task A_server_that_never_greets_is_a_timeout()
    {
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var settings = Settings(("port", ((IPEndPoint)silent.LocalEndpoint).Port.ToString()), ("timeout_ms", "300"));
            var result = await _registry.Get("smtp").SendAsync(new OutboundMessage("email", Unique("erin"), "s", "b"), settings, default);

            Assert.False(result.Success);
            Assert.Equal("timeout", result.ErrorCode);
            Assert.InRange(result.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30));
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public async Task Sends_with_auth_when_credentials_are_set()
    {
        var to = Unique("frank");
        var result = await _registry.Get("smtp").SendAsync(new OutboundMessage("email", to, "s", "b"),
            Settings(("username", SmtpServerFixture.User), ("password", SmtpServerFixture.Password)), default);

        Assert.True(result.Success, result.ErrorMessage);
        var mail = await Server.WaitForMessageToAsync(to);
        Assert.Equal(SmtpServerFixture.User, (string?)mail["login"]);
    }

    [Fact]
    public async Task Validate_connects_authenticates_and_sends_nothing()
    {
        var smtp = _registry.Get("smtp");
        var before = Server.Messages().Count;

        var plain = await smtp.ValidateAsync(Settings(), default);
        Assert.True(plain.Ok, plain.Error);
        Assert.Null(plain.Error);

        var auth = await smtp.ValidateAsync(Settings(("username", SmtpServerFixture.User), ("password", SmtpServerFixture.Password)), default);
        Assert.True(auth.Ok, auth.Error);

        var wrong = await smtp.ValidateAsync(Settings(("username", SmtpServerFixture.User), ("password", "wrong")), default);
        Assert.False(wrong.Ok);
        Assert.StartsWith("5.7.8: ", wrong.Error);
        Assert.Contains("535", wrong.Error);

        Assert.Equal(before, Server.Messages().Count);
    }

    [Theory]
    [InlineData("host")]
    [InlineData("from")]
    public async Task A_missing_setting_is_config_invalid_and_names_it(string missing)
    {
        var settings = Settings();
        settings.Remove(missing);
        var result = await _registry.Get("smtp").SendAsync(new OutboundMessage("email", Unique("gina"), "s", "b"), settings, default);

        Assert.False(result.Success);
        Assert.Equal("config_invalid", result.ErrorCode);
        Assert.Contains($"'{missing}'", result.ErrorMessage);
        var validation = await _registry.Get("smtp").ValidateAsync(settings, default);
        Assert.StartsWith("config_invalid: ", validation.Error);
    }

    [Fact]
    public async Task Bad_settings_and_recipients_are_reported_not_thrown()
    {
        var smtp = _registry.Get("smtp");
        Assert.Equal("config_invalid", (await smtp.SendAsync(new OutboundMessage("email", Unique("h"), "s", "b"), Settings(("port", "smtp")), default)).ErrorCode);
        Assert.Equal("config_invalid", (await smtp.SendAsync(new OutboundMessage("email", Unique("h"), "s", "b"), Settings(("from", "not an address")), default)).ErrorCode);
        Assert.Equal("config_invalid", (await smtp.SendAsync(new OutboundMessage("email", Unique("h"), "s", "b"),
            Settings(("host", "mail.example.com"), ("username", "u"), ("password", "p")), default)).ErrorCode); // password in the clear to a remote host
        Assert.Equal("invalid_recipient", (await smtp.SendAsync(new OutboundMessage("email", "x@example.com>\r\nRCPT TO:<y@example.com", "s", "b"), Settings(), default)).ErrorCode);
        Assert.Equal("unsupported_channel", (await smtp.SendAsync(new OutboundMessage("sms", "+447700900123", "s", "b"), Settings(), default)).ErrorCode);
    }

    [Fact]
    public async Task A_header_injection_in_the_subject_stays_in_the_subject()
    {
        var to = Unique("ivan");
        var result = await _registry.Get("smtp").SendAsync(
            new OutboundMessage("email", to, "hello\r\nBcc: victim@example.com", "b"), Settings(), default);

        Assert.True(result.Success, result.ErrorMessage);
        var mail = await Server.WaitForMessageToAsync(to);
        Assert.Equal("hello Bcc: victim@example.com", (string?)mail["subject"]);
        Assert.Equal([to], mail["rcpt_tos"]!.AsArray().Select(r => (string)r!));
    }

    [Fact]
    public async Task Phone_email_sends_the_sms_to_the_digits_at_the_gateway()
    {
        var sender = _registry.Get("phone-email");
        var settings = Settings(("gateway_domain", "txt.example.net"));
        var result = await sender.SendAsync(new OutboundMessage("sms", "+1 (555) 010-9999", "", "Your code is 424242"), settings, default);

        Assert.True(result.Success, result.ErrorMessage);
        var mail = await Server.WaitForMessageToAsync("15550109999@txt.example.net");
        Assert.Equal("otp@herald.test", (string?)mail["mail_from"]);
        Assert.Equal("15550109999@txt.example.net", (string?)mail["to"]);
        Assert.Equal("Your code is 424242\n", Lf(mail["body"]));

        var stripped = await sender.SendAsync(new OutboundMessage("sms", "+15550108888", "", "x"),
            Settings(("gateway_domain", "txt.example.net"), ("strip_prefix", "1")), default);
        Assert.True(stripped.Success, stripped.ErrorMessage);
        await Server.WaitForMessageToAsync("5550108888@txt.example.net");
    }

    [Fact]
    public async Task Phone_email_reports_its_own_misconfiguration_and_validates_like_smtp()
    {
        var sender = _registry.Get("phone-email");
        var missing = await sender.SendAsync(new OutboundMessage("sms", "+15550100000", "", "x"), Settings(), default);
        Assert.Equal("config_invalid", missing.ErrorCode);
        Assert.Contains("'gateway_domain'", missing.ErrorMessage);

        var noDigits = await sender.SendAsync(new OutboundMessage("sms", "alice", "", "x"), Settings(("gateway_domain", "txt.example.net")), default);
        Assert.Equal("invalid_recipient", noDigits.ErrorCode);

        Assert.Equal("unsupported_channel", (await sender.SendAsync(new OutboundMessage("email", "a@example.com", "", "x"),
            Settings(("gateway_domain", "txt.example.net")), default)).ErrorCode);

        var ok = await sender.ValidateAsync(Settings(("gateway_domain", "txt.example.net")), default);
        Assert.True(ok.Ok, ok.Error);
        var closed = await sender.ValidateAsync(Settings(("gateway_domain", "txt.example.net"), ("port", SmtpTestServer.FreePort().ToString())), default);
        Assert.StartsWith("connect_failed: ", closed.Error);
    }
}
