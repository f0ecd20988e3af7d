using Herald.Domain;
using Herald.Storage;

namespace Herald.Deliveries;

public static class NearestAgents
{
    /// <summary>The smallest search radius, so that a tiny radius still starts somewhere.</summary>
    private const double MinimumKm = 0.05;

    /// <summary>
    /// The agents within <paramref name="radiusKm"/> of <paramref name="center"/>, nearest first, at most
    /// <paramref name="limit"/>. The search starts at a sixteenth of the radius, so a busy area is answered from the few
    /// index pages around the point rather than from every agent within the whole radius.
    /// </summary>
    public static List<(AgentPosition Agent, double Km)> Within(
        Func<IReadOnlyList<GeoBox>, IReadOnlyList<AgentPosition>> within, GeoPoint center, double radiusKm, int limit) =>
        Outwards(within, center, Math.Max(radiusKm / 16, MinimumKm), radiusKm).Take(limit).ToList();

    /// <summary>
    /// The agents out to <paramref name="maxKm"/> of <paramref name="center"/>, nearest first (ties by id), read lazily ring
    /// by ring: the first circle has radius <paramref name="firstKm"/>, each next one twice the last. Every agent inside a
    /// circle is nearer than any outside it, so a ring's agents, sorted, follow the previous ring's; a caller that stops
    /// early reads only the circles it needed.
    /// </summary>
    public static IEnumerable<(AgentPosition Agent, double Km)> Outwards(
        Func<IReadOnlyList<GeoBox>, IReadOnlyList<AgentPosition>> within, GeoPoint center, double firstKm, double maxKm)
    {
        double inner = -1;
        for (double outer = Math.Min(firstKm, maxKm); ; outer = Math.Min(maxKm, outer * 2))
        {
            double from = inner, to = outer;
            var ring = within(Geo.BoxesAround(center, to))
                .Select(a => (Agent: a, Km: Geo.DistanceKm(center, a.Location)))
                .Where(x => x.Km > from && x.Km <= to)
                .OrderBy(x => x.Km).ThenBy(x => x.Agent.Id);
            foreach (var x in ring) yield return x;
            if (outer >= maxKm) yield break;
            inner = outer;
        }
    }
}
