using Herald.Deliveries;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Tests.Domain;

/// <summary>Great-circle distances, the boxes that hold a circle (what the R*Tree is asked for), and the nearest-first search over them.</summary>
public sealed class GeoTests
{
    private static readonly double KmPerDegree = Geo.EarthRadiusKm * Math.PI / 180;

    [Fact]
    public void Distances_along_the_equator_and_a_meridian_are_the_arc_lengths()
    {
        Assert.Equal(KmPerDegree, Geo.DistanceKm(new GeoPoint(0, 0), new GeoPoint(1, 0)), 9);
        Assert.Equal(KmPerDegree, Geo.DistanceKm(new GeoPoint(30, 10), new GeoPoint(30, 11)), 9);
        Assert.Equal(90 * KmPerDegree, Geo.DistanceKm(new GeoPoint(-45, 0), new GeoPoint(-45, 90)), 6);
        Assert.Equal(Geo.MaxDistanceKm, Geo.DistanceKm(new GeoPoint(0, 0), new GeoPoint(180, 0)), 6);
        // Across the antimeridian the short way round: 0.2 degrees, not 359.8.
        Assert.Equal(0.2 * KmPerDegree, Geo.DistanceKm(new GeoPoint(179.9, 0), new GeoPoint(-179.9, 0)), 6);
        Assert.Equal(0, Geo.DistanceKm(new GeoPoint(12.5, 41.9), new GeoPoint(12.5, 41.9)));
    }

    /// <summary>The point <paramref name="km"/> from <paramref name="start"/> along <paramref name="bearing"/> (radians), by the spherical destination formula.</summary>
    private static GeoPoint Destination(GeoPoint start, double bearing, double km)
    {
        double d = km / Geo.EarthRadiusKm, lat1 = start.Latitude * Math.PI / 180, lon1 = start.Longitude * Math.PI / 180;
        double lat2 = Math.Asin(Math.Sin(lat1) * Math.Cos(d) + Math.Cos(lat1) * Math.Sin(d) * Math.Cos(bearing));
        double lon2 = lon1 + Math.Atan2(Math.Sin(bearing) * Math.Sin(d) * Math.Cos(lat1), Math.Cos(d) - Math.Sin(lat1) * Math.Sin(lat2));
        double lon = lon2 * 180 / Math.PI;
        lon = (lon + 540) % 360 - 180;
        return new GeoPoint(Math.Clamp(lon, -180, 180), Math.Clamp(lat2 * 180 / Math.PI, -90, 90));
    }

