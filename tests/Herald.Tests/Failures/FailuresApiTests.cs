using System.Net;
using Herald.Storage.Sqlite;
using Herald.Tests.Api;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Failures;

/// <summary><c>/api/v1/failures</c> and the catalog endpoints: the seed's shape, limits, isolation, validation, the index.</summary>
public sealed class FailuresApiTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static readonly string Window = $"from={Kit.At(120)}&to={Kit.At(240)}"; // previous window: [0, 120) minutes

    private static object Failure(string itemId, string status, double minute, string? code, string? provider = null, string? country = null,
        string? campaign = null, string? kind = null, string? eventId = null) =>
        new Dictionary<string, object?>
        {
            ["event_id"] = eventId,
            ["item_id"] = itemId,
            ["kind"] = kind,
            ["status"] = status,
            ["occurred_at"] = Kit.At(minute),
            ["provider"] = provider,
            ["country"] = country,
            ["campaign"] = campaign,
            ["error_code"] = code,
        }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);

    /// <summary>Seed 003's error_trends: the 24 hours ending at the window's end against the 24 before, whatever the window.</summary>
    [Fact]
    public async Task Error_trends_count_the_last_two_days_before_the_window_end()
    {
        var (_, client) = await shared.NewTeamAsync();
        var rng = new Random(5);
        var minutes = new List<double>();
        var events = new List<object>();
        for (int i = 0; i < 120; i++)
        {
            double minute = rng.Next(-30 * 60, 22 * 60) + rng.Next(60) / 60.0;
            minutes.Add(minute);
            events.Add(Failure($"f-{i}", "failed", minute, rng.Next(2) == 0 ? "30003" : "21211", kind: "message"));
        }
        await Kit.Ingest(client, events);

        double from = 18 * 60, to = 20 * 60;
        var data = await Kit.GetData(client, $"/api/v1/failures?from={Kit.At(from)}&to={Kit.At(to)}");
        var trends = data["error_analysis"]!["error_trends"]!;
        long last = minutes.Count(m => m >= to - 1440 && m < to), previous = minutes.Count(m => m >= to - 2880 && m < to - 1440);
        Assert.Equal(last, trends["last_24h"]!.GetValue<long>());
        Assert.Equal(previous, trends["previous_24h"]!.GetValue<long>());
        double change = (last - previous) * 100.0 / previous;
        Assert.Equal(Math.Abs(change) <= 5 ? "stable" : change > 0 ? "increasing" : "decreasing", trends["trend_24h"]!.GetValue<string>());
        // The window's own figures stand beside them.
        Assert.Equal(minutes.Count(m => m >= from && m < to), trends["last_window"]!.GetValue<long>());
        Assert.Equal(minutes.Count(m => m >= from - 120 && m < from), trends["previous_window"]!.GetValue<long>());

        // A 24-hour window: the same counts both ways.
        var day = (await Kit.GetData(client, $"/api/v1/failures?from={Kit.At(to - 1440)}&to={Kit.At(to)}"))["error_analysis"]!["error_trends"]!;
        Assert.Equal(day["last_window"]!.GetValue<long>(), day["last_24h"]!.GetValue<long>());
        Assert.Equal(day["previous_window"]!.GetValue<long>(), day["previous_24h"]!.GetValue<long>());
        Assert.Equal(last, day["last_24h"]!.GetValue<long>());
    }

    [Fact]
    public async Task The_seed_shape_with_descriptions_resolutions_countries_and_trend()
    {
        var (_, client) = await shared.NewTeamAsync();
        var events = new List<object>();
        // The app reports each message with its dimensions; Twilio's callback names only the item and the code.
        void Message(string id, double minute, string country, string? code)
        {
            events.Add(Failure(id, "sent", minute, null, provider: "twilio", country: country, campaign: "spring", kind: "message"));
            events.Add(Failure(id, "undelivered", minute + 0.5, code));
        }
        for (int i = 0; i < 4; i++) Message($"m21211-{i}", 130 + i, i < 3 ? "US" : "CA", "21211");
        for (int i = 0; i < 2; i++) Message($"m21614-{i}", 150 + i, "US", "21614");
        Message("m30001", 160, "CA", "30001");
        Message("m-unknown-code", 161, "US", "77777");
        Message("m-no-code", 162, "US", null);
        events.Add(Failure("m-delivered", "sent", 163, null, provider: "twilio", country: "US", kind: "message"));
        events.Add(Failure("m-delivered", "delivered", 164, null));
        // Previous window: 20 failures, so 10 now is "decreasing".
        for (int i = 0; i < 20; i++) Message($"old-{i}", 10 + i, "US", "30003");
        await Kit.Ingest(client, events);

        var data = await Kit.GetData(client, $"/api/v1/failures?{Window}");
        Assert.Equal(9, data["total_failures"]!.GetValue<long>());
        Assert.Equal(20, data["previous_total_failures"]!.GetValue<long>());
        Assert.Equal("decreasing", data["trend"]!.GetValue<string>());
        Assert.Equal(-55.0, data["change_percent"]!.GetValue<double>());
        Assert.Equal(1, data["unknown_codes"]!.GetValue<long>());
        Assert.Equal(1, data["without_code"]!.GetValue<long>());
        Assert.Equal(Kit.At(120), data["window"]!["from"]!.GetValue<string>());
        Assert.Equal(Kit.At(0), data["previous_window"]!["from"]!.GetValue<string>());

        var analysis = data["error_analysis"]!;
        var b = analysis["error_breakdown"]!;
        Assert.Equal("Invalid 'To' phone number", b["21211"]!["description"]!.GetValue<string>());
        Assert.Equal("Validate E.164 format before sending", b["21211"]!["resolution"]!.GetValue<string>());
        Assert.Equal(4, b["21211"]!["count"]!.GetValue<long>());
        Assert.Equal(44.44, b["21211"]!["percentage"]!.GetValue<double>());
        Assert.Equal("invalid_number", b["21211"]!["category"]!.GetValue<string>());
        Assert.Equal("validation", b["21211"]!["group"]!.GetValue<string>());
        Assert.Equal("twilio", b["21211"]!["provider_family"]!.GetValue<string>());
        Assert.Equal("Verify mobile vs landline number type", b["21614"]!["resolution"]!.GetValue<string>());
        Assert.Equal("Queue overflow", b["30001"]!["description"]!.GetValue<string>());
        Assert.Equal("Reduce send rate or increase rate limits", b["30001"]!["resolution"]!.GetValue<string>());
        Assert.Equal("Unrecognized error code", b["77777"]!["description"]!.GetValue<string>());
        Assert.False(b["77777"]!["known"]!.GetValue<bool>());
        Assert.Equal(1, b["unknown"]!["count"]!.GetValue<long>());
        Assert.Null(b["30003"]); // only in the previous window

        var countries = analysis["top_error_countries"]!.AsArray();
        Assert.Equal("US", countries[0]!["country"]!.GetValue<string>());
        Assert.Equal(7, countries[0]!["error_count"]!.GetValue<long>());
        Assert.Equal("CA", countries[1]!["country"]!.GetValue<string>());
        Assert.Equal(2, countries[1]!["error_count"]!.GetValue<long>());
        Assert.Equal(9, analysis["error_trends"]!["last_window"]!.GetValue<long>());
        Assert.Equal(20, analysis["error_trends"]!["previous_window"]!.GetValue<long>());
        Assert.Equal("decreasing", analysis["error_trends"]!["trend"]!.GetValue<string>());

        var categories = data["by_category"]!.AsArray();
        Assert.Equal(8, categories.Count);
        Assert.Equal("invalid_number", categories[0]!["category"]!.GetValue<string>());
        Assert.Equal(6, categories[0]!["count"]!.GetValue<long>());
        var unreachable = categories.Single(c => c!["category"]!.GetValue<string>() == "unreachable")!;
        Assert.Equal(0, unreachable["count"]!.GetValue<long>());
        Assert.Equal(20, unreachable["previous_count"]!.GetValue<long>());
        Assert.Equal("decreasing", unreachable["trend"]!.GetValue<string>());
        var groups = data["by_group"]!.AsArray();
        Assert.Equal(["validation", "other", "rate_limit", "network"], groups.Select(g => g!["group"]!.GetValue<string>()));
        var provider = data["by_provider"]!.AsArray().Single()!;
        Assert.Equal("twilio", provider["provider"]!.GetValue<string>());
        Assert.Equal(9, provider["count"]!.GetValue<long>());
        Assert.Equal("spring", data["by_campaign"]![0]!["campaign"]!.GetValue<string>());

        // limit cuts the per-code, per-country and per-campaign lists, not the counts.
        var limited = await Kit.GetData(client, $"/api/v1/failures?{Window}&limit=2");
        Assert.Equal(2, limited["by_code"]!.AsArray().Count);
        Assert.Equal(2, limited["error_analysis"]!["error_breakdown"]!.AsObject().Count);
        Assert.Equal("21211", limited["by_code"]![0]!["code"]!.GetValue<string>());
        Assert.Equal(6, limited["distinct_codes"]!.GetValue<int>());
        Assert.Equal(9, limited["total_failures"]!.GetValue<long>());

        // Filters apply to the item's dimensions, which the callbacks never carried.
        var ca = await Kit.GetData(client, $"/api/v1/failures?{Window}&country=ca");
        Assert.Equal(2, ca["total_failures"]!.GetValue<long>());
        var none = await Kit.GetData(client, $"/api/v1/failures?{Window}&kind=call");
        Assert.Equal(0, none["total_failures"]!.GetValue<long>());
        Assert.Equal("stable", none["trend"]!.GetValue<string>());
        Assert.Empty(none["error_analysis"]!["error_breakdown"]!.AsObject());
    }

    [Fact]
    public async Task Failure_statuses_count_per_kind_and_codes_count_whatever_the_status()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.Ingest(client, new[]
        {
            Failure("c-1", "busy", 130, null, kind: "call", provider: "twilio"),
            Failure("c-2", "no-answer", 131, null, kind: "call"),
            Failure("c-3", "ringing", 132, null, kind: "call"),
            Failure("p-1", "cancelled", 133, null, kind: "parcel"),
            Failure("o-1", "expired", 134, "EXPIRED", kind: "otp", provider: "smpp-eu"),
            Failure("m-1", "sent", 135, "30008", kind: "message", provider: "twilio"), // a code on a non-failure status
            Failure("m-2", "delivered", 136, null, kind: "message"),
            Failure("m-3", "failed", 137, null, kind: "message", eventId: "dup"),
            Failure("m-3", "failed", 137, "21211", kind: "message", eventId: "dup"), // a duplicate: the first copy counts
        });
        var data = await Kit.GetData(client, $"/api/v1/failures?{Window}");
        Assert.Equal(6, data["total_failures"]!.GetValue<long>());
        Assert.Equal(4, data["without_code"]!.GetValue<long>());
        var codes = data["by_code"]!.AsArray().ToDictionary(c => $"{c!["provider_family"]}|{c["code"]}", c => c!["count"]!.GetValue<long>());
        Assert.Equal(new Dictionary<string, long> { ["twilio|unknown"] = 1, ["unknown|unknown"] = 3, ["smpp|EXPIRED"] = 1, ["twilio|30008"] = 1 },
            codes);
        var otp = await Kit.GetData(client, $"/api/v1/failures?{Window}&kind=otp");
        Assert.Equal("expired", otp["by_category"]![0]!["category"]!.GetValue<string>());
    }

    [Fact]
    public async Task Teams_see_only_their_failures()
    {
        var (teamA, a) = await shared.NewTeamAsync();
        var (teamB, b) = await shared.NewTeamAsync();
        await Kit.Ingest(a, new[] { Failure("same", "failed", 130, "21211", kind: "message", provider: "twilio") });
        await Kit.Ingest(b, new[]
        {
            Failure("same", "failed", 131, "30003", kind: "message", provider: "twilio"),
            Failure("other", "failed", 132, "30003", kind: "message", provider: "twilio"),
        });
        var dataA = await Kit.GetData(a, $"/api/v1/failures?{Window}");
        Assert.Equal(1, dataA["total_failures"]!.GetValue<long>());
        Assert.NotNull(dataA["error_analysis"]!["error_breakdown"]!["21211"]);
        Assert.Null(dataA["error_analysis"]!["error_breakdown"]!["30003"]);
        Assert.Equal(2, (await Kit.GetData(b, $"/api/v1/failures?{Window}"))["total_failures"]!.GetValue<long>());
        await Kit.AssertError(await a.GetAsync($"/api/v1/failures?{Window}&team={teamB}"), HttpStatusCode.Forbidden, code: "forbidden");
        var admin = shared.Server.Admin;
        Assert.Equal(2, (await Kit.GetData(admin, $"/api/v1/failures?{Window}&team={teamB}"))["total_failures"]!.GetValue<long>());
        Assert.Equal(1, (await Kit.GetData(admin, $"/api/v1/failures?{Window}&team={teamA}"))["total_failures"]!.GetValue<long>());

        using var writer = shared.Server.Client(await shared.Server.CreateKeyAsync(teamA, ["events:write"]));
        await Kit.AssertError(await writer.GetAsync($"/api/v1/failures?{Window}"), HttpStatusCode.Forbidden, code: "forbidden");
        await Kit.AssertError(await writer.GetAsync("/api/v1/failures/catalog"), HttpStatusCode.Forbidden, code: "forbidden");
    }

    public static TheoryData<string, string> BadQueries => new()
    {
        { $"/api/v1/failures?from={Kit.At(240)}&to={Kit.At(120)}", "from" },
        { $"/api/v1/failures?from=yesterday&to={Kit.At(120)}", "from" },
        { $"/api/v1/failures?{Window}&to=noon", "to" },
        { $"/api/v1/failures?{Window}&provder=twilio", "provder" },
        { $"/api/v1/failures?{Window}&kind=sms", "kind" },
        { $"/api/v1/failures?{Window}&provider=", "provider" },
        { $"/api/v1/failures?{Window}&limit=0", "limit" },
        { $"/api/v1/failures?{Window}&limit=101", "limit" },
        { $"/api/v1/failures?{Window}&limit=ten", "limit" },
        { $"/api/v1/failures?{Window}&limit=-1", "limit" },
        { $"/api/v1/failures?{Window}&granularity=hour", "granularity" },
        { "/api/v1/failures/catalog?family=nexmo", "family" },
        { "/api/v1/failures/catalog?provider=twilio", "provider" },
        { "/api/v1/failures/catalog/21211?family=twilio", "family" },
        { $"/api/v1/failures/catalog/{new string('9', 65)}", "code" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Bad_parameters_are_400_naming_the_parameter(string path, string field)
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.AssertError(await client.GetAsync(path), HttpStatusCode.BadRequest, field, "invalid_parameter");
    }

    [Fact]
    public async Task The_default_window_is_the_last_24_hours()
    {
        var (_, client) = await shared.NewTeamAsync();
        var now = DateTimeOffset.UtcNow;
        await Kit.Ingest(client, new[]
        {
            new { item_id = "recent", kind = "message", status = "failed", occurred_at = Kit.Format(now.AddHours(-1)), error_code = "30003", provider = "twilio" },
            new { item_id = "older", kind = "message", status = "failed", occurred_at = Kit.Format(now.AddHours(-30)), error_code = "30003", provider = "twilio" },
        });
        var data = await Kit.GetData(client, "/api/v1/failures");
        Assert.Equal(1, data["total_failures"]!.GetValue<long>());
        Assert.Equal(1, data["previous_total_failures"]!.GetValue<long>());
        Assert.Equal("stable", data["trend"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_catalog_lists_and_looks_up_codes()
    {
        var (_, client) = await shared.NewTeamAsync();
        var all = await Kit.GetData(client, "/api/v1/failures/catalog");
        Assert.Equal(["twilio", "whatsapp", "smpp", "email", "vonage", "herald"], all["families"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal(8, all["categories"]!.AsArray().Count);
        var sender = await Kit.GetData(client, "/api/v1/failures/catalog/connect_failed?provider=smtp");
        Assert.Equal("herald", sender["provider_family"]!.GetValue<string>());
        Assert.Equal("provider_error", sender["category"]!.GetValue<string>());
        Assert.True(all["codes"]!.AsArray().Count > 120);
        var twilio = (await Kit.GetData(client, "/api/v1/failures/catalog?family=twilio"))["codes"]!.AsArray();
        Assert.All(twilio, c => Assert.Equal("twilio", c!["provider_family"]!.GetValue<string>()));
        Assert.Contains(twilio, c => c!["code"]!.GetValue<string>() == "21211");

        var code = await Kit.GetData(client, "/api/v1/failures/catalog/21614");
        Assert.Equal("'To' number is not a valid mobile number", code["description"]!.GetValue<string>());
        Assert.True(code["known"]!.GetValue<bool>());
        var wa = await Kit.GetData(client, "/api/v1/failures/catalog/131047?provider=meta");
        Assert.Equal("whatsapp", wa["provider_family"]!.GetValue<string>());
        Assert.Equal("blocked", wa["category"]!.GetValue<string>());
        var smpp = await Kit.GetData(client, "/api/v1/failures/catalog/UNDELIV%3A001");
        Assert.Equal("unreachable", smpp["category"]!.GetValue<string>());
        var unknown = await Kit.GetData(client, "/api/v1/failures/catalog/ZZ-9?provider=vonage");
        Assert.False(unknown["known"]!.GetValue<bool>());
        Assert.Equal("ZZ-9", unknown["code"]!.GetValue<string>());
        Assert.Equal("other", unknown["category"]!.GetValue<string>());
    }

    [Fact]
    public void The_failure_scan_reads_only_the_partial_covering_index()
    {
        var store = shared.Server.Services.GetRequiredService<SqliteStore>();
        var plan = string.Join("\n", store.ExplainFailingEvents());
        Assert.Contains("USING COVERING INDEX ix_events_failures (team_id=? AND occurred_at>? AND occurred_at<?)", plan);
        Assert.DoesNotContain("SCAN e", plan);
    }

    [Fact]
    public void Migration_5_goes_down_and_up()
    {
        string dir = Path.Combine(Path.GetTempPath(), "herald-tests", Guid.NewGuid().ToString("n"));
        try
        {
            using (var store = new SqliteStore(Path.Combine(dir, "m.db")))
            {
                store.MigrateUp();
                Assert.True(HasIndex(store.Path));
                Assert.Contains(store.MigrateDown(4), m => m.Version == 5);
                Assert.False(HasIndex(store.Path));
                Assert.Contains(store.MigrateUp(), m => m.Version == 5);
                Assert.True(HasIndex(store.Path));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static bool HasIndex(string path)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_events_failures'";
        return Convert.ToInt64(cmd.ExecuteScalar()) == 1;
    }
}
