using System.Buffers.Text;
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

    [FromQuery(Name = "limit"), Description("At most this many snapshots per page. Default: 1000.")]
    [System.ComponentModel.DataAnnotations.Range(1, SnapshotsEndpoints.MaxRows)]
    public int? Limit { get; init; }

    [FromQuery(Name = "cursor"), Description("The next page: pagination.next_cursor of the previous page (with the same other parameters).")]
    public string? Cursor { get; init; }
}

/// <summary>Seed 002's <c>generateSnapshot(teamId, accountId, date, type)</c>: the period of <c>type</c> holding <c>date</c>.</summary>
public sealed record GenerateSnapshotRequest(string? Team, string? Account, string? Date, string? Type);

public sealed record GeneratedSnapshotsDto(string Team, string Type, string Date, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, int SnapshotsWritten,
    IReadOnlyList<SnapshotDto> Snapshots);

/// <summary>Where a page of snapshots ends and how to ask for the next one.</summary>
public sealed record PaginationDto(int Limit, bool HasMore, string? NextCursor);

/// <summary>The success envelope of a page: the rows as <c>data</c> (as before paging), and <c>pagination</c> beside it.</summary>
public sealed record PagedEnvelope<T>(T Data, PaginationDto Pagination)
{
    [System.Text.Json.Serialization.JsonPropertyOrder(-1)]
    public string Status => "success";
}

/// <summary>
/// <c>GET /api/v1/analytics/snapshots</c>: the stored daily, weekly and monthly snapshots of the caller's team, in pages
/// ordered by team, date and account, with an opaque cursor to the next; <c>POST /api/v1/analytics/snapshots/generate</c>:
/// one team's (or account's) snapshot of a period, now.
/// </summary>
public static class SnapshotsEndpoints
{
    public const int MaxRows = 1000;
    public const int DefaultDays = 90;

