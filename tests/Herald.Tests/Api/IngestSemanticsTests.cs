using System.Text.Json.Nodes;

namespace Herald.Tests.Api;

/// <summary>Ingest semantics on SQLite.</summary>
public sealed class IngestSemanticsTests(SharedServer shared) : IngestSemanticsTests<SharedServer>(shared);

/// <summary>Ingest semantics on PostgreSQL.</summary>
public sealed class IngestSemanticsOnPostgresTests(PostgresSharedServer shared) : IngestSemanticsTests<PostgresSharedServer>(shared);

/// <summary>
/// What accepted events do to items and metrics: per-team idempotency, dimension inheritance, cohort moves, kind checks; on
/// the store provider the server fixture runs.
/// </summary>
public abstract class IngestSemanticsTests<TServer>(TServer shared) : IClassFixture<TServer> where TServer : SharedServer
{
    private static Dictionary<string, JsonNode> Rows(JsonNode breakdown) =>
        breakdown["rows"]!.AsArray().ToDictionary(r => r!["key"]?.GetValue<string>() ?? "<null>", r => r!);

    [Fact]
    public async Task Free_text_with_a_NUL_character_is_accepted_and_kept_around_it()
    {
        var (_, client) = await shared.NewTeamAsync();
        var accepted = await Kit.Ingest(client, """
            [{"item_id":"nul-text","status":"failed","occurred_at":"{T}","error_code":"30007","error_message":"carrier\u0000filtered","text":"hi\u0000there"}]
            """.Replace("{T}", Kit.At(3), StringComparison.Ordinal));
        Assert.Equal(1, Kit.Int(accepted, "accepted"));
        var item = (await Kit.Item(client, "nul-text"))!;
        string message = item["events"]![0]!["error_message"]!.GetValue<string>();
        // SQLite keeps the character; PostgreSQL, whose text cannot hold it, keeps U+FFFD in its place.
        Assert.Matches("^carrier[\\u0000\\uFFFD]filtered$", message);
        Assert.Equal(1, Kit.Long(await Kit.Summary(client), "failed"));
    }

    [Fact]
    public async Task The_same_event_id_in_two_teams_is_two_events()
    {
        var (_, a) = await shared.NewTeamAsync();
        var (_, b) = await shared.NewTeamAsync();
        var e = Kit.Event("same", "sent", Kit.At(5), eventId: "global-1");
        Assert.Equal(1, Kit.Int(await Kit.Ingest(a, e), "accepted"));
        var second = await Kit.Ingest(b, e);
        Assert.Equal(1, Kit.Int(second, "accepted"));
        Assert.Equal(0, Kit.Int(second, "duplicates"));
        Assert.Equal(1, Kit.Long(await Kit.Summary(b), "total"));
    }

    [Fact]
    public async Task A_callback_that_only_names_the_item_inherits_its_dimensions_and_the_first_value_wins()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.Ingest(client, new object[]
        {
            new Dictionary<string, object?> { ["item_id"] = "dims", ["status"] = "sent", ["occurred_at"] = Kit.At(10), ["provider"] = "twilio", ["channel"] = "sms" },
        });
        // The callback names another provider (ignored: first value wins) and a campaign the item lacked (filled).
        await Kit.Ingest(client, new object[]
        {
            new Dictionary<string, object?> { ["item_id"] = "dims", ["status"] = "delivered", ["occurred_at"] = Kit.At(11), ["provider"] = "sinch", ["campaign"] = "spring" },
        });
        var item = (await Kit.Item(client, "dims"))!;
        Assert.Equal("twilio", item["provider"]!.GetValue<string>());
        Assert.Equal("spring", item["campaign"]!.GetValue<string>());
        Assert.Equal("sms", item["channel"]!.GetValue<string>());

        var byCampaign = Rows(await Kit.GetData(client, $"/api/v1/metrics/breakdown?by=campaign&{Kit.DayWindow}"));
        Assert.Equal(1, Kit.Long(byCampaign["spring"], "total"));
        Assert.Equal(1, Kit.Long(byCampaign["spring"], "delivered"));
        Assert.Equal(2, Kit.Long(byCampaign["spring"], "events"));
        Assert.True(!byCampaign.TryGetValue("<null>", out var none) || (Kit.Long(none, "total") == 0 && Kit.Long(none, "events") == 0),
            "the item left a contribution under campaign null");

