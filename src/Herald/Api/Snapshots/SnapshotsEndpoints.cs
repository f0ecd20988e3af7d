using System.Globalization;
using System.Text.Json;
using Herald.Analytics.Caching;
using Herald.Api.Auth;
using Herald.Snapshots;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Herald.Tenancy;

namespace Herald.Api.Snapshots;

public sealed record SnapshotDto(
    string Team, string? Account, string Date, string Type, string SnapshotType, string PeriodStart, string PeriodEnd, JsonElement Metrics,
    string CreatedAt, string UpdatedAt);

/// <summary><c>GET /api/v1/analytics/snapshots</c>: the stored daily, weekly and monthly snapshots of the caller's team.</summary>
public static class SnapshotsEndpoints
{
    public const int MaxRows = 1000;
    public const int DefaultDays = 90;

    public static IEndpointRouteBuilder MapSnapshotsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/analytics/snapshots", List).RequireScope(Scopes.MetricsRead).WithTags("Snapshots")
            .WithSummary("Stored snapshots: ?type=daily|weekly|monthly&from=&to= (dates, inclusive) &account= (a name, or * for all; default the team-wide ones)");
        return app;
    }

    private static Ok<SuccessEnvelope<IReadOnlyList<SnapshotDto>>> List(HttpContext http, ISnapshotStore store, TeamDirectory teams, TimeProvider time)
    {
        var query = http.Request.Query;
        QueryParameters.Only(query, "type", "from", "to", "account");
        string? Q(string key) => query.TryGetValue(key, out var v) ? v.ToString() : null;

        var type = SnapshotType.Daily;
        if (Q("type") is { } t && !SnapshotTypes.TryParse(t, out type))
            throw new BadParameterException("type", "must be daily, weekly or monthly");
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var to = Q("to") is { } toText ? ParseDate("to", toText) : today;
        var from = Q("from") is { } fromText ? ParseDate("from", fromText) : to.AddDays(-DefaultDays);
        if (from > to) throw new BadParameterException("from", "must not be after to");

        var (filter, account) = Q("account") switch
        {
            null => (SnapshotAccountFilter.TeamOnly, (string?)null),
            "*" => (SnapshotAccountFilter.All, null),
            var a when string.IsNullOrWhiteSpace(a) => throw new BadParameterException("account", "must name an account, or * for all"),
            var a => (SnapshotAccountFilter.Account, a.Trim()),
        };

        var teamIds = TeamScope.Resolve(http, Q("team"));
        return ApiResults.Ok(http.Cached<IReadOnlyList<SnapshotDto>>(CacheTier.Snapshot, CacheScope.Snapshots(teamIds), $"{Date(from)}..{Date(to)}", () =>
        {
            var rows = new List<SnapshotDto>();
            foreach (int team in teamIds)
            {
                foreach (var s in store.ListSnapshots(team, SnapshotTypes.Name(type), Date(from), Date(to), filter, account, MaxRows - rows.Count))
                {
                    using var metrics = JsonDocument.Parse(s.MetricsJson);
                    rows.Add(new SnapshotDto(teams.PublicIdOf(s.TeamId), s.Account, s.Date, s.Type.ToLowerInvariant(), s.Type, Instant(s.PeriodStartMs),
                        Instant(s.PeriodEndMs), metrics.RootElement.Clone(), Instant(s.CreatedAtMs), Instant(s.UpdatedAtMs)));
                }
                if (rows.Count >= MaxRows) break;
            }
            return rows;
        }));
    }

    private static DateOnly ParseDate(string field, string value) =>
        DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw new BadParameterException(field, "must be a date like 2026-11-21 (yyyy-MM-dd)");

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Instant(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
