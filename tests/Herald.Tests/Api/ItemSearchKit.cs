using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Herald.Tests.Oracle;
using Herald.Tests.Support;

namespace Herald.Tests.Api;

/// <summary>
/// Item search against the brute-force model of the posted events (<see cref="ReferenceModel"/>): what a search must
/// answer, each row as the API must write it, and reading every page of a search.
/// </summary>
internal static class ItemSearchKit
{
    /// <summary>The API's time text: whole seconds without a fraction, else milliseconds.</summary>
    public static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime
        .ToString(ms % 1000 == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Query(long fromMs, long toMs) =>
        $"from={Uri.EscapeDataString(Time(fromMs))}&to={Uri.EscapeDataString(Time(toMs))}";

    /// <summary>The model's items of a team whose earliest event is in [from, to) and that pass the filter, newest first.</summary>
    public static List<ReferenceModel.Item> Expected(ReferenceModel model, string team, long fromMs, long toMs, Func<ReferenceModel.Item, bool>? where = null) =>
        model.Items.Values.Where(i => i.Team == team && i.Earliest >= fromMs && i.Earliest < toMs && (where ?? (_ => true))(i))
            .OrderByDescending(i => i.Earliest).ToList();

    /// <summary>Every page of a search, following next_cursor; asserts each page's items are newest first and follow the last page's.</summary>
    public static async Task<List<JsonNode>> AllPagesAsync(HttpClient client, string query, int limit)
    {
        var all = new List<JsonNode>();
        string? cursor = null;
        for (int pages = 0; ; pages++)
        {
            Assert.True(pages < 10_000, "the cursor never ended");
            var page = await Kit.GetData(client, $"/api/v1/items?{query}&limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            var items = page["items"]!.AsArray().Select(i => i!).ToList();
            Assert.True(items.Count <= limit, $"{items.Count} items on a page of {limit}");
            all.AddRange(items);
            cursor = page["next_cursor"]?.GetValue<string>();
            if (cursor is null) break;
            Assert.Equal(limit, items.Count); // only a full page says there is more
        }
        for (int i = 1; i < all.Count; i++)
            Assert.True(string.CompareOrdinal(Sortable(all[i - 1]), Sortable(all[i])) >= 0, $"not newest first at {i}: {all[i - 1]["earliest_at"]} then {all[i]["earliest_at"]}");
        return all;
    }

    private static string Sortable(JsonNode item) => DateTimeOffset.Parse(item["earliest_at"]!.GetValue<string>(), CultureInfo.InvariantCulture)
        .ToUnixTimeMilliseconds().ToString("D15", CultureInfo.InvariantCulture);

    /// <summary>Asserts the API's row says what the model says of the item.</summary>
    public static void AssertRow(ReferenceModel.Item want, string teamId, JsonNode got)
    {
        string where = $"item {want.Id}";
        Assert.Equal(want.Id, S(got, "item_id"));
        Assert.Equal(teamId, S(got, "team"));
        Assert.Equal(want.Kind, S(got, "kind"));
        Assert.True(want.Status == S(got, "status"), $"{where}: status {S(got, "status")}, expected {want.Status}");
        Assert.Equal(want.Outcome, S(got, "outcome"));
        Assert.Equal(Time(want.StatusEvent.OccurredMs), S(got, "status_at"));
        Assert.Equal(Time(want.Earliest), S(got, "earliest_at"));
        Assert.Equal(want.FirstSentMs is { } sent ? Time(sent) : null, S(got, "first_sent_at"));
        Assert.Equal(want.FirstSuccessMs is { } ok ? Time(ok) : null, S(got, "delivered_at"));
        Assert.Equal(want.LatencyMs is { } ms ? ms / 1000.0 : null, got["latency_seconds"]?.GetValue<double>());
        foreach (var d in new[] { "account", "channel", "provider", "route", "campaign", "country", "direction" })
            Assert.True(ReferenceModel.DimensionOf(want, d) == S(got, d), $"{where}: {d} {S(got, d)}, expected {ReferenceModel.DimensionOf(want, d)}");
        Assert.Equal(want.Recipient, S(got, "recipient"));
        Assert.Equal(Math.Round(want.Cost, 6), got["cost"]!.GetValue<double>(), 9);
        Assert.True(want.StatusEvent.ErrorCode == S(got, "error_code"), $"{where}: error_code {S(got, "error_code")}, expected {want.StatusEvent.ErrorCode}");
        Assert.Equal(want.Events.Count, got["event_count"]!.GetValue<int>());
        Assert.Null(got["events"]);
    }

    public static string? S(JsonNode node, string name) => node[name]?.GetValue<string>();

    /// <summary>Posts events in requests of one team each, applying them to the model in the same order; asserts the tallies agree.</summary>
    public static async Task PostAsync(HeraldServer server, ReferenceModel model, IReadOnlyDictionary<string, string> keys, List<TestEvent> stream, int seed)
    {
        var rnd = new Random(seed);
        int i = 0;
        while (i < stream.Count)
        {
            string team = stream[i].Team;
            var chunk = new List<TestEvent>();
            int size = 1 + rnd.Next(300);
            while (i < stream.Count && chunk.Count < size && stream[i].Team == team) chunk.Add(stream[i++]);
            int accepted = chunk.Count(e => model.Apply(e) == "accepted");
            using var client = server.Client(keys[team]);
            var response = await client.PostAsync("/api/v1/events", HeraldServer.Json(OracleTests.ToJson(chunk)));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal(accepted, (await HeraldServer.ReadData(response))["accepted"]!.GetValue<int>());
        }
    }

    /// <summary>
    /// The oracle's random stream with error codes on failing events (the same code on an event's duplicates), over the
    /// day before today from 01:00, so no event is in the future.
    /// </summary>
    public static List<TestEvent> Stream(int seed, string[] teams, int items)
    {
        long start = Kit.Day.AddHours(1).ToUnixTimeMilliseconds();
        string[] codes = ["30007", "30003", "21211"];
        return RandomStream.Generate(seed, teams, items, start, TimeSpan.FromHours(20).Ticks / TimeSpan.TicksPerMillisecond)
            .Select(e => e.Status is "failed" or "undelivered" or "busy" or "no-answer"
                ? e with { ErrorCode = (e.ItemId.Length + e.OccurredMs) % 4 is var k && k < 3 ? codes[k] : null }
                : e)
            .ToList();
    }
}
