using System.Net;

namespace Herald.Tests.Api;

/// <summary>Query parameters of the metrics, items and recipient endpoints: each bad one is a 400 that names it.</summary>
public sealed class QueryValidationTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static readonly string From = Kit.Format(Kit.Day);
    private static readonly string To = Kit.Format(Kit.Day.AddDays(1));

    private async Task<HttpClient> TeamWithDataAsync()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.Ingest(client, new[]
        {
            Kit.Event("q-1", "sent", Kit.At(10), kind: "message", recipient: "+447700900123", provider: "twilio"),
            Kit.Event("q-1", "delivered", Kit.At(11), kind: "message"),
            Kit.Event("q-2", "sent", Kit.At(20), kind: "otp", recipient: "+447700900123", provider: "vonage"),
        });
        return client;
    }

    public static TheoryData<string, string> BadQueries => new()
    {
        // path and query, the field the error must name
        { $"/api/v1/metrics/summary?from={To}&to={From}", "from" },
        { $"/api/v1/metrics/summary?from={From}&to={From}", "from" },
        { $"/api/v1/metrics/summary?from={From}&to=2025-06-01", "to" },
        { $"/api/v1/metrics/summary?from={From}&to=tomorrow", "to" },
        { $"/api/v1/metrics/summary?from={From}&to={Kit.Format(Kit.Day.AddDays(1)).TrimEnd('Z')}", "to" },
        { $"/api/v1/metrics/summary?from=last-week&to={To}", "from" },
        { $"/api/v1/metrics/summary?from=1990-01-01T00:00:00Z&to={To}", "from" },
        { $"/api/v1/metrics/summary?{Kit.DayWindow}&provder=x", "provder" },
        { $"/api/v1/metrics/summary?{Kit.DayWindow}&granularity=hour", "granularity" },
        { $"/api/v1/metrics/summary?{Kit.DayWindow}&by=provider", "by" },
        { $"/api/v1/metrics/summary?{Kit.DayWindow}&kind=foo", "kind" },
        { $"/api/v1/metrics/summary?{Kit.DayWindow}&kind=message,foo", "kind" },
        { $"/api/v1/metrics/summary?{Kit.DayWindow}&provider=", "provider" },
        { $"/api/v1/metrics/timeseries?from={Kit.Format(Kit.Day.AddYears(-1))}&to={To}&granularity=minute", "granularity" },
        { $"/api/v1/metrics/timeseries?from={Kit.Format(Kit.Day.AddDays(-8))}&to={To}&granularity=minute", "granularity" },
        { $"/api/v1/metrics/timeseries?{Kit.DayWindow}&granularity=fortnight", "granularity" },
        { $"/api/v1/metrics/timeseries?{Kit.DayWindow}&granularity=Hour", "granularity" },
        { $"/api/v1/metrics/timeseries?{Kit.DayWindow}&granularity=hour&provder=x", "provder" },
        { $"/api/v1/metrics/timeseries?from={To}&to={From}&granularity=hour", "from" },
        { $"/api/v1/metrics/timeseries?{Kit.DayWindow}&granularity=hour&kind=foo", "kind" },
        { $"/api/v1/metrics/timeseries?{Kit.DayWindow}&granularity=hour&by=provider", "by" },
        { $"/api/v1/metrics/breakdown?{Kit.DayWindow}", "by" },
        { $"/api/v1/metrics/breakdown?{Kit.DayWindow}&by=", "by" },
        { $"/api/v1/metrics/breakdown?{Kit.DayWindow}&by=recipient", "by" },
        { $"/api/v1/metrics/breakdown?{Kit.DayWindow}&by=Provider", "by" },
        { $"/api/v1/metrics/breakdown?{Kit.DayWindow}&by=provider&provder=x", "provder" },
        { $"/api/v1/metrics/breakdown?{Kit.DayWindow}&by=provider&kind=foo", "kind" },
        { $"/api/v1/metrics/breakdown?{Kit.DayWindow}&by=provider&granularity=day", "granularity" },
        { $"/api/v1/metrics/breakdown?from={From}&to=noon&by=provider", "to" },
        { "/api/v1/recipients/%2B447700900123/history?limit=0", "limit" },
        { "/api/v1/recipients/%2B447700900123/history?limit=101", "limit" },
        { "/api/v1/recipients/%2B447700900123/history?limit=-5", "limit" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task A_bad_parameter_is_400_naming_it(string pathAndQuery, string field)
    {
        var client = await TeamWithDataAsync();
        var error = await Kit.AssertError(await client.GetAsync(pathAndQuery), HttpStatusCode.BadRequest, field: field, code: "invalid_parameter");
        Assert.Contains(field, error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_same_queries_with_good_parameters_answer_200()
    {
        var client = await TeamWithDataAsync();
        var summary = await Kit.Summary(client);
        Assert.Equal(2, Kit.Long(summary, "total"));
        Assert.Equal(From, summary["from"]!.GetValue<string>());
        Assert.Equal(To, summary["to"]!.GetValue<string>());

        Assert.Equal(1, Kit.Long(await Kit.Summary(client, "&provider=twilio"), "total"));
        Assert.Equal(2, Kit.Long(await Kit.Summary(client, "&kind=message,otp"), "total"));
        Assert.Equal(1, Kit.Long(await Kit.Summary(client, "&kind=otp"), "total"));

        // A week of minutes is the most a timeseries may hold.
        var week = await Kit.GetData(client, $"/api/v1/metrics/timeseries?from={Kit.Format(Kit.Day.AddDays(-6))}&to={To}&granularity=minute");
        Assert.Equal(7 * 1440, week["points"]!.AsArray().Count);
        var year = await Kit.GetData(client, $"/api/v1/metrics/timeseries?from={Kit.Format(Kit.Day.AddYears(-1))}&to={To}&granularity=day");
        Assert.Equal(2, year["points"]!.AsArray().Sum(p => Kit.Long(p!, "total")));
        var hours = await Kit.GetData(client, $"/api/v1/metrics/timeseries?{Kit.DayWindow}");
        Assert.Equal("hour", hours["granularity"]!.GetValue<string>());
        Assert.Equal(24, hours["points"]!.AsArray().Count);

        var rows = (await Kit.GetData(client, $"/api/v1/metrics/breakdown?by=provider&{Kit.DayWindow}"))["rows"]!.AsArray();
        Assert.Equal(["twilio", "vonage"], rows.Select(r => r!["key"]!.GetValue<string>()).Order().ToArray());

        var history = (await Kit.GetData(client, "/api/v1/recipients/%2B447700900123/history?limit=1")).AsArray();
        Assert.Single(history);
        history = (await Kit.GetData(client, "/api/v1/recipients/%2B447700900123/history?limit=100")).AsArray();
        Assert.Equal(2, history.Count);
    }

    [Fact]
    public async Task Timestamps_are_truncated_to_whole_minutes()
    {
        var client = await TeamWithDataAsync();
        var data = await Kit.GetData(client,
            $"/api/v1/metrics/summary?from={Kit.Format(Kit.Day.AddSeconds(59))}&to={Kit.Format(Kit.Day.AddMinutes(10).AddSeconds(30))}");
        Assert.Equal(From, data["from"]!.GetValue<string>());
        Assert.Equal(Kit.At(10), data["to"]!.GetValue<string>());
        // [00:00, 00:10) excludes the item sent at 00:10.
        Assert.Equal(0, Kit.Long(data, "total"));
    }

    [Fact]
    public async Task An_unknown_item_is_404()
    {
        var client = await TeamWithDataAsync();
        var response = await client.GetAsync("/api/v1/items/no-such-item");
        await Kit.AssertError(response, HttpStatusCode.NotFound, code: "not_found");
        Assert.NotNull(await Kit.Item(client, "q-1"));
    }

    [Fact]
    public async Task An_unknown_team_for_the_admin_key_is_400_naming_team()
    {
        var response = await shared.Server.Admin.GetAsync($"/api/v1/metrics/summary?{Kit.DayWindow}&team=no-such-team");
        await Kit.AssertError(response, HttpStatusCode.BadRequest, field: "team");
    }

    [Theory]
    [InlineData("/api/v1/recipients/%2B447700900123/history?limit=abc", "limit")]
    [InlineData("/api/v1/recipients/%2B447700900123/history?limit=99999999999", "limit")]
    public async Task A_parameter_that_is_not_a_number_is_400_naming_it(string pathAndQuery, string field)
    {
        var client = await TeamWithDataAsync();
        await Kit.AssertError(await client.GetAsync(pathAndQuery), HttpStatusCode.BadRequest, field: field);
    }
}
