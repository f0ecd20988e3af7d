using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Webhooks;

/// <summary>
/// A provider callback is held to the per-request limit of <c>POST /api/v1/events</c> (<c>Herald:Ingest:MaxEventsPerRequest</c>):
/// one over it is refused whole with 413 naming the limit, so no callback can occupy the single writer for long and stall
/// every team.
/// </summary>
[Collection(SoloCollection.Name)]
public sealed class WebhookLimitTests
{
    [Fact]
    public async Task A_huge_smpp_callback_is_refused_whole_and_another_teams_ingest_goes_on_answered_within_a_second()
    {
        // A request of the largest allowed size holds the single writer for its whole transaction: 10,000 new items take
        // 0.5 to 1.5 s on a busy two-core test machine in a debug build, so the bound here is 2,000 (the limit is a setting).
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Ingest:MaxEventsPerRequest"] = "2000" });
        var created = await server.Admin.PostAsJsonAsync("/api/v1/teams", new { name = "gateway" });
        var gateway = await HeraldServer.ReadData(created);
        string token = gateway["webhook_token"]!.GetValue<string>();
        using var gatewayReader = server.Client(await server.CreateKeyAsync(gateway["id"]!.GetValue<string>(), ["metrics:read"]));
        var (_, otherKey) = await server.CreateTeamAsync("other");
        using var other = server.Client(otherKey);

        // The other team ingests all along; every answer must be a 202 that came within a second.
        using var stop = new CancellationTokenSource();
        var latencies = new List<TimeSpan>();
        long acknowledged = 0;
        var ingest = Task.Run(async () =>
        {
            for (int n = 0; !stop.IsCancellationRequested; n++)
            {
                var events = Enumerable.Range(0, 20).Select(i => Kit.Event($"o-{n}-{i}", "sent", Kit.Format(DateTimeOffset.UtcNow.AddMinutes(-1)))).ToArray();
                var watch = Stopwatch.StartNew();
                var response = await other.PostAsync("/api/v1/events", HeraldServer.Json(events));
                watch.Stop();
                string text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"the other team got {(int)response.StatusCode}: {text}");
                latencies.Add(watch.Elapsed);
                acknowledged += JsonNode.Parse(text)!["data"]!["accepted"]!.GetValue<long>();
            }
        });

        using var hooks = server.Client(null);
        static StringContent Receipts(int count, string prefix) =>
            new(string.Join('\n', Enumerable.Range(0, count).Select(i => $"id:{prefix}{i} stat:DELIVRD")), Encoding.UTF8, "text/plain");
        await Task.Delay(300);
        // The reproduction (170,000 receipts) and more; then just one over the limit.
        foreach (int count in new[] { 200_000, 2_001 })
        {
            var response = await hooks.PostAsync($"/webhooks/smpp/{token}", Receipts(count, $"q{count}-"));
            var error = await Kit.AssertError(response, HttpStatusCode.RequestEntityTooLarge, field: "body", code: "too_many_events");
            Assert.Contains("at most 2000 events", error["message"]!.GetValue<string>());
        }
        // The documented maximum is taken whole, durable before the answer.
        var taken = await hooks.PostAsync($"/webhooks/smpp/{token}", Receipts(2_000, "m-"));
        string takenText = await taken.Content.ReadAsStringAsync();
        Assert.True(taken.StatusCode == HttpStatusCode.OK, takenText);
        Assert.Equal(2_000, JsonNode.Parse(takenText)!["data"]!["accepted"]!.GetValue<int>());
        await Task.Delay(300);
        stop.Cancel();
        await ingest;

        Assert.True(latencies.Count >= 5, $"the other team got only {latencies.Count} answers");
        Assert.True(latencies.Max() < TimeSpan.FromSeconds(1), $"slowest 202 of the other team: {latencies.Max().TotalMilliseconds:F0} ms");
        // What was answered is what is stored.
        Assert.Equal(2_000, Kit.Long(await Kit.GetData(gatewayReader, "/api/v1/metrics/summary"), "total"));
        Assert.NotNull(await Kit.Item(gatewayReader, "m-1999"));
        Assert.Null(await Kit.Item(gatewayReader, "q2001-0"));
        Assert.Null(await Kit.Item(gatewayReader, "q200000-0"));
        Assert.Equal(acknowledged, Kit.Long(await Kit.GetData(other, "/api/v1/metrics/summary"), "total"));
    }
}
