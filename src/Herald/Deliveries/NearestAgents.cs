using Herald.Domain;
using Herald.Storage;

namespace Herald.Deliveries;

public static class NearestAgents
{
    /// <summary>The smallest search radius, so that a tiny radius still starts somewhere.</summary>
    private const double MinimumKm = 0.05;

    /// <summary>
    /// The agents within <paramref name="radiusKm"/> of <paramref name="center"/>, nearest first, at most
    /// <paramref name="limit"/>. The search starts at a sixteenth of the radius and doubles until it holds enough agents:
    /// those inside a smaller circle are nearer than any outside it, so a busy area is answered from the few index pages
    /// around the point rather than from every agent within the whole radius.
    /// </summary>
    public static List<(AgentPosition Agent, double Km)> Within(
        Func<IReadOnlyList<GeoBox>, IReadOnlyList<AgentPosition>> within, GeoPoint center, double radiusKm, int limit)
    {
        for (double r = Math.Min(radiusKm, Math.Max(radiusKm / 16, MinimumKm)); ; r = Math.Min(radiusKm, r * 2))
        {
            double reach = r;
            var found = within(Geo.BoxesAround(center, reach))
                .Select(a => (Agent: a, Km: Geo.DistanceKm(center, a.Location)))
                .Where(x => x.Km <= reach)
                .OrderBy(x => x.Km).ThenBy(x => x.Agent.Id)
                .ToList();
            if (found.Count >= limit || r >= radiusKm) return found.Take(limit).ToList();
        }
    }
}
