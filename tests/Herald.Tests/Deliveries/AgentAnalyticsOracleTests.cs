using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Deliveries;

/// <summary>
/// The agent analytics against a brute-force computation from the deliveries the test made: random lifecycles (left
/// scheduled, assigned, carried, completed on time or late, failed with and without a retry, cancelled, rated), each
/// attempt's outcome counted for the agent who carried it.
/// </summary>
public sealed class AgentAnalyticsOracleTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private HeraldServer Server => shared.Server;

    /// <summary>What the test knows of one attempt, from its own requests and the answers' server times.</summary>
    private sealed class Attempt
    {
        public required int Number;
        public required string Country;
        public required long ScheduledMs;
        public required int DurationMinutes;
        public string? Holder;
        public string? Carrier;
        public string Status = "scheduled";
        public long? AssignedMs, InTransitMs, CompletedMs;
        public int? Rating;
        public bool IsLatest = true;
    }

    private static readonly Dictionary<string, int> Rank = new() { ["scheduled"] = 0, ["assigned"] = 1, ["in_transit"] = 2, ["failed"] = 3, ["cancelled"] = 3, ["completed"] = 4 };

    private static long Ms(JsonNode node, string name) => DateTimeOffset.Parse(S(node, name), CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    [Theory]
    [InlineData(101)]
    [InlineData(102)]
    public async Task Agent_analytics_equal_a_recomputation_from_the_deliveries_made(int seed)
    {
        var rnd = new Random(seed);
        var team = await DeliveryTeam.CreateAsync(Server);
        // Capacity is not what this test is about: explicit assignments must never be refused for it.
        await Ok(await team.Client.PutAsJsonAsync("/api/v1/delivery-settings", new { max_active_deliveries = 1000 }));
        var agents = new List<string>();
        for (int i = 0; i < 4; i++) agents.Add(S(await team.Agent(13.4 + i * 0.01, 52.5), "id"));
        var customers = new List<(string Id, string Country)>();
        for (int i = 0; i < 3; i++) customers.Add((S(await team.Customer(), "id"), "US"));
        for (int i = 0; i < 2; i++) customers.Add((S(await team.Customer(phone: $"+3314{seed % 100:D2}{i:D5}"), "id"), "FR"));
        var attempts = new List<Attempt>();
        // Whole seconds: scheduled times go out with second precision.
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() * 1000;

        async Task<JsonNode> Track(string id, Attempt a, string status, long at)
        {
            var d = await team.Track(id, status, DateTimeOffset.FromUnixTimeMilliseconds(at));
            if (Rank[status] > Rank[a.Status]) a.Status = status;
            if (status is "in_transit" or "completed" or "failed") a.Carrier ??= a.Holder;
            if (status == "in_transit") a.InTransitMs = Math.Min(a.InTransitMs ?? long.MaxValue, at);
            if (status == "completed") a.CompletedMs = Math.Min(a.CompletedMs ?? long.MaxValue, at);
            return d;
        }
        async Task Assign(string id, Attempt a)
        {
            a.Holder = agents[rnd.Next(agents.Count)];
            var d = await team.Assign(id, a.Holder);
            a.AssignedMs = Ms(d["tracking_events"]!.AsArray().Last(t => S(t!, "status") == "assigned")!, "timestamp");
            if (a.Status == "scheduled") a.Status = "assigned";
        }
        async Task Carry(string id, Attempt a, bool retried)
        {
            int plan = rnd.Next(9);
            if (plan == 8)
            {
                // Failed before anyone was assigned: counts for no agent.
                await Failed(id, a, await Track(id, a, "failed", now - rnd.Next(1, 60) * 60_000L), retried);
                return;
            }
            if (plan == 0) return;
            await Assign(id, a);
            if (plan == 1) return;
            long inTransit = a.AssignedMs!.Value + rnd.Next(1, 90) * 60_000L;
            if (plan != 4) await Track(id, a, "in_transit", inTransit);
            if (plan == 2) return;
            if (plan is 3 or 4)
            {
                long done = a.ScheduledMs + rnd.Next(-40, a.DurationMinutes + 40) * 60_000L;
                await Track(id, a, "completed", done);
                if (rnd.Next(3) > 0) await Track(id, a, "in_transit", inTransit + 60_000); // late, changes nothing
                if (rnd.Next(2) == 0)
                {
                    a.Rating = rnd.Next(1, 6);
                    await Ok(await team.Client.PostAsJsonAsync($"/api/v1/deliveries/{id}/feedback", new { rating = a.Rating }));
                }
                return;
            }
            if (plan == 7)
            {
                await Track(id, a, "cancelled", inTransit + 60_000);
                return;
            }
            await Failed(id, a, await Track(id, a, "failed", inTransit + rnd.Next(1, 30) * 60_000L), retried);
        }
        // A failure with its retry left makes the next attempt, which the test carries on.
        async Task Failed(string id, Attempt a, JsonNode delivery, bool retried)
        {
            if (retried) return;
            a.IsLatest = false;
            var next = new Attempt { Number = a.Number + 1, Country = a.Country, ScheduledMs = Ms(delivery, "scheduled_time"), DurationMinutes = a.DurationMinutes };
            attempts.Add(next);
            await Carry(id, next, retried: true);
        }

        for (int n = 0; n < 36; n++)
        {
            var (customer, country) = customers[rnd.Next(customers.Count)];
            var scheduled = DateTimeOffset.FromUnixTimeMilliseconds(now + rnd.Next(-180, 180) * 60_000L);
            int duration = rnd.Next(10, 61);
            var d = await team.Delivery(customer, 13.4, 52.5, maxRetries: rnd.Next(2), scheduled: scheduled, estimatedDuration: duration);
            var first = new Attempt { Number = 1, Country = country, ScheduledMs = scheduled.ToUnixTimeMilliseconds(), DurationMinutes = duration };
            attempts.Add(first);
            await Carry(S(d, "id"), first, retried: d["max_retries"]!.GetValue<int>() == 0);
        }
        Assert.Contains(attempts, a => a.Status == "completed");
        Assert.Contains(attempts, a => a.Number == 2);

        string window = $"from={Kit.Format(DateTimeOffset.UtcNow.AddDays(-2))}&to={Kit.Format(DateTimeOffset.UtcNow.AddDays(2))}";
        await Check(team.Client, $"/api/v1/analytics/agents?{window}", attempts, _ => true);
        await Check(team.Client, $"/api/v1/analytics/agents?{window}&country=FR", attempts, a => a.Country == "FR");
        await Check(team.Client, $"/api/v1/analytics/agents?{window}&agent={agents[0]},{agents[1]}", attempts, a => a.Carrier == agents[0] || a.Carrier == agents[1]);
        await Check(team.Client, $"/api/v1/analytics/agents?{window}&kind=message", attempts, _ => false);
        foreach (var agent in agents)
        {
            var one = await Kit.GetData(team.Client, $"/api/v1/analytics/agents/{agent}?{window}");
            AssertRow(Expected(agent, attempts.Where(a => a.Carrier == agent).ToList()), one, agent);
        }
    }

    private static async Task Check(HttpClient client, string url, List<Attempt> attempts, Func<Attempt, bool> where)
    {
        var data = await Kit.GetData(client, url);
        var carried = attempts.Where(a => a.Carrier is not null && where(a)).ToList();
        var rows = data["agents"]!.AsArray();
        var expectedAgents = carried.Select(a => a.Carrier!).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expectedAgents, rows.Select(r => S(r!, "agent_id")).Order(StringComparer.Ordinal));
        foreach (var row in rows) AssertRow(Expected(S(row!, "agent_id"), carried.Where(a => a.Carrier == S(row!, "agent_id")).ToList()), row!, url);
        AssertRow(Expected(null, carried), data["totals"]!, url + " totals");
        // Best first: by success rate.
        var rates = rows.Select(r => r!["success_rate"]?.GetValue<double>() ?? -1).ToList();
        Assert.Equal(rates.OrderByDescending(r => r), rates);
    }

    private sealed record Figures(long Total, long Completed, long Failed, long Cancelled, long InProgress, double? SuccessRate, double? Rating, long Ratings,
        double? OnTime, double? FirstAttempt, double? Response);

    /// <summary>The figures of these attempts, straight from the seed's definitions.</summary>
    private static Figures Expected(string? agent, List<Attempt> a)
    {
        static double? Pct(long part, long whole) => whole == 0 ? null : Math.Round(part * 100.0 / whole, 4);
        long completed = a.Count(x => x.Status == "completed"), failed = a.Count(x => x.Status == "failed"), cancelled = a.Count(x => x.Status == "cancelled");
        var ratings = a.Where(x => x.IsLatest && x.Status == "completed" && x.Rating is not null).Select(x => (double)x.Rating!.Value).ToList();
        var done = a.Where(x => x.Status == "completed").ToList();
        var firsts = a.Where(x => x.Number == 1).ToList();
        var responses = a.Where(x => x.AssignedMs is not null && x.InTransitMs is not null).Select(x => (x.InTransitMs!.Value - x.AssignedMs!.Value) / 60_000.0).ToList();
        return new Figures(a.Count, completed, failed, cancelled, a.Count - completed - failed - cancelled, Pct(completed, completed + failed),
            ratings.Count == 0 ? null : Math.Round(ratings.Average(), 4), ratings.Count,
            Pct(done.Count(x => x.CompletedMs <= x.ScheduledMs + x.DurationMinutes * 60_000L), done.Count),
            Pct(firsts.Count(x => x.Status == "completed"), firsts.Count), responses.Count == 0 ? null : Math.Round(responses.Average(), 4));
    }

    private static void AssertRow(Figures e, JsonNode row, string context)
    {
        static double? D(JsonNode r, string name) => r[name]?.GetValue<double>();
        static long L(JsonNode r, string name) => r[name]!.GetValue<long>();
        var actual = new Figures(L(row, "total_deliveries"), L(row, "completed"), L(row, "failed"), L(row, "cancelled"), L(row, "in_progress"),
            D(row, "success_rate"), D(row, "average_rating"), L(row, "ratings"), D(row, "on_time_rate"), D(row, "first_attempt_success_rate"), D(row, "response_time"));
        Assert.True(e == actual, $"{context}: expected {e}, got {actual}");
    }
}