    private static GeoPoint RandomCenter(Random random) => random.Next(5) switch
    {
        0 => new GeoPoint(180 - random.NextDouble() * 0.5, random.NextDouble() * 160 - 80),   // just west of the antimeridian
        1 => new GeoPoint(-180 + random.NextDouble() * 0.5, random.NextDouble() * 160 - 80),  // just east of it
        2 => new GeoPoint(random.NextDouble() * 360 - 180, 89 + random.NextDouble()),         // by the north pole
        3 => new GeoPoint(random.NextDouble() * 360 - 180, -89 - random.NextDouble()),        // by the south pole
        _ => new GeoPoint(random.NextDouble() * 360 - 180, random.NextDouble() * 180 - 90),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_point_within_the_radius_lies_in_one_of_the_boxes(int seed)
    {
        var random = new Random(seed);
        for (int circle = 0; circle < 400; circle++)
        {
            var center = RandomCenter(random);
            double radius = Math.Pow(10, random.NextDouble() * 6.3 - 2); // 0.01 km to 20,000 km
            var boxes = Geo.BoxesAround(center, radius);
            Assert.InRange(boxes.Count, 1, 2);
            foreach (var b in boxes)
            {
                Assert.True(-180 <= b.MinLongitude && b.MinLongitude <= b.MaxLongitude && b.MaxLongitude <= 180, $"{b}");
                Assert.True(-90 <= b.MinLatitude && b.MinLatitude <= b.MaxLatitude && b.MaxLatitude <= 90, $"{b}");
            }
            for (int i = 0; i < 200; i++)
            {
                // Points on the edge of the circle are the ones a box is most likely to miss.
                double km = radius * (i % 2 == 0 ? 1 - 1e-6 : random.NextDouble());
                var p = Destination(center, random.NextDouble() * 2 * Math.PI, km);
                // To a metre: near the antipode the arcsine itself is good to about a tenth of that.
                Assert.InRange(Math.Abs(Geo.DistanceKm(center, p) - km), 0, 1e-3);
                Assert.True(boxes.Any(b => b.Contains(p)), $"{p} at {km} km of {center} is outside [{string.Join(", ", boxes)}] (radius {radius} km)");
            }
        }
    }

    [Fact]
    public void A_small_circle_away_from_the_poles_and_the_antimeridian_is_one_tight_box()
    {
        var boxes = Geo.BoxesAround(new GeoPoint(2.35, 48.86), 10);
        var box = Assert.Single(boxes);
        // 10 km is 0.09 degrees of latitude, and 0.137 of longitude at this latitude: a box barely larger than the circle.
        Assert.Equal(10 / KmPerDegree, box.MaxLatitude - 48.86, 9);
        Assert.InRange(box.MaxLongitude - 2.35, 0.136, 0.138);
    }

    private static List<AgentPosition> RandomAgents(Random random, int count) =>
        Enumerable.Range(1, count).Select(id => new AgentPosition(id, random.Next(3) switch
        {
            0 => Destination(new GeoPoint(2.35, 48.86), random.NextDouble() * 2 * Math.PI, random.NextDouble() * 30),
            1 => Destination(new GeoPoint(179.95, -16.5), random.NextDouble() * 2 * Math.PI, random.NextDouble() * 60),
            _ => RandomCenter(random),
        })).ToList();

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Outwards_lists_every_agent_within_reach_nearest_first_as_a_full_sort_does(int seed)
    {
        var random = new Random(seed);
        var agents = RandomAgents(random, 400);
        IReadOnlyList<AgentPosition> Within(IReadOnlyList<GeoBox> boxes) => agents.Where(a => boxes.Any(b => b.Contains(a.Location))).ToList();
        for (int query = 0; query < 60; query++)
        {
            var center = query % 3 == 0 ? new GeoPoint(2.35 + random.NextDouble() * 0.1, 48.86) : query % 3 == 1 ? new GeoPoint(-179.99, -16.5) : RandomCenter(random);
            double radius = Math.Pow(10, random.NextDouble() * 4.3 - 1);
            int limit = random.Next(1, 30);
            var expected = agents.Select(a => (Agent: a, Km: Geo.DistanceKm(center, a.Location))).Where(x => x.Km <= radius)
                .OrderBy(x => x.Km).ThenBy(x => x.Agent.Id).ToList();
            Assert.Equal(expected.Select(x => x.Agent.Id), NearestAgents.Outwards(Within, center, radius / 16, radius).Select(x => x.Agent.Id));
            Assert.Equal(expected.Take(limit).Select(x => x.Agent.Id), NearestAgents.Within(Within, center, radius, limit).Select(x => x.Agent.Id));
        }
        // Everyone, from anywhere, when the reach is half the Earth's circumference.
        Assert.Equal(agents.Count, NearestAgents.Outwards(Within, new GeoPoint(0, 0), 2, Geo.MaxDistanceKm).Count());
    }

    [Fact]
    public void A_search_that_finds_enough_in_its_first_circle_reads_nothing_farther()
    {
        var agents = Enumerable.Range(1, 50).Select(i => new AgentPosition(i, new GeoPoint(2.35 + i * 0.001, 48.86))).ToList();
        var asked = new List<IReadOnlyList<GeoBox>>();
        IReadOnlyList<AgentPosition> Within(IReadOnlyList<GeoBox> boxes)
        {
            asked.Add(boxes);
            return agents.Where(a => boxes.Any(b => b.Contains(a.Location))).ToList();
        }
        // The 5 nearest are within 0.4 km; the first circle of a 100 km search is 6.25 km.
        var found = NearestAgents.Within(Within, new GeoPoint(2.35, 48.86), 100, 5);
        Assert.Equal([1L, 2, 3, 4, 5], found.Select(x => x.Agent.Id));
        var box = Assert.Single(Assert.Single(asked));
        Assert.Equal(100.0 / 16 / KmPerDegree, box.MaxLatitude - 48.86, 9);
    }
}
