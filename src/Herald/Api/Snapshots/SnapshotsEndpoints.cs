using System.Globalization;
using System.Text.Json;
using Herald.Analytics.Caching;
using System.ComponentModel;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Domain;
using Herald.Snapshots;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Herald.Tenancy;

namespace Herald.Api.Snapshots;

public sealed record SnapshotDto(
    string Team, string? Account, string Date, string Type, string SnapshotType, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, JsonElement Metrics,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed class SnapshotListParameters : TeamParameters
{
    [FromQuery(Name = "type"), Description("The snapshots' period (any case). Default: daily.")]
    [AllowedValuesIgnoringCase("daily", "weekly", "monthly")]
    public string? Type { get; init; }

    [FromQuery(Name = "from"), Description("The first day, yyyy-MM-dd. Default: 90 days before to.")]
    public string? From { get; init; }

    [FromQuery(Name = "to"), Description("The last day, yyyy-MM-dd, included. Default: today (UTC).")]
    public string? To { get; init; }

    [FromQuery(Name = "account"), Description("An account's snapshots, or * for every row. Default: the team-wide ones.")]
    public string? Account { get; init; }
}

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

    private static Ok<SuccessEnvelope<IReadOnlyList<SnapshotDto>>> List(
        [AsParameters] SnapshotListParameters parameters, HttpContext http, ISnapshotStore store, TeamDirectory teams, TimeProvider time)
    {
        var type = SnapshotType.Daily;
        if (parameters.Type is { } t) SnapshotTypes.TryParse(t, out type);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var to = parameters.To is { } toText ? DayParameter.Parse("to", toText) : today;
        var from = parameters.From is { } fromText ? DayParameter.Parse("from", fromText) : to.AddDays(-DefaultDays);
        if (from > to) throw new BadParameterException("from", "must not be after to");

        var (filter, account) = parameters.Account switch
        {
            null => (SnapshotAccountFilter.TeamOnly, (string?)null),
            "*" => (SnapshotAccountFilter.All, null),
            var a when string.IsNullOrWhiteSpace(a) => throw new BadParameterException("account", "must name an account, or * for all"),
            var a => (SnapshotAccountFilter.Account, a.Trim()),
        };

        var teamIds = parameters.Teams(http);
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

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateTimeOffset Instant(long ms) => Instants.ToSecond(Instants.At(ms));
}
