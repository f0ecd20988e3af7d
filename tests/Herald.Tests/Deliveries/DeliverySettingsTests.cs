using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Herald.Tests.Api;
using Herald.Tests.Support;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Deliveries;

/// <summary><c>/api/v1/delivery-settings</c>: the team's Twilio account (its auth token kept, never answered), capacity and retry wait.</summary>
public sealed class DeliverySettingsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const string Sid = "AC0123456789abcdef0123456789abcdef";
    private const string Token = "tw-auth-7f3c9e1d2b4a";

    private HeraldServer Server => shared.Server;

    /// <summary>The team's settings row as stored (sealed: opened here with the server's field protector).</summary>
    private string? StoredTwilio(DeliveryTeam team) => Server.Services.GetRequiredService<Herald.Storage.Sqlite.SqliteStore>().Fields.Open(
        Server.StoredValue("SELECT s.twilio FROM delivery_settings s JOIN teams t ON t.id = s.team_id WHERE t.public_id = $team", ("$team", team.Id)));

    [Fact]
    public async Task The_twilio_auth_token_is_kept_but_never_answered_and_omitted_fields_keep_their_value()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        var defaults = await Kit.GetData(team.Client, "/api/v1/delivery-settings");
        Assert.Null(defaults["twilio"]);
        Assert.Null(defaults["updated_at"]);
        int defaultCapacity = defaults["max_active_deliveries"]!.GetValue<int>();

        var put = await team.Client.PutAsJsonAsync("/api/v1/delivery-settings", new
        {
            twilio = new { account_sid = Sid, auth_token = Token, from_number = "+1 415 555 0100", base_url = "http://127.0.0.1:9/" },
            retry_backoff_minutes = 45,
        });
        string answered = await put.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.DoesNotContain(Token, answered);
        var saved = System.Text.Json.Nodes.JsonNode.Parse(answered)!["data"]!;
        Assert.Equal((Sid, "********", "+14155550100", "http://127.0.0.1:9"),
            (S(saved["twilio"]!, "account_sid"), S(saved["twilio"]!, "auth_token"), S(saved["twilio"]!, "from_number"), S(saved["twilio"]!, "base_url")));
        Assert.Equal((defaultCapacity, 45), (saved["max_active_deliveries"]!.GetValue<int>(), saved["retry_backoff_minutes"]!.GetValue<int>()));
        Assert.Contains(Token, StoredTwilio(team));
        Assert.DoesNotContain(Token, await team.Client.GetStringAsync("/api/v1/delivery-settings"));

        // Sending the mask back (what a client that read the settings does) or leaving the token out keeps it.
        await Ok(await team.Client.PutAsJsonAsync("/api/v1/delivery-settings", new { twilio = new { account_sid = Sid, auth_token = "********" }, max_active_deliveries = 4 }));
        Assert.Contains(Token, StoredTwilio(team));
        var kept = await Ok(await team.Client.PutAsJsonAsync("/api/v1/delivery-settings", new { twilio = new { from_number = "+14155550199" } }));
        Assert.Equal(("+14155550199", 4, 45), (S(kept["twilio"]!, "from_number"), kept["max_active_deliveries"]!.GetValue<int>(), kept["retry_backoff_minutes"]!.GetValue<int>()));
        Assert.Contains(Token, StoredTwilio(team));
        // A new token replaces it.
        await Ok(await team.Client.PutAsJsonAsync("/api/v1/delivery-settings", new { twilio = new { auth_token = "tw-auth-rotated" } }));
        Assert.Contains("tw-auth-rotated", StoredTwilio(team));
        Assert.DoesNotContain(Token, StoredTwilio(team));

        // Another team sees only its own (the defaults).
        var other = await DeliveryTeam.CreateAsync(Server);
        Assert.Null((await Kit.GetData(other.Client, "/api/v1/delivery-settings"))["twilio"]);
    }

    [Fact]
    public async Task A_bad_setting_is_a_400_naming_it_and_nothing_changes()
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        await Ok(await team.Client.PutAsJsonAsync("/api/v1/delivery-settings", new
        {
            twilio = new { account_sid = Sid, auth_token = Token, from_number = "+14155550100" },
            max_active_deliveries = 3,
        }));
        string before = (await Kit.GetData(team.Client, "/api/v1/delivery-settings")).ToJsonString();
        string storedBefore = StoredTwilio(team)!;

        var bad = new (string Body, string Field)[]
        {
            ("""{"max_active_deliveries":0}""", "max_active_deliveries"),
            ("""{"max_active_deliveries":1001}""", "max_active_deliveries"),
            ("""{"max_active_deliveries":"5"}""", "max_active_deliveries"),
            ("""{"retry_backoff_minutes":-1}""", "retry_backoff_minutes"),
            ("""{"twilio":{"account_sid":"AB0123"}}""", "twilio.account_sid"),
            ("""{"twilio":{"from_number":"12"}}""", "twilio.from_number"),
            ("""{"twilio":{"base_url":"ftp://api.twilio.com"}}""", "twilio.base_url"),
            ("""{"twilio":{"auth_token":""}}""", "twilio.auth_token"),
            ("""{"max_active_deliveries":2,"twilio":{"region":"ie1"}}""", "twilio.region"),
            ("""{"capacity":2}""", "capacity"),
        };
        foreach (var (body, field) in bad)
        {
            var response = await team.Client.PutAsync("/api/v1/delivery-settings", new StringContent(body, Encoding.UTF8, "application/json"));
            await Kit.AssertError(response, HttpStatusCode.BadRequest, field);
        }
        Assert.Equal(before, (await Kit.GetData(team.Client, "/api/v1/delivery-settings")).ToJsonString());
        Assert.Equal(storedBefore, StoredTwilio(team));

        // A team without Twilio yet must give the whole account.
        var fresh = await DeliveryTeam.CreateAsync(Server);
        await Kit.AssertError(await fresh.Client.PutAsJsonAsync("/api/v1/delivery-settings", new { twilio = new { account_sid = Sid } }),
            HttpStatusCode.BadRequest, "twilio.auth_token");
        // Reading the settings does not let a key change them.
        var reader = await DeliveryTeam.CreateAsync(Server, "deliveries:read");
        await Kit.AssertError(await reader.Client.PutAsJsonAsync("/api/v1/delivery-settings", new { max_active_deliveries = 9 }), HttpStatusCode.Forbidden);
    }
}
