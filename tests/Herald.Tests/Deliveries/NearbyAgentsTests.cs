using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Herald.Tests.Api;
using Herald.Tests.Support;
using static Herald.Tests.Deliveries.DeliveryTeam;

namespace Herald.Tests.Deliveries;

/// <summary>
/// <c>GET /api/v1/agents/nearby</c> against a brute-force search over the agents the test placed, while they move, stop
/// working, come back and leave; around Paris, on both sides of the antimeridian and by the north pole.
/// </summary>
public sealed class NearbyAgentsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private HeraldServer Server => shared.Server;

    private static readonly (double Lon, double Lat)[] Centers = [(2.35, 48.86), (179.97, -16.5), (-179.97, -16.5), (40, 89.95)];

    /// <summary>What the test knows of an agent: where it is and whether it can take work.</summary>
    private sealed class Placed(string id)
    {
        public string Id { get; } = id;
        public double Lon { get; set; }
        public double Lat { get; set; }
        public bool Active { get; set; } = true;
        public bool Deleted { get; set; }
    }

    /// <summary>Haversine on the mean Earth radius, written out here rather than taken from the server.</summary>
    private static double Km(double lon1, double lat1, double lon2, double lat2)
    {
        const double R = 6371.0088;
        double r(double d) => d * Math.PI / 180;
        double h = Math.Pow(Math.Sin(r(lat2 - lat1) / 2), 2) + Math.Cos(r(lat1)) * Math.Cos(r(lat2)) * Math.Pow(Math.Sin(r(lon2 - lon1) / 2), 2);
        return 2 * R * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    private static (double Lon, double Lat) Near(Random random, (double Lon, double Lat) c, double spreadDegrees)
    {
        double lon = c.Lon + (random.NextDouble() * 2 - 1) * spreadDegrees * (c.Lat > 89 ? 100 : 1);
        lon = lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon;
        // Past the pole is back down the other side (not the pole itself: every agent there would be equally near).
        double lat = c.Lat + (random.NextDouble() * 2 - 1) * spreadDegrees;
        lat = lat > 90 ? 180 - lat : lat;
        return (Math.Round(lon, 6), Math.Round(lat, 6));
    }

    private static string Point(double lon, double lat) =>
        $"lon={lon.ToString(CultureInfo.InvariantCulture)}&lat={lat.ToString(CultureInfo.InvariantCulture)}";

    private static async Task AssertNearbyAsync(DeliveryTeam team, List<Placed> agents, double lon, double lat, double radius, int limit)
    {
        var expected = agents.Where(a => a.Active && !a.Deleted)
            .Select(a => (a.Id, Km: Km(lon, lat, a.Lon, a.Lat))).Where(x => x.Km <= radius).OrderBy(x => x.Km).Take(limit).ToList();
        string query = $"/api/v1/agents/nearby?{Point(lon, lat)}&radius_km={radius.ToString(CultureInfo.InvariantCulture)}&limit={limit}";
        var answered = (await Kit.GetData(team.Client, query)).AsArray();
        Assert.True(expected.Select(x => x.Id).SequenceEqual(answered.Select(a => S(a!, "id"))),
            $"{query}: expected [{string.Join(", ", expected.Select(x => $"{x.Id} {x.Km:F4}"))}], answered [{string.Join(", ", answered.Select(a => $"{S(a!, "id")} {a!["distance_km"]}"))}]");
        for (int i = 0; i < expected.Count; i++)
        {
            // Answered to 4 decimals.
            Assert.InRange(answered[i]!["distance_km"]!.GetValue<double>() - expected[i].Km, -0.00006, 0.00006);
            var placed = agents.Single(a => a.Id == expected[i].Id);
            var coordinates = answered[i]!["current_location"]!["coordinates"]!.AsArray();
            Assert.Equal((placed.Lon, placed.Lat), (coordinates[0]!.GetValue<double>(), coordinates[1]!.GetValue<double>()));
        }
    }

    [Fact]
    public async Task Nearby_agents_equal_a_brute_force_search_as_agents_move_stop_return_and_leave()
    {
        var random = new Random(14);
        var team = await DeliveryTeam.CreateAsync(Server);
        var rival = await DeliveryTeam.CreateAsync(Server);
        var agents = new List<Placed>();
        for (int i = 0; i < 36; i++)
        {
            var (lon, lat) = Near(random, Centers[i % Centers.Length], 0.2);
            agents.Add(new Placed(S(await team.Agent(lon, lat), "id")) { Lon = lon, Lat = lat });
            // Another team's agent at the same place is never answered.
            await rival.Agent(lon, lat);
        }
        // Agents without a known position are never near anything.
        await team.Agent();

        for (int round = 0; round < 3; round++)
        {
            foreach (var c in Centers)
            {
                await AssertNearbyAsync(team, agents, c.Lon, c.Lat, 5, 3);
                await AssertNearbyAsync(team, agents, c.Lon, c.Lat, 25, 100);
                var (lon, lat) = Near(random, c, 0.1);
                await AssertNearbyAsync(team, agents, lon, lat, 1 + random.NextDouble() * 30, random.Next(1, 8));
            }
            await AssertNearbyAsync(team, agents, 0, 0, 20016, 100);

            // A third of the agents move, possibly to another center; one stops, a stopped one returns, one leaves.
            foreach (var a in agents.Where(a => !a.Deleted && random.Next(3) == 0))
            {
                (a.Lon, a.Lat) = Near(random, Centers[random.Next(Centers.Length)], 0.2);
                await Ok(await team.Client.PutAsJsonAsync($"/api/v1/agents/{a.Id}/location", new { type = "Point", coordinates = new[] { a.Lon, a.Lat } }));
            }
            var stopping = agents.Where(a => a.Active && !a.Deleted).OrderBy(_ => random.Next()).First();
            await Ok(await team.Client.PatchAsJsonAsync($"/api/v1/agents/{stopping.Id}", new { is_active = false }));
            stopping.Active = false;
            if (agents.FirstOrDefault(a => !a.Active && !a.Deleted && a != stopping) is { } returning)
            {
                await Ok(await team.Client.PatchAsJsonAsync($"/api/v1/agents/{returning.Id}", new { is_active = true }));
                returning.Active = true;
            }
            var leaving = agents.Where(a => a.Active && !a.Deleted).OrderBy(_ => random.Next()).First();
            await Ok(await team.Client.DeleteAsync($"/api/v1/agents/{leaving.Id}"));
            leaving.Deleted = true;
        }
    }

    [Theory]
    [InlineData("lon=181&lat=0", "lon")]
    [InlineData("lon=10&lat=-90.5", "lat")]
    [InlineData("lat=10", "lon")]
    [InlineData("lon=10", "lat")]
    [InlineData("lon=10&lat=10&radius_km=0", "radius_km")]
    [InlineData("lon=10&lat=10&radius_km=30000", "radius_km")]
    [InlineData("lon=10&lat=10&limit=0", "limit")]
    [InlineData("lon=10&lat=10&limit=101", "limit")]
    [InlineData("lon=east&lat=10", "lon")]
    public async Task A_bad_point_radius_or_limit_is_a_400_naming_it(string query, string field)
    {
        var team = await DeliveryTeam.CreateAsync(Server);
        await Kit.AssertError(await team.Client.GetAsync($"/api/v1/agents/nearby?{query}"), HttpStatusCode.BadRequest, field);
    }
}
