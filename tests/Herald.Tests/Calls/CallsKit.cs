using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Deliveries;
using Herald.Tests.Support;
using Herald.Webhooks;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Calls;

/// <summary>A server whose outbound guard and recording allow-list both name 127.0.0.1 (where the fake Twilio listens), retrying fast.</summary>
public sealed class CallsServer : SharedServer
{
    protected override Dictionary<string, string?> Settings => new()
    {
        [Herald.Outbound.OutboundPolicy.AllowListSetting] = "127.0.0.1",
        ["Herald:Recordings:AllowedHosts"] = "127.0.0.1,127.0.0.2",
        ["Herald:Recordings:RetryBackoff"] = "00:00:00.100",
        ["Herald:Recordings:MaxAttempts"] = "2",
    };
}

/// <summary>A delivery team whose Twilio account is the fake's, with its webhook token.</summary>
internal sealed class CallTeam(DeliveryTeam team, string webhookToken, FakeTwilioVoice twilio)
{
    public DeliveryTeam Team { get; } = team;
    public HttpClient Client => Team.Client;
    public string WebhookToken { get; } = webhookToken;
    public FakeTwilioVoice Twilio { get; } = twilio;

    public static async Task<CallTeam> CreateAsync(HeraldServer server, FakeTwilioVoice twilio)
    {
        var team = await DeliveryTeam.CreateAsync(server, [.. AllScopes, "events:write"]);
        string token = S(await Ok(await team.Client.PostAsync($"/api/v1/teams/{team.Id}/webhook-token/rotate", null)), "webhook_token");
        await Ok(await team.Client.PutAsJsonAsync("/api/v1/delivery-settings", new
        {
            twilio = new { account_sid = twilio.AccountSid, auth_token = twilio.AuthToken, from_number = "+14155550100", base_url = twilio.BaseUrl },
        }));
        return new CallTeam(team, token, twilio);
    }

    /// <summary>A customer (callable at any time unless preferences say otherwise) and an open delivery of theirs.</summary>
    public async Task<(JsonNode Customer, JsonNode Delivery)> CustomerAndDelivery(object? preferences = null)
    {
        var customer = await Team.Customer(preferences);
        var delivery = await Team.Delivery(S(customer, "id"));
        return (customer, delivery);
    }

    public async Task<JsonNode> Call(string deliveryId) =>
        await Created(await Client.PostAsJsonAsync($"/api/v1/deliveries/{deliveryId}/call", new { }));

    /// <summary>Posts a Twilio form callback to Herald, signed with <paramref name="authToken"/> when given.</summary>
    public async Task<HttpResponseMessage> PostCallback(string provider, (string, string)[] fields, string? authToken = null)
    {
        string path = $"/webhooks/{provider}/{WebhookToken}";
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2))),
        };
        if (authToken is not null)
            request.Headers.Add("X-Twilio-Signature", WebhookSignatures.TwilioSignature(authToken, new Uri(Team.Server.BaseAddress, path).AbsoluteUri, WebhookForm.Of(fields).Pairs));
        using var http = Team.Server.Client(null);
        return await http.SendAsync(request);
    }

    /// <summary>Twilio's RecordingStatusCallback fields for a completed recording of the call.</summary>
    public static (string, string)[] RecordingForm(string callSid, string recordingSid, string url, int duration = 3) =>
    [
        ("AccountSid", "AC" + new string('0', 32)), ("CallSid", callSid), ("RecordingSid", recordingSid), ("RecordingUrl", url),
        ("RecordingStatus", "completed"), ("RecordingDuration", duration.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("RecordingChannels", "1"), ("RecordingSource", "RecordVerb"),
    ];

    /// <summary>Polls the recording until its processing ends (completed or failed).</summary>
    public async Task<JsonNode> Processed(string recordingId, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var r = await Kit.GetData(Client, $"/api/v1/recordings/{recordingId}");
            if (S(r, "processing_status") is "completed" or "failed") return r;
            Assert.True(DateTime.UtcNow < deadline, $"recording {recordingId} still {S(r, "processing_status")}: {r.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    /// <summary>The only recording of a delivery.</summary>
    public async Task<JsonNode> RecordingOf(string deliveryId)
    {
        var list = (await Kit.GetData(Client, $"/api/v1/recordings?delivery_id={deliveryId}"))["recordings"]!.AsArray();
        Assert.Single(list);
        return list[0]!;
    }
}
