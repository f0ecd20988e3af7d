using System.Globalization;

namespace Herald.Api;

/// <summary>
/// The checks every endpoint makes of its query string: only the parameters it takes (an unknown one is a 400, so a
/// misspelling is caught rather than ignored), and numbers within their ranges. <c>team</c> is always allowed.
/// </summary>
public static class QueryParameters
{
    public static void Only(IQueryCollection query, params string[] allowed)
    {
        foreach (var (name, _) in query)
            if (name != "team" && Array.IndexOf(allowed, name) < 0)
                throw new BadParameterException(name, allowed.Length == 0
                    ? "unknown parameter; this endpoint takes only team"
                    : $"unknown parameter; allowed: {string.Join(", ", allowed)}, team");
    }

    /// <summary>The one team a request is about (its key's, or the <c>team</c> an admin key names), after <see cref="Only"/>.</summary>
    public static int OneTeam(HttpContext http, params string[] allowed)
    {
        Only(http.Request.Query, allowed);
        return TeamScope.ResolveOne(http);
    }

    public static int Int(IQueryCollection query, string name, int min, int max, int fallback)
    {
        if (!query.TryGetValue(name, out var raw)) return fallback;
        if (raw.Count != 1 || !int.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new BadParameterException(name, $"must be a whole number from {min} to {max}");
        return v;
    }

    public static double Number(IQueryCollection query, string name, double min, double max, double fallback)
    {
        if (!query.TryGetValue(name, out var raw)) return fallback;
        if (raw.Count != 1 || !double.TryParse(raw[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            || double.IsNaN(v) || v < min || v > max)
            throw new BadParameterException(name, $"must be a number from {min} to {max}");
        return v;
    }
}
