using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Otp;

/// <summary>Shortcuts of the OTP tests: configure a team's services, issue codes, read the delivery metrics.</summary>
internal static class OtpKit
{
    /// <summary>A loopback port nothing listens on: a service pointed there fails to connect, as a real outage does.</summary>
    public static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static async Task ConfigureAsync(HeraldServer server, string teamId, string name, object body)
    {
        var response = await server.Admin.PutAsync($"/api/v1/otp/services/{name}?team={teamId}", HeraldServer.Json(body));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PUT service {name}: {(int)response.StatusCode} {text}");
    }

    /// <summary>Twilio pointed at a closed port: every send fails with connect_failed.</summary>
    public static Task BrokenTwilioAsync(HeraldServer server, string teamId, int priority = 1) =>
        ConfigureAsync(server, teamId, "twilio", new
        {
            enabled = true,
            priority,
            settings = new Dictionary<string, string>
            {
                ["account_sid"] = "AC00000000000000000000000000000000",
                ["auth_token"] = "secret-token",
                ["from"] = "+15005550006",
                ["base_url"] = $"http://127.0.0.1:{ClosedPort()}",
                ["timeout_ms"] = "2000",
            },
        });

    public static Task ConsoleAsync(HeraldServer server, string teamId, int priority = 2) =>
        ConfigureAsync(server, teamId, "console", new { enabled = true, priority });

    public static Task<HttpResponseMessage> IssueAsync(HttpClient client, string userId, string channel, string recipient) =>
        client.PostAsync("/api/v1/otp", HeraldServer.Json(new { user_id = userId, channel, recipient }));

    public static async Task<JsonNode> IssueOkAsync(HttpClient client, string userId, string channel, string recipient)
    {
        var response = await IssueAsync(client, userId, channel, recipient);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /api/v1/otp: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!["data"]!;
    }

    public static async Task<JsonNode> VerifyAsync(HttpClient client, string deliveryId, string code)
    {
        var response = await client.PostAsync("/api/v1/otp/verify", HeraldServer.Json(new { delivery_id = deliveryId, code }));
        return await HeraldServer.ReadData(response);
    }

    public static Task<JsonNode> Get(HttpClient client, string path) => Kit.GetData(client, path);
}
