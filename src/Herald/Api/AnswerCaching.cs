using System.Text;
using Herald.Analytics.Caching;

namespace Herald.Api;

/// <summary>Serves an endpoint's answer through the <see cref="AnswerCache"/> and says which it was in <c>X-Herald-Cache</c>.</summary>
public static class AnswerCaching
{
    public const string Header = "X-Herald-Cache";

    /// <summary>
    /// The cache key is the route, every query parameter (sorted), the teams, and <paramref name="window"/>, which must
    /// name what the clock contributed to the answer (its window's bounds). Validate the parameters before calling: a bad
    /// request must fail the same whether or not an answer is kept.
    /// </summary>
    public static T Cached<T>(this HttpContext http, CacheTier tier, CacheScope scope, string window, Func<T> compute) where T : class
    {
        var cache = http.RequestServices.GetRequiredService<AnswerCache>();
        var value = cache.GetOrCompute(tier, KeyOf(http, scope.Teams, window), scope, compute, out var outcome);
        http.Response.Headers[Header] = outcome == CacheOutcome.Hit ? "hit" : "miss";
        return value;
    }

    private static string KeyOf(HttpContext http, IReadOnlyList<int> teams, string window)
    {
        var sb = new StringBuilder(http.Request.Path.Value);
        foreach (var (name, values) in http.Request.Query.OrderBy(p => p.Key, StringComparer.Ordinal))
            foreach (var value in values) sb.Append('\u001e').Append(name).Append('=').Append(value);
        sb.Append("\u001eteams=");
        foreach (int team in teams) sb.Append(team).Append(',');
        return sb.Append('\u001e').Append(window).ToString();
    }
}
