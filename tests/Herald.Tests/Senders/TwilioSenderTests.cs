using System.Text;
using Herald.Senders;
using Herald.Tests.Support;
using Microsoft.AspNetCore.WebUtilities;

namespace Herald.Tests.Senders;

public sealed class TwilioSenderTests : IAsyncLifetime
{
    private const string Sid = "AC0123456789abcdef0123456789abcdef";
    private const string Token = "your_auth_token_0123";
    private readonly SenderRegistry _registry = SenderTestKit.Registry(outboundAllowList: "127.0.0.1"); // the test servers listen on loopback
    private FakeTwilio _twilio = null!;

    public async Task InitializeAsync() => _twilio = await FakeTwilio.StartAsync();

    public async Task DisposeAsync() => await _twilio.DisposeAsync();

    private Dictionary<string, string> Settings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["account_sid"] = Sid,
            ["auth_token"] = Token,
            ["from"] = "+15005550006",
            ["base_url"] = _twilio.BaseUrl,
        };
        foreach (var (k, v) in extra) settings[k] = v;
        return settings;
    }

    // The 201 body Twilio documents for Create a Message (https://www.twilio.com/docs/messaging/api/message-resource).
    private const string Created = """
        {"account_sid":"AC0123456789abcdef0123456789abcdef","api_version":"2010-04-01","body":"Your Herald code is 123456",
         "date_created":"Thu, 24 Aug 2023 05:01:45 +0000","date_sent":null,"date_updated":"Thu, 24 Aug 2023 05:01:45 +0000",
         "direction":"outbound-api","error_code":null,"error_message":null,"from":"+15005550006","messaging_service_sid":null,
         "num_media":"0","num_segments":"1","price":null,"price_unit":null,
         "sid":"SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","status":"queued","subresource_uris":{"media":"/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Media.json"},
         "to":"+447700900123","uri":"/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"}
        """;

    private static Dictionary<string, string> Form(string body) =>
        QueryHelpers.ParseQuery(body).ToDictionary(kv => kv.Key, kv => kv.Value.Single()!);

    [Fact]
    public async Task Posts_the_documented_request_and_reads_the_sid()
    {
        _twilio.Response = (201, Created, TimeSpan.Zero);
        var message = new OutboundMessage("sms", "+447700900123", "ignored", "Your Herald code is 123456 & it's ok = ✓",
            "https://herald.example/api/v1/callbacks/twilio?team=acme");
        var result = await _registry.Get("twilio").SendAsync(message, Settings(), default);

        Assert.True(result.Success, result.ErrorMessage);
        Assert.Equal("SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", result.ProviderMessageId);
        Assert.True(result.Elapsed > TimeSpan.Zero);
        var request = Assert.Single(_twilio.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/2010-04-01/Accounts/{Sid}/Messages.json", request.Path);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Sid}:{Token}")), request.Authorization);
        Assert.Equal("application/x-www-form-urlencoded", request.ContentType);
        Assert.Equal("application/json", request.Accept);
        Assert.Equal(new Dictionary<string, string>
        {
            ["To"] = "+447700900123",
            ["From"] = "+15005550006",
            ["Body"] = "Your Herald code is 123456 & it's ok = ✓",
            ["StatusCallback"] = "https://herald.example/api/v1/callbacks/twilio?team=acme",
        }, Form(request.Body));
    }

    [Fact]
    public async Task A_messaging_service_replaces_from_and_no_callback_means_no_field()
    {
        _twilio.Response = (201, Created, TimeSpan.Zero);
        var result = await _registry.Get("twilio").SendAsync(new OutboundMessage("sms", "+447700900123", "", "hi"),
            Settings(("messaging_service_sid", "MG0123456789abcdef0123456789abcdef")), default);

        Assert.True(result.Success, result.ErrorMessage);
        Assert.Equal(new Dictionary<string, string>
        {
            ["To"] = "+447700900123",
            ["MessagingServiceSid"] = "MG0123456789abcdef0123456789abcdef",
            ["Body"] = "hi",
        }, Form(Assert.Single(_twilio.Requests).Body));
    }

    [Fact]
    public async Task A_documented_error_maps_to_its_code_and_message()
    {
        _twilio.Response = (400, """
            {"code": 21211, "message": "The 'To' number 5551234567 is not a valid phone number.",
             "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}
            """, TimeSpan.Zero);
        var result = await _registry.Get("twilio").SendAsync(new OutboundMessage("sms", "5551234567", "", "hi"), Settings(), default);

        Assert.False(result.Success);
        Assert.Null(result.ProviderMessageId);
        Assert.Equal("21211", result.ErrorCode);
        Assert.Equal("The 'To' number 5551234567 is not a valid phone number.", result.ErrorMessage);
    }

    [Fact]
    public async Task A_server_error_without_twilio_json_is_the_http_status_alone()
    {
        _twilio.Response = (503, "upstream unavailable", TimeSpan.Zero);
        var result = await _registry.Get("twilio").SendAsync(new OutboundMessage("sms", "+447700900123", "", "hi"), Settings(), default);

        Assert.False(result.Success);
        Assert.Equal("http_503", result.ErrorCode);
        Assert.Equal("HTTP 503", result.ErrorMessage); // what answered at the base URL is not repeated to the team
    }

    [Fact]
    public async Task Validate_fetches_the_account_with_the_same_auth()
    {
        _twilio.Response = (200, $$"""{"sid":"{{Sid}}","friendly_name":"Herald","status":"active","type":"Full"}""", TimeSpan.Zero);
        var result = await _registry.Get("twilio").ValidateAsync(Settings(), default);

        Assert.True(result.Ok, result.Error);
        var request = Assert.Single(_twilio.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal($"/2010-04-01/Accounts/{Sid}.json", request.Path);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Sid}:{Token}")), request.Authorization);
        Assert.Equal("", request.Body);
    }

    [Fact]
    public async Task Validate_reports_bad_credentials_and_suspended_accounts()
    {
        _twilio.Response = (401, """{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}""", TimeSpan.Zero);
        var unauthorized = await _registry.Get("twilio").ValidateAsync(Settings(), default);
        Assert.False(unauthorized.Ok);
        Assert.Equal("20003: Authenticate", unauthorized.Error);

        _twilio.Response = (200, $$"""{"sid":"{{Sid}}","status":"suspended"}""", TimeSpan.Zero);
        var suspended = await _registry.Get("twilio").ValidateAsync(Settings(), default);
        Assert.False(suspended.Ok);
        Assert.StartsWith("account_suspended: ", suspended.Error);
    }

    [Fact]
    public async Task A_slow_endpoint_is_a_timeout_and_a_closed_port_connect_failed()
    {
        _twilio.Response = (201, Created, TimeSpan.FromSeconds(10));
        var slow = await _registry.Get("twilio").SendAsync(new OutboundMessage("sms", "+447700900123", "", "hi"),
            Settings(("timeout_ms", "300")), default);
        Assert.False(slow.Success);
        Assert.Equal("timeout", slow.ErrorCode);
        Assert.InRange(slow.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));

        var closed = Settings(("base_url", $"http://127.0.0.1:{SmtpTestServer.FreePort()}"));
        var refused = await _registry.Get("twilio").SendAsync(new OutboundMessage("sms", "+447700900123", "", "hi"), closed, default);
        Assert.False(refused.Success);
        Assert.Equal("connect_failed", refused.ErrorCode);
        Assert.StartsWith("connect_failed: ", (await _registry.Get("twilio").ValidateAsync(closed, default)).Error);
    }

    [Theory]
    [InlineData("account_sid")]
    [InlineData("auth_token")]
    [InlineData("from")]
    public async Task A_missing_setting_is_config_invalid_and_names_it(string missing)
    {
        var settings = Settings();
        settings.Remove(missing);
        var result = await _registry.Get("twilio").SendAsync(new OutboundMessage("sms", "+447700900123", "", "hi"), settings, default);

        Assert.False(result.Success);
        Assert.Equal("config_invalid", result.ErrorCode);
        Assert.Contains($"'{missing}'", result.ErrorMessage);
        Assert.Empty(_twilio.Requests);
    }

    [Fact]
    public async Task Email_is_not_twilios_channel()
    {
        var result = await _registry.Get("twilio").SendAsync(new OutboundMessage("email", "a@example.com", "s", "b"), Settings(), default);
        Assert.Equal("unsupported_channel", result.ErrorCode);
        Assert.Empty(_twilio.Requests);
    }
}
