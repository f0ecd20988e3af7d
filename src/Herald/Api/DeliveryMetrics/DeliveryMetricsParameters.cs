using System.Globalization;

namespace Herald.Api.DeliveryMetrics;

/// <summary>Seed 000's query parameters with their ranges: <c>timeRange</c> 1-168 hours, <c>days</c> 1-30, <c>limit</c> 1-100.</summary>
public static class DeliveryMetricsParameters
{
    public static int TimeRange(IQueryCollection query) => Range(query, "timeRange", 1, 168, 24, "hours");
    public static int Days(IQueryCollection query) => Range(query, "days", 1, 30, 7, "days");
    public static int Limit(IQueryCollection query) => Range(query, "limit", 1, 100, 20, "records");

    /// <summary>Rejects any parameter the endpoint does not take, so a misspelling is not silently ignored.</summary>
    public static void Only(IQueryCollection query, params string[] allowed)
    {
        foreach (var (name, _) in query)
            if (name != "team" && Array.IndexOf(allowed, name) < 0)
                throw new BadParameterException(name, allowed.Length == 0 ? "this endpoint takes no parameters (but team)"
                    : $"unknown parameter; allowed: {string.Join(", ", allowed)}, team");
    }

    private static int Range(IQueryCollection query, string name, int min, int max, int fallback, string unit)
    {
        if (!query.TryGetValue(name, out var raw)) return fallback;
        if (raw.Count != 1 || !int.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw new BadParameterException(name, $"must be a whole number of {unit} from {min} to {max}");
        return value;
    }
}
