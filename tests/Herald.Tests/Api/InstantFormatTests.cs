using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Herald.Tests.Api;

/// <summary>Every time in an answer is UTC with <c>Z</c>, with milliseconds only when they are not zero.</summary>
public sealed class InstantFormatTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const string Pattern = @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d\d\d)?Z$";

    [Fact]
    public async Task Event_times_keep_their_milliseconds_and_whole_seconds_have_none()
    {
        var (_, client) = await shared.NewTeamAsync();
        string withMilliseconds = Kit.Format(Kit.Day.AddMinutes(10)).Replace("Z", ".250Z");
        string inParis = Kit.Day.AddMinutes(11).ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ss'.000'zzz");
        await Kit.Ingest(client, new[]
        {
            Kit.Event("t-1", "sent", withMilliseconds, eventId: "e-1"),
            Kit.Event("t-1", "delivered", inParis, eventId: "e-2"),
        });

        var item = (await Kit.Item(client, "t-1"))!;
        var events = item["events"]!.AsArray();
        Assert.Equal(withMilliseconds, events[0]!["occurred_at"]!.GetValue<string>());
        Assert.Equal(Kit.At(11), events[1]!["occurred_at"]!.GetValue<string>());
        Assert.Equal(withMilliseconds, item["earliest_at"]!.GetValue<string>());
        Assert.Equal(Kit.At(11), item["delivered_at"]!.GetValue<string>());
        foreach (var e in events) AssertInstant(e!["received_at"]);

        var summary = await Kit.Summary(client);
        Assert.Equal(Kit.Format(Kit.Day), summary["from"]!.GetValue<string>());
        var points = (await Kit.GetData(client, $"/api/v1/metrics/timeseries?{Kit.DayWindow}&granularity=hour"))["points"]!.AsArray();
        Assert.Equal(Kit.Format(Kit.Day.AddHours(1)), points[1]!["timestamp"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_time_given_in_a_body_comes_back_in_utc()
    {
        var (teamId, _) = await shared.NewTeamAsync();
        var expires = new DateTimeOffset(DateTime.UtcNow.Date.AddYears(2), TimeSpan.Zero);
        var created = await CreateKeyAsync(teamId, expires.ToOffset(TimeSpan.FromHours(1)).ToString("yyyy-MM-dd'T'HH:mm:ss'.500'zzz"));
        Assert.Equal(Kit.Format(expires).Replace("Z", ".500Z"), created["expires_at"]!.GetValue<string>());
        AssertInstant(created["created_at"]);

        created = await CreateKeyAsync(teamId, Kit.Format(expires));
        Assert.Equal(Kit.Format(expires), created["expires_at"]!.GetValue<string>());
    }

    private async Task<JsonNode> CreateKeyAsync(string teamId, string expiresAt)
    {
        var response = await shared.Server.Admin.PostAsJsonAsync("/api/v1/keys",
            new { team_id = teamId, name = "expiring", scopes = new[] { "metrics:read" }, expires_at = expiresAt });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!["data"]!;
    }

    private static void AssertInstant(JsonNode? value)
    {
        string text = value!.GetValue<string>();
        Assert.Matches(Pattern, text);
        Assert.DoesNotContain(".000Z", text);
    }
}
