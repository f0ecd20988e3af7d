using System.Net;
using System.Text;
using Herald.Tests.Support;

namespace Herald.Tests.Api;

/// <summary>POST /api/v1/events: each event judged alone, whole-request errors, duplicates, derived country, out-of-order events.</summary>
public sealed class IngestValidationTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private HeraldServer Server => shared.Server;

    private static string Valid(string itemId, int minute) =>
        $$"""{"item_id":"{{itemId}}","kind":"message","status":"sent","occurred_at":"{{Kit.At(minute)}}","channel":"sms"}""";

    /// <summary>(case name, the bad event with {T}/{TNOZ}/{FUTURE} placeholders, a fragment of the expected error).</summary>
    public static TheoryData<string, string, string> BadEvents => new()
    {
        { "missing item_id", """{"status":"sent","occurred_at":"{T}"}""", "item_id is required" },
        { "empty item_id", """{"item_id":"","status":"sent","occurred_at":"{T}"}""", "item_id must not be empty" },
        { "item_id not a string", """{"item_id":42,"status":"sent","occurred_at":"{T}"}""", "item_id must be a string" },
        { "missing status", """{"item_id":"bad","occurred_at":"{T}"}""", "status is required" },
        { "unknown status", """{"item_id":"bad","status":"teleported","occurred_at":"{T}"}""", "status 'teleported' is not a known status" },
        { "status not of the kind", """{"item_id":"bad","kind":"call","status":"delivered","occurred_at":"{T}"}""", "status 'delivered' is not a status of kind 'call'" },
        { "parcel status on otp", """{"item_id":"bad","kind":"otp","status":"in_transit","occurred_at":"{T}"}""", "is not a status of kind 'otp'" },
        { "unknown kind", """{"item_id":"bad","kind":"pigeon","status":"sent","occurred_at":"{T}"}""", "kind 'pigeon'" },
        { "occurred_at missing", """{"item_id":"bad","status":"sent"}""", "occurred_at is required" },
        { "occurred_at not RFC 3339", """{"item_id":"bad","status":"sent","occurred_at":"yesterday at noon"}""", "occurred_at must be an RFC 3339 timestamp" },
        { "occurred_at date only", """{"item_id":"bad","status":"sent","occurred_at":"2025-06-01"}""", "occurred_at must be an RFC 3339 timestamp" },
        { "occurred_at without zone", """{"item_id":"bad","status":"sent","occurred_at":"{TNOZ}"}""", "occurred_at must be an RFC 3339 timestamp" },
        { "occurred_at without zone, fraction", """{"item_id":"bad","status":"sent","occurred_at":"{TNOZ}.123"}""", "occurred_at must be an RFC 3339 timestamp" },
        { "occurred_at unix number", """{"item_id":"bad","status":"sent","occurred_at":1750000000}""", "occurred_at must be a string" },
        { "occurred_at > 24 h in the future", """{"item_id":"bad","status":"sent","occurred_at":"{FUTURE}"}""", "more than 24 hours in the future" },
        { "occurred_at before 2000", """{"item_id":"bad","status":"sent","occurred_at":"1999-12-31T23:59:00Z"}""", "before 2000-01-01" },
        { "bad channel", """{"item_id":"bad","status":"sent","occurred_at":"{T}","channel":"fax"}""", "channel 'fax'" },
        { "bad direction", """{"item_id":"bad","status":"sent","occurred_at":"{T}","direction":"sideways"}""", "direction 'sideways'" },
        { "country USA", """{"item_id":"bad","status":"sent","occurred_at":"{T}","country":"USA"}""", "country" },
        { "country not letters", """{"item_id":"bad","status":"sent","occurred_at":"{T}","country":"1A"}""", "country must be an ISO 3166 alpha-2 code" },
        { "negative cost", """{"item_id":"bad","status":"sent","occurred_at":"{T}","cost":-0.01}""", "cost must be a number from 0 to 1000000000" },
        { "cost as text", """{"item_id":"bad","status":"sent","occurred_at":"{T}","cost":"0.05"}""", "cost must be a number from 0 to 1000000000" },
        { "cost 1.7e308", """{"item_id":"bad","status":"sent","occurred_at":"{T}","cost":1.7e308}""", "cost must be a number from 0 to 1000000000" },
        { "cost over the cap", """{"item_id":"bad","status":"sent","occurred_at":"{T}","cost":1000000000.01}""", "cost must be a number from 0 to 1000000000" },
        { "cost beyond a double", """{"item_id":"bad","status":"sent","occurred_at":"{T}","cost":1e400}""", "cost must be a number from 0 to 1000000000" },
        { "lone surrogate in item_id", """{"item_id":"bad\ud800","status":"sent","occurred_at":"{T}"}""", "item_id holds an escaped lone UTF-16 surrogate" },
        { "lone low surrogate in text", """{"item_id":"bad","status":"sent","occurred_at":"{T}","text":"a\udc00b"}""", "text holds an escaped lone UTF-16 surrogate" },
        { "lone surrogate in metadata", """{"item_id":"bad","status":"sent","occurred_at":"{T}","metadata":{"k":["\ud83d"]}}""", "metadata holds an escaped lone UTF-16 surrogate" },
        { "lone surrogate in a field name", """{"item_id":"bad","status":"sent","occurred_at":"{T}","\ud800":1}""", "a field name holds an escaped lone UTF-16 surrogate" },
        { "attempt 0", """{"item_id":"bad","status":"sent","occurred_at":"{T}","attempt":0}""", "attempt must be an integer from 1 to 1000" },
        { "attempt 1.5", """{"item_id":"bad","status":"sent","occurred_at":"{T}","attempt":1.5}""", "attempt must be an integer from 1 to 1000" },
        { "metadata array", """{"item_id":"bad","status":"sent","occurred_at":"{T}","metadata":[1,2]}""", "metadata must be a JSON object" },
        { "metadata string", """{"item_id":"bad","status":"sent","occurred_at":"{T}","metadata":"x"}""", "metadata must be a JSON object" },
        { "event_id with control char", """{"event_id":"ev\u0001x","item_id":"bad","status":"sent","occurred_at":"{T}"}""", "event_id must not contain control characters" },
        { "event_id with unit separator", """{"event_id":"\u001F1:2:3","item_id":"bad","status":"sent","occurred_at":"{T}"}""", "event_id must not contain control characters" },
        { "item_id with newline", """{"item_id":"bad\nline","status":"sent","occurred_at":"{T}"}""", "item_id must not contain control characters" },
        { "not an object", """42""", "an event must be a JSON object" },
    };

    [Theory]
    [MemberData(nameof(BadEvents))]
    public async Task A_bad_event_is_rejected_alone_and_stores_nothing(string name, string badTemplate, string expectedError)
    {
        var (_, client) = await shared.NewTeamAsync();
        string bad = badTemplate
            .Replace("{TNOZ}", Kit.At(90).TrimEnd('Z'))
            .Replace("{T}", Kit.At(90))
            .Replace("{FUTURE}", Kit.Format(DateTimeOffset.UtcNow.AddHours(26)));
        string body = $"[{Valid("ok-0", 10)},{bad},{Valid("ok-2", 20)}]";

        var data = await Kit.Ingest(client, body);

        Assert.Equal(2, Kit.Int(data, "accepted"));
        Assert.Equal(0, Kit.Int(data, "duplicates"));
        var rejected = data["rejected"]!.AsArray();
        Assert.Single(rejected);
        Assert.Equal(1, Kit.Int(rejected[0]!, "index"));
        string error = rejected[0]!["error"]!.GetValue<string>();
        Assert.True(error.Contains(expectedError, StringComparison.Ordinal), $"{name}: error '{error}' lacks '{expectedError}'");

        // The rejected event stored nothing; the valid ones of the same request were stored.
        Assert.Null(await Kit.Item(client, "bad"));
        Assert.Null(await Kit.Item(client, "bad\nline"));
        Assert.NotNull(await Kit.Item(client, "ok-0"));
        Assert.NotNull(await Kit.Item(client, "ok-2"));
        var summary = await Kit.Summary(client);
        Assert.Equal(2, Kit.Long(summary, "total"));
        Assert.Equal(2, Kit.Long(summary, "events"));
        // The future event was not stored under a later window either.
        var wide = await Kit.GetData(client,
            $"/api/v1/metrics/summary?from={Kit.Format(Kit.Day.AddDays(-30))}&to={Kit.Format(DateTimeOffset.UtcNow.AddDays(3))}");
        Assert.Equal(2, Kit.Long(wide, "total"));
    }

    [Fact]
    public async Task Several_bad_events_are_reported_by_index_in_order()
    {
        var (_, client) = await shared.NewTeamAsync();
        string body = $$"""
            [{"item_id":"x"},{{Valid("ok-1", 1)}},{"item_id":"y","status":"nope","occurred_at":"{{Kit.At(2)}}"},{{Valid("ok-3", 3)}},[]]
            """;
        var data = await Kit.Ingest(client, body);
        Assert.Equal(2, Kit.Int(data, "accepted"));
        var indexes = data["rejected"]!.AsArray().Select(r => Kit.Int(r!, "index")).ToArray();
        Assert.Equal([0, 2, 4], indexes);
        Assert.Equal(2, Kit.Long(await Kit.Summary(client), "total"));
    }

    [Fact]
    public async Task A_single_object_body_is_one_event()
    {
        var (_, client) = await shared.NewTeamAsync();
        var data = await Kit.Ingest(client, Kit.Event("single", "sent", Kit.At(5)));
        Assert.Equal(1, Kit.Int(data, "accepted"));
        Assert.Empty(data["rejected"]!.AsArray());
        Assert.Equal("sent", (await Kit.Item(client, "single"))!["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"item_id\":\"a\",")]
    [InlineData("\"a string\"")]
    [InlineData("42")]
    [InlineData("")]
    public async Task A_body_that_is_not_an_event_array_or_object_is_invalid_json(string body)
    {
        var (_, client) = await shared.NewTeamAsync();
        var response = await client.PostAsync("/api/v1/events", HeraldServer.Json(body));
        await Kit.AssertError(response, HttpStatusCode.BadRequest, code: "invalid_json");
        Assert.Equal(0, Kit.Long(await Kit.Summary(client), "total"));
    }

    [Fact]
    public async Task A_body_with_bytes_that_are_not_utf8_is_invalid_json_naming_the_offset_and_stores_nothing()
    {
        var (_, client) = await shared.NewTeamAsync();
        // 500 events, one of which holds 0xFF in its item id: the body is not UTF-8, so none of it is JSON.
        var text = new StringBuilder("[");
        for (int i = 0; i < 500; i++) text.Append(i == 0 ? "" : ",").Append(Valid(i == 250 ? "bad@" : $"ok-{i}", i % 1000));
        byte[] body = Encoding.UTF8.GetBytes(text.Append(']').ToString());
        int offset = Array.IndexOf(body, (byte)'@');
        body[offset] = 0xFF;
        var response = await client.PostAsync("/api/v1/events", new ByteArrayContent(body) { Headers = { { "Content-Type", "application/json" } } });
        var error = await Kit.AssertError(response, HttpStatusCode.BadRequest, field: "body", code: "invalid_json");
        Assert.Contains($"byte offset {offset} (0xFF)", error["message"]!.GetValue<string>());
        Assert.Equal(0, Kit.Long(await Kit.Summary(client), "total"));

        // A sequence cut short (the first two bytes of a three-byte character), and an encoded surrogate (ED A0 80).
        foreach (byte[] bad in new[] { new byte[] { 0xE2, 0x82 }, new byte[] { 0xED, 0xA0, 0x80 } })
        {
            byte[] cut = [.. Encoding.UTF8.GetBytes("{\"item_id\":\"a"), .. bad, .. Encoding.UTF8.GetBytes($"\",\"status\":\"sent\",\"occurred_at\":\"{Kit.At(1)}\"}}")];
            response = await client.PostAsync("/api/v1/events", new ByteArrayContent(cut) { Headers = { { "Content-Type", "application/json" } } });
            error = await Kit.AssertError(response, HttpStatusCode.BadRequest, field: "body", code: "invalid_json");
            Assert.Contains("byte offset 13", error["message"]!.GetValue<string>());
        }
        Assert.Equal(0, Kit.Long(await Kit.Summary(client), "total"));
    }

    [Fact]
    public async Task Valid_events_followed_by_broken_json_store_nothing()
    {
        var (_, client) = await shared.NewTeamAsync();
        var response = await client.PostAsync("/api/v1/events", HeraldServer.Json($"[{Valid("early", 1)}, oops]"));
        await Kit.AssertError(response, HttpStatusCode.BadRequest, code: "invalid_json");
        response = await client.PostAsync("/api/v1/events", HeraldServer.Json($"[{Valid("early", 1)}] [1]"));
        await Kit.AssertError(response, HttpStatusCode.BadRequest, code: "invalid_json");
        Assert.Null(await Kit.Item(client, "early"));
        Assert.Equal(0, Kit.Long(await Kit.Summary(client), "total"));
    }

    [Fact]
    public async Task An_empty_array_is_400()
    {
        var (_, client) = await shared.NewTeamAsync();
        var response = await client.PostAsync("/api/v1/events", HeraldServer.Json("[]"));
        await Kit.AssertError(response, HttpStatusCode.BadRequest, field: "body");
    }

    [Fact]
    public async Task More_than_10000_events_is_413_and_stores_nothing_while_10000_are_accepted()
    {
        var (_, client) = await shared.NewTeamAsync();
        string Events(int n, string prefix)
        {
            var sb = new StringBuilder("[");
            for (int i = 0; i < n; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append($$"""{"item_id":"{{prefix}}{{i}}","status":"sent","occurred_at":"{{Kit.At(i % 1440)}}"}""");
            }
            return sb.Append(']').ToString();
        }

        var response = await client.PostAsync("/api/v1/events", HeraldServer.Json(Events(10_001, "big-")));
        await Kit.AssertError(response, HttpStatusCode.RequestEntityTooLarge, code: "too_many_events");
        Assert.Equal(0, Kit.Long(await Kit.Summary(client), "total"));
        Assert.Null(await Kit.Item(client, "big-0"));

        var data = await Kit.Ingest(client, Events(10_000, "max-"));
        Assert.Equal(10_000, Kit.Int(data, "accepted"));
        Assert.Equal(10_000, Kit.Long(await Kit.Summary(client), "total"));
    }

    [Fact]
    public async Task Without_a_key_or_with_an_unknown_key_is_401_and_stores_nothing()
    {
        var (_, client) = await shared.NewTeamAsync();
        string body = $"[{Valid("anon", 1)}]";
        using var anonymous = Server.Client(null);
        await Kit.AssertError(await anonymous.PostAsync("/api/v1/events", HeraldServer.Json(body)), HttpStatusCode.Unauthorized, code: "unauthorized");
        using var unknown = Server.Client("hk_this_key_does_not_exist");
        await Kit.AssertError(await unknown.PostAsync("/api/v1/events", HeraldServer.Json(body)), HttpStatusCode.Unauthorized, code: "unauthorized");
        using var empty = new HttpClient { BaseAddress = Server.BaseAddress };
        empty.DefaultRequestHeaders.TryAddWithoutValidation("X-API-Key", "");
        await Kit.AssertError(await empty.PostAsync("/api/v1/events", HeraldServer.Json(body)), HttpStatusCode.Unauthorized);
        Assert.Null(await Kit.Item(client, "anon"));
        Assert.Null(await Kit.Item(Server.Admin, "anon"));
    }

    [Fact]
    public async Task A_key_without_events_write_is_403_and_stores_nothing()
    {
        var (teamId, client) = await shared.NewTeamAsync();
        using var reader = Server.Client(await Server.CreateKeyAsync(teamId, ["metrics:read"]));
        var response = await reader.PostAsync("/api/v1/events", HeraldServer.Json($"[{Valid("ro", 1)}]"));
        await Kit.AssertError(response, HttpStatusCode.Forbidden, code: "forbidden");
        Assert.Null(await Kit.Item(client, "ro"));
    }

    [Fact]
    public async Task An_admin_key_must_name_the_team()
    {
        var (teamId, client) = await shared.NewTeamAsync();
        var response = await Server.Admin.PostAsync("/api/v1/events", HeraldServer.Json($"[{Valid("adm", 1)}]"));
        await Kit.AssertError(response, HttpStatusCode.BadRequest, field: "team", code: "invalid_parameter");
        Assert.Null(await Kit.Item(Server.Admin, "adm"));

        response = await Server.Admin.PostAsync("/api/v1/events?team=no-such-team", HeraldServer.Json($"[{Valid("adm", 1)}]"));
        await Kit.AssertError(response, HttpStatusCode.BadRequest, field: "team");
        Assert.Null(await Kit.Item(Server.Admin, "adm"));

        var data = await Kit.Ingest(Server.Admin, $"[{Valid("adm", 1)}]", $"?team={teamId}");
        Assert.Equal(1, Kit.Int(data, "accepted"));
        Assert.NotNull(await Kit.Item(client, "adm"));
    }

    [Fact]
    public async Task The_same_event_id_twice_counts_once_within_and_across_requests()
    {
        var (_, client) = await shared.NewTeamAsync();
        var sent = Kit.Event("dup-1", "sent", Kit.At(30), eventId: "evt-1", cost: 0.5);
        var delivered = Kit.Event("dup-1", "delivered", Kit.At(31), eventId: "evt-2");

        var first = await Kit.Ingest(client, new[] { sent, sent, delivered });
        Assert.Equal(2, Kit.Int(first, "accepted"));
        Assert.Equal(1, Kit.Int(first, "duplicates"));
        Assert.Empty(first["rejected"]!.AsArray());

        var second = await Kit.Ingest(client, new[] { sent, delivered });
        Assert.Equal(0, Kit.Int(second, "accepted"));
        Assert.Equal(2, Kit.Int(second, "duplicates"));

        var summary = await Kit.Summary(client);
        Assert.Equal(1, Kit.Long(summary, "total"));
        Assert.Equal(1, Kit.Long(summary, "delivered"));
        Assert.Equal(2, Kit.Long(summary, "events"));
        Assert.Equal(0.5, summary["cost"]!.GetValue<double>(), 6);
        var item = (await Kit.Item(client, "dup-1"))!;
        Assert.Equal(2, Kit.Int(item, "event_count"));
        Assert.Equal(2, item["events"]!.AsArray().Count);
    }

    [Fact]
    public async Task Without_event_id_the_same_item_status_and_time_is_a_duplicate()
    {
        var (_, client) = await shared.NewTeamAsync();
        var sent = Kit.Event("noid-1", "sent", Kit.At(40));
        var first = await Kit.Ingest(client, new[] { sent, sent });
        Assert.Equal(1, Kit.Int(first, "accepted"));
        Assert.Equal(1, Kit.Int(first, "duplicates"));

        var second = await Kit.Ingest(client, new[] { sent });
        Assert.Equal(0, Kit.Int(second, "accepted"));
        Assert.Equal(1, Kit.Int(second, "duplicates"));

        // A different time, or a different status, is a new event.
        var third = await Kit.Ingest(client, new[] { Kit.Event("noid-1", "sent", Kit.At(41)), Kit.Event("noid-1", "queued", Kit.At(40)) });
        Assert.Equal(2, Kit.Int(third, "accepted"));
        Assert.Equal(0, Kit.Int(third, "duplicates"));

        var summary = await Kit.Summary(client);
        Assert.Equal(1, Kit.Long(summary, "total"));
        Assert.Equal(3, Kit.Long(summary, "events"));
        Assert.Equal(3, Kit.Int((await Kit.Item(client, "noid-1"))!, "event_count"));
    }

    [Fact]
    public async Task Country_is_derived_from_an_E164_recipient()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.Ingest(client, new[]
        {
            Kit.Event("uk-1", "sent", Kit.At(50), recipient: "+447700900123"),
            Kit.Event("uk-2", "sent", Kit.At(51), recipient: "+447700900124"),
            Kit.Event("explicit", "sent", Kit.At(52), recipient: "+447700900125", country: "fr"),
            Kit.Event("nocountry", "sent", Kit.At(53), recipient: "someone@example.com"),
        });

        Assert.Equal("GB", (await Kit.Item(client, "uk-1"))!["country"]!.GetValue<string>());
        Assert.Equal("FR", (await Kit.Item(client, "explicit"))!["country"]!.GetValue<string>());
        Assert.Null((await Kit.Item(client, "nocountry"))!["country"]);

        var rows = (await Kit.GetData(client, $"/api/v1/metrics/breakdown?by=country&{Kit.DayWindow}"))["rows"]!.AsArray();
        var byKey = rows.ToDictionary(r => r!["key"]?.GetValue<string>() ?? "<null>", r => Kit.Long(r!, "total"));
        Assert.Equal(new Dictionary<string, long> { ["GB"] = 2, ["FR"] = 1, ["<null>"] = 1 }, byKey);

        var gb = await Kit.Summary(client, "&country=GB");
        Assert.Equal(2, Kit.Long(gb, "total"));
    }

    [Fact]
    public async Task Delivered_posted_before_sent_keeps_delivered_and_measures_latency_from_sent()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.Ingest(client, Kit.Event("ooo-1", "delivered", Kit.At(60.5), kind: "message"));
        var item = (await Kit.Item(client, "ooo-1"))!;
        Assert.Equal("delivered", item["status"]!.GetValue<string>());

        await Kit.Ingest(client, Kit.Event("ooo-1", "sent", Kit.At(60), kind: "message"));
        item = (await Kit.Item(client, "ooo-1"))!;
        Assert.Equal("delivered", item["status"]!.GetValue<string>());
        Assert.Equal("delivered", item["outcome"]!.GetValue<string>());
        Assert.Equal(Kit.At(60), item["first_sent_at"]!.GetValue<string>());
        Assert.Equal(Kit.At(60), item["earliest_at"]!.GetValue<string>());
        Assert.Equal(Kit.At(60.5), item["delivered_at"]!.GetValue<string>());
        Assert.Equal(30.0, item["latency_seconds"]!.GetValue<double>(), 3);
        Assert.Equal(2, Kit.Int(item, "event_count"));

        var summary = await Kit.Summary(client);
        Assert.Equal(1, Kit.Long(summary, "total"));
        Assert.Equal(1, Kit.Long(summary, "delivered"));
        Assert.Equal(0, Kit.Long(summary, "pending"));
        Assert.Equal(100.0, summary["delivery_rate_percent"]!.GetValue<double>(), 6);
        Assert.Equal(1, summary["status_breakdown"]!["delivered"]!.GetValue<long>());
        var p50 = summary["latency_seconds"]!["p50"]!.GetValue<double>();
        Assert.InRange(p50, 30 * 0.98, 30 * 1.02);

        // The item's cohort moved to the minute of the sent event.
        var points = (await Kit.GetData(client,
            $"/api/v1/metrics/timeseries?granularity=minute&from={Kit.At(60)}&to={Kit.At(62)}"))["points"]!.AsArray();
        var totals = points.Where(p => Kit.Long(p!, "total") > 0).Select(p => p!["timestamp"]!.GetValue<string>()).ToArray();
        Assert.Equal([Kit.At(60)], totals);

        // A late 'sent' after 'delivered' never regresses; a later failure does not undo the delivery either.
        await Kit.Ingest(client, Kit.Event("ooo-1", "failed", Kit.At(61), kind: "message"));
        Assert.Equal("delivered", (await Kit.Item(client, "ooo-1"))!["status"]!.GetValue<string>());
        Assert.Equal(0, Kit.Long(await Kit.Summary(client), "failed"));
    }

    [Fact]
    public async Task Latency_percentiles_of_a_100_day_delivery_are_within_2_percent()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.Ingest(client, new[] { Kit.Event("slow", "sent", Kit.Format(Kit.Day.AddDays(-100))), Kit.Event("slow", "delivered", Kit.At(0)) });
        var summary = await Kit.GetData(client, $"/api/v1/metrics/summary?from={Kit.Format(Kit.Day.AddDays(-101))}&to={Kit.Format(Kit.Day.AddDays(1))}");
        Assert.Equal(8_640_000.0, (await Kit.Item(client, "slow"))!["latency_seconds"]!.GetValue<double>(), 3);
        foreach (var p in new[] { "p50", "p75", "p90", "p95", "p99" })
            Assert.InRange(summary["latency_seconds"]![p]!.GetValue<double>(), 8_640_000 * 0.98, 8_640_000 * 1.02);
    }
}