        var byProvider = Rows(await Kit.GetData(client, $"/api/v1/metrics/breakdown?by=provider&{Kit.DayWindow}"));
        Assert.Equal(1, Kit.Long(byProvider["twilio"], "total"));
        Assert.False(byProvider.ContainsKey("sinch") && Kit.Long(byProvider["sinch"], "total") > 0);
        Assert.Equal(1, Kit.Long(await Kit.Summary(client, "&campaign=spring&provider=twilio"), "delivered"));
    }

    [Fact]
    public async Task An_earlier_event_moves_the_item_to_the_cohort_of_its_day()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.Ingest(client, Kit.Event("mover", "sent", Kit.At(30)));
        Assert.Equal(1, Kit.Long(await Kit.Summary(client), "total"));

        await Kit.Ingest(client, Kit.Event("mover", "queued", Kit.Format(Kit.Day.AddMinutes(-30))));
        var today = await Kit.Summary(client);
        Assert.Equal(0, Kit.Long(today, "total"));
        Assert.Equal(1, Kit.Long(today, "events"));
        var dayBefore = await Kit.GetData(client, $"/api/v1/metrics/summary?from={Kit.Format(Kit.Day.AddDays(-1))}&to={Kit.Format(Kit.Day)}");
        Assert.Equal(1, Kit.Long(dayBefore, "total"));
        Assert.Equal(1, Kit.Long(dayBefore, "pending"));
        Assert.Equal(1, dayBefore["status_breakdown"]!["sent"]!.GetValue<long>());
        Assert.Equal(1, Kit.Long(dayBefore, "events"));
    }

    [Fact]
    public async Task A_status_foreign_to_the_items_kind_is_rejected_by_index()
    {
        var (_, client) = await shared.NewTeamAsync();
        var data = await Kit.Ingest(client, new[]
        {
            Kit.Event("parcel-1", "assigned", Kit.At(1), kind: "parcel"),
            Kit.Event("parcel-1", "delivered", Kit.At(2)),
            Kit.Event("parcel-1", "completed", Kit.At(3)),
            // No kind on a new item: in_transit exists only for parcels, so the item is a parcel...
            Kit.Event("no-kind", "in_transit", Kit.At(4)),
            // ...and a message-only status for it is refused.
            Kit.Event("no-kind", "read", Kit.At(5)),
        });
        Assert.Equal(3, Kit.Int(data, "accepted"));
        var rejected = data["rejected"]!.AsArray();
        Assert.Equal([1, 4], rejected.Select(r => Kit.Int(r!, "index")).ToArray());
        Assert.Contains("kind 'parcel'", rejected[0]!["error"]!.GetValue<string>());
        Assert.Contains("kind 'parcel'", rejected[1]!["error"]!.GetValue<string>());
        var item = (await Kit.Item(client, "parcel-1"))!;
        Assert.Equal("completed", item["status"]!.GetValue<string>());
        Assert.Equal(2, Kit.Int(item, "event_count"));
        var inferred = (await Kit.Item(client, "no-kind"))!;
        Assert.Equal("parcel", inferred["kind"]!.GetValue<string>());
        var summary = await Kit.Summary(client);
        Assert.Equal(2, Kit.Long(summary, "total"));
        Assert.Equal(3, Kit.Long(summary, "events"));
        Assert.Equal(1, Kit.Long(await Kit.Summary(client, "&kind=parcel"), "delivered"));
    }

    [Fact]
    public async Task Read_without_delivered_counts_as_delivered_with_latency_to_read()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.Ingest(client, new[]
        {
            Kit.Event("wa-1", "sent", Kit.At(100), kind: "message", channel: "whatsapp"),
            Kit.Event("wa-1", "read", Kit.At(102), kind: "message", channel: "whatsapp"),
            Kit.Event("wa-2", "sent", Kit.At(100), kind: "message", channel: "whatsapp"),
            Kit.Event("wa-2", "failed", Kit.At(101), kind: "message", channel: "whatsapp"),
            Kit.Event("wa-2", "delivered", Kit.At(103), kind: "message", channel: "whatsapp"),
        });
        var summary = await Kit.Summary(client);
        Assert.Equal(2, Kit.Long(summary, "total"));
        Assert.Equal(2, Kit.Long(summary, "delivered"));
        Assert.Equal(0, Kit.Long(summary, "failed"));
        Assert.Equal(1, summary["status_breakdown"]!["read"]!.GetValue<long>());
        Assert.Equal(1, summary["status_breakdown"]!["delivered"]!.GetValue<long>());
        Assert.Equal(150.0, summary["latency_seconds"]!["avg"]!.GetValue<double>(), 3);
        Assert.Equal(120.0, (await Kit.Item(client, "wa-1"))!["latency_seconds"]!.GetValue<double>(), 3);
    }

    [Fact]
    public async Task Events_count_by_occurred_at_while_items_count_by_their_earliest_event()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.Ingest(client, new[]
        {
            Kit.Event("ts-1", "sent", Kit.At(60 + 50)),
            Kit.Event("ts-1", "delivered", Kit.At(120 + 5)),
            Kit.Event("ts-2", "sent", Kit.At(120 + 10)),
        });
        var points = (await Kit.GetData(client, $"/api/v1/metrics/timeseries?granularity=hour&from={Kit.At(60)}&to={Kit.At(180)}"))["points"]!.AsArray();
        Assert.Equal(2, points.Count);
        Assert.Equal(Kit.At(60), points[0]!["timestamp"]!.GetValue<string>());
        Assert.Equal(1, Kit.Long(points[0]!, "total"));
        Assert.Equal(1, Kit.Long(points[0]!, "delivered"));
        Assert.Equal(1, Kit.Long(points[0]!, "events"));
        Assert.Equal(1, Kit.Long(points[1]!, "total"));
        Assert.Equal(0, Kit.Long(points[1]!, "delivered"));
        Assert.Equal(2, Kit.Long(points[1]!, "events"));
    }
}
