using Herald.Analytics;
using Herald.Domain;
using Herald.Engine;

namespace Herald.Api.Metrics;

/// <summary>The window and filters shared by the metrics endpoints, parsed and checked from the query string.</summary>
public sealed record MetricsRequest(UtcMinute From, UtcMinute To, MetricFilter Filter, string? Team)
{
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(3660);

    public static MetricsRequest Parse(IQueryCollection query, DateTimeOffset now, params string[] extraParameters)
    {
        foreach (var (name, _) in query)
        {
            if (name is "from" or "to") continue;
            if (Dimensions.TryParse(name, out _)) continue;
            if (Array.IndexOf(extraParameters, name) >= 0) continue;
            throw new BadParameterException(name, $"unknown parameter; allowed: from, to, {string.Join(", ", Dimensions.All.Select(Dimensions.Name).Concat(extraParameters))}");
        }

        var to = query.TryGetValue("to", out var t) ? ParseInstant("to", t!) : UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
        var from = query.TryGetValue("from", out var f) ? ParseInstant("from", f!) : new UtcMinute(to.Value - 24 * 60);
        if (from >= to) throw new BadParameterException("from", "must be earlier than to");
        if (TimeSpan.FromMinutes(to.Value - from.Value) > MaxWindow) throw new BadParameterException("from", "the window may span at most 10 years");

        var filter = new MetricFilter();
        foreach (var d in Dimensions.All)
        {
            if (d == Dimension.Team || !query.TryGetValue(Dimensions.Name(d), out var values)) continue;
            var list = values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            if (list.Length == 0) throw new BadParameterException(Dimensions.Name(d), "must name at least one value");
            if (d == Dimension.Kind)
                foreach (var k in list)
                    if (!ItemKinds.TryParse(k, out _)) throw new BadParameterException("kind", $"'{k}' is not one of message, otp, call, parcel");
            if (d == Dimension.Country) list = list.Select(c => c.ToUpperInvariant()).ToArray();
            filter.Allow(d, list);
        }
        string? team = query.TryGetValue("team", out var tm) ? tm.ToString() : null;
        return new MetricsRequest(from, to, filter, team);
    }

    private static UtcMinute ParseInstant(string name, string value)
    {
        if (!EventParser.TryParseRfc3339(value, out var at))
            throw new BadParameterException(name, "must be an RFC 3339 timestamp with a time zone, like 2026-11-22T10:00:00Z");
        return UtcMinute.FromDateTimeOffset(at);
    }
}