    public static IEndpointRouteBuilder MapSnapshotsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/analytics/snapshots", List).RequireScope(Scopes.MetricsRead).WithTags("Snapshots")
            .WithSummary("Stored snapshots: ?type=daily|weekly|monthly&from=&to= (dates, inclusive) &account= (a name, or * for all; default the team-wide ones) &limit=&cursor=");
        app.MapPost("/api/v1/analytics/snapshots/generate", Generate).RequireScope(Scopes.ReportsWrite).WithTags("Snapshots")
            .WithSummary("Seed 002's generateSnapshot: {team?, account?, date, type} generates (or regenerates) the period's snapshots now and warms the dashboard");
        return app;
    }

    private static Ok<PagedEnvelope<IReadOnlyList<SnapshotDto>>> List(
        [AsParameters] SnapshotListParameters parameters, HttpContext http, ISnapshotStore store, TeamDirectory teams, TimeProvider time)
    {
        var type = SnapshotType.Daily;
        if (parameters.Type is { } t) _ = SnapshotTypes.TryParse(t, out type);
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
        int limit = parameters.Limit ?? MaxRows;
        var teamIds = parameters.Teams(http).Order().ToList();
        var after = parameters.Cursor is { } c ? SnapshotCursor.Parse(c, teams) : null;

        var page = http.Cached(CacheTier.Snapshot, CacheScope.Snapshots(teamIds), $"{Date(from)}..{Date(to)}", () =>
        {
            var rows = new List<SnapshotRecord>();
            bool more = false;
            foreach (int team in teamIds)
            {
                if (after is { } a && team < a.Team) continue;
                var key = after is { } k && k.Team == team ? (k.Date, k.Account) : ((string, string)?)null;
                var found = store.ListSnapshots(team, SnapshotTypes.Name(type), Date(from), Date(to), filter, account, limit + 1 - rows.Count, key);
                rows.AddRange(found);
                if (rows.Count > limit)
                {
                    more = true;
                    rows.RemoveRange(limit, rows.Count - limit);
                    break;
                }
            }
            var dtos = rows.Select(s => Dto(s, teams)).ToList();
            string? next = more ? SnapshotCursor.Of(rows[^1], teams) : null;
            return new SnapshotPage(dtos, new PaginationDto(limit, more, next));
        });
        if (page.Pagination.NextCursor is { } cursor)
            http.Response.Headers.Link = $"<{http.Request.Path}{QueryWithCursor(http, cursor)}>; rel=\"next\"";
        return TypedResults.Ok(new PagedEnvelope<IReadOnlyList<SnapshotDto>>(page.Rows, page.Pagination));
    }

    private sealed record SnapshotPage(IReadOnlyList<SnapshotDto> Rows, PaginationDto Pagination);

    private static string QueryWithCursor(HttpContext http, string cursor)
    {
        var query = http.Request.Query.Where(p => p.Key != "cursor").SelectMany(p => p.Value.Select(v => (p.Key, Value: v ?? "")))
            .Append(("cursor", cursor)).Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2));
        return "?" + string.Join("&", query);
    }

    private static async Task<Results<Ok<SuccessEnvelope<GeneratedSnapshotsDto>>, BadRequest<ErrorEnvelope>>> Generate(
        GenerateSnapshotRequest body, HttpContext http, SnapshotService snapshots, ISnapshotStore store, TeamDirectory teams, TimeProvider time)
    {
        int teamId = TeamScope.ResolveOne(http, body.Team);
        if (body.Date is null) throw new BadParameterException("date", "is required: a UTC day (yyyy-MM-dd) in the period to generate");
        var date = DayParameter.Parse("date", body.Date);
        var type = SnapshotType.Daily;
        if (body.Type is { } t && !SnapshotTypes.TryParse(t, out type)) throw new BadParameterException("type", "must be daily, weekly or monthly (any case)");
        var period = SnapshotPeriod.Containing(type, date);
        if (period.Start.ToDateTimeOffset() > time.GetUtcNow()) throw new BadParameterException("date", "the period has not begun yet");
        string? account = body.Account is null ? null : IdentifierParameter.Require("account", body.Account.Trim(), Identifier.MaxDimensionLength);
        // The build reads the whole period (and recipients' history): off the request thread.
        var written = await Task.Run(() => snapshots.GenerateStored(teamId, period, account));
        var filter = account is null ? SnapshotAccountFilter.All : SnapshotAccountFilter.Account;
        var stored = store.ListSnapshots(teamId, SnapshotTypes.Name(type), period.DateText, period.DateText, filter, account, MaxRows, null);
        return ApiResults.Ok(new GeneratedSnapshotsDto(teams.PublicIdOf(teamId), SnapshotTypes.Name(type).ToLowerInvariant(), period.DateText, Instant(period.Start.ToUnixMillis()),
            Instant(period.End.ToUnixMillis()), written.Count, stored.Select(s => Dto(s, teams)).ToList()));
    }

    private static SnapshotDto Dto(SnapshotRecord s, TeamDirectory teams)
    {
        using var metrics = JsonDocument.Parse(s.MetricsJson);
        return new SnapshotDto(teams.PublicIdOf(s.TeamId), s.Account, s.Date, s.Type.ToLowerInvariant(), s.Type, Instant(s.PeriodStartMs),
            Instant(s.PeriodEndMs), metrics.RootElement.Clone(), Instant(s.CreatedAtMs), Instant(s.UpdatedAtMs));
    }

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateTimeOffset Instant(long ms) => Instants.ToSecond(Instants.At(ms));
}

/// <summary>
/// Where a page of snapshots ended: the last row's team (its public id), date and account, as base64url JSON. Opaque to
/// clients; the teams a request may read are resolved again for every page, so a cursor cannot widen them.
/// </summary>
public sealed record SnapshotCursor(int Team, string Date, string Account)
{
    public static string Of(SnapshotRecord last, TeamDirectory teams) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new[] { teams.PublicIdOf(last.TeamId), last.Date, last.Account ?? "" }));

    public static SnapshotCursor Parse(string text, TeamDirectory teams)
    {
        try
        {
            var parts = JsonSerializer.Deserialize<JsonElement[]>(Base64Url.DecodeFromChars(text.Trim()));
            if (parts is [{ ValueKind: JsonValueKind.String } team, { ValueKind: JsonValueKind.String } date, { ValueKind: JsonValueKind.String } account]
                && teams.All.FirstOrDefault(t => t.PublicId == team.GetString()) is { } known)
                return new SnapshotCursor(known.Id, date.GetString()!, account.GetString()!);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
        }
        throw new BadParameterException("cursor", "is not a cursor this listing gave (pass pagination.next_cursor as it is)");
    }
}
