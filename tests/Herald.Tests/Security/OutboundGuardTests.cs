using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Herald.Outbound;
using Herald.Senders;
using Herald.Tests.Senders;
using Herald.Tests.Support;

namespace Herald.Tests.Security;

/// <summary>
/// The outbound guard: what it counts as internal, the operator's allow-list, and the senders a team points somewhere
/// (Twilio's base URL, an SMTP host) refused on loopback without it, with nothing arriving and nothing revealed.
/// </summary>
public sealed class OutboundGuardTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.254")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.251")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("64:ff9b::a00:1")]
    public void Internal_addresses_are_refused_without_the_allow_list(string address)
    {
        Assert.True(OutboundPolicy.IsInternal(IPAddress.Parse(address)));
        Assert.False(OutboundPolicy.Default.Allows(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    public void Public_addresses_are_allowed(string address)
    {
        Assert.False(OutboundPolicy.IsInternal(IPAddress.Parse(address)));
        Assert.True(OutboundPolicy.Default.Allows(IPAddress.Parse(address)));
    }

    [Fact]
    public void The_allow_list_opens_named_addresses_ranges_and_hosts_and_nothing_else()
    {
        var policy = OutboundPolicy.Parse(" 127.0.0.1, 10.20.0.0/16 ,[::1], Alerts.Internal ");
        Assert.True(policy.Allows(IPAddress.Parse("127.0.0.1")));
        Assert.True(policy.Allows(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.False(policy.Allows(IPAddress.Parse("127.0.0.2")));
        Assert.True(policy.Allows(IPAddress.Parse("10.20.255.1")));
        Assert.False(policy.Allows(IPAddress.Parse("10.21.0.1")));
        Assert.True(policy.Allows(IPAddress.Parse("::1")));
        Assert.False(policy.Allows(IPAddress.Parse("192.168.0.1")));
        Assert.True(policy.NamesHost("alerts.internal."));
        Assert.False(policy.NamesHost("other.internal"));
        Assert.False(OutboundPolicy.Default.NamesHost("localhost"));
    }

    [Theory]
    [InlineData("10.0.0.0/x")]
    [InlineData("10.0.0.0/33")]
    [InlineData("not a host")]
    public async Task A_malformed_allow_list_entry_stops_the_server_naming_it(string entry)
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => HeraldServer.StartAsync(new() { [OutboundPolicy.AllowListSetting] = "127.0.0.1," + entry }));
        Assert.Contains($"'{entry}'", e.Message);
        Assert.Contains(OutboundPolicy.AllowListSetting, e.Message);
    }

    [Fact]
    public async Task Twilio_on_loopback_is_refused_without_the_allow_list_and_receives_nothing()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var sender = SenderTestKit.Registry().Get("twilio");
        string port = new Uri(twilio.BaseUrl).Port.ToString(CultureInfo.InvariantCulture);
        foreach (var baseUrl in new[] { twilio.BaseUrl, twilio.BaseUrl.Replace("127.0.0.1", "localhost") })
        {
            var settings = new Dictionary<string, string>
            {
                ["account_sid"] = "AC0123456789abcdef0123456789abcdef", ["auth_token"] = "token", ["from"] = "+15005550006", ["base_url"] = baseUrl,
            };
            var sent = await sender.SendAsync(new OutboundMessage("sms", "+447700900123", "", "hi"), settings, default);
            Assert.Equal(SendErrorCodes.ConnectFailed, sent.ErrorCode);
            Assert.Equal("cannot reach Twilio: " + OutboundFailure.NotAllowed, sent.ErrorMessage);
            var validated = await sender.ValidateAsync(settings, default);
            Assert.False(validated.Ok);
            Assert.DoesNotContain(port, validated.Error);
            Assert.DoesNotContain("127.0.0.1", validated.Error);
        }
        Assert.Empty(twilio.Requests);
    }

    [Fact]
    public async Task Smtp_on_loopback_is_refused_without_the_allow_list_and_no_connection_arrives()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            string port = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
            var settings = new Dictionary<string, string> { ["host"] = "localhost", ["port"] = port, ["from"] = "otp@herald.test" };
            var smtp = SenderTestKit.Registry().Get("smtp");

            var sent = await smtp.SendAsync(new OutboundMessage("email", "ana@example.com", "s", "b"), settings, default);
            Assert.Equal(SendErrorCodes.ConnectFailed, sent.ErrorCode);
            Assert.Equal("cannot connect to the SMTP server: " + OutboundFailure.NotAllowed, sent.ErrorMessage);
            await Task.Delay(200);
            Assert.False(listener.Pending());
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Validating_an_otp_service_pointed_inside_answers_no_address_and_reaches_nothing()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        await using var server = await HeraldServer.StartAsync();
        var (team, _) = await server.CreateTeamAsync("outbound-guard");
        string port = new Uri(twilio.BaseUrl).Port.ToString(CultureInfo.InvariantCulture);
        await Otp.OtpKit.ConfigureAsync(server, team, "twilio", new
        {
            enabled = true,
            settings = new Dictionary<string, string>
            {
                ["account_sid"] = "AC0123456789abcdef0123456789abcdef", ["auth_token"] = "token", ["from"] = "+15005550006", ["base_url"] = twilio.BaseUrl,
            },
        });

        var validated = await HeraldServer.ReadData(await server.Admin.PostAsync($"/api/v1/otp/services/twilio/validate?team={team}", null));
        Assert.False(validated["validation_ok"]!.GetValue<bool>());
        Assert.Equal("connect_failed: cannot reach Twilio: " + OutboundFailure.NotAllowed, validated["validation_error"]!.GetValue<string>());
        Assert.DoesNotContain(port, validated["validation_error"]!.GetValue<string>());
        Assert.Empty(twilio.Requests);
    }
}
