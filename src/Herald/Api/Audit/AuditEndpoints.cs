using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Domain;
using Herald.Storage;
using Herald.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Api.Audit;

/// <summary>One audit entry as the API answers it: never a field's value, only the names of the fields a write set; its chain hash in hex.</summary>
public sealed record AuditEntryDto(
    string Id, string At, string? Team, string Actor, string? RemoteIp, string Action, string ResourceType, string? ResourceId, int Outcome,
    IReadOnlyList<string>? Changes, string Hash);

public sealed record AuditPageDto(IReadOnlyList<AuditEntryDto> Entries, string? NextCursor);

public sealed class AuditListParameters : TeamParameters
{
    public const int DefaultLimit = 100;

    [FromQuery(Name = "from"), Description("Only entries at or after this instant (RFC 3339).")]
    public Timestamp? From { get; init; }

    [FromQuery(Name = "to"), Description("Only entries before this instant (RFC 3339).")]
    public Timestamp? To { get; init; }

    [FromQuery(Name = "actor"), Description("Only this actor: key:<key id>, agent:<agent id>, cli, system or anonymous.")]
    public string? Actor { get; init; }

    [FromQuery(Name = "resource_type"), Description("Only this resource type, e.g. keys, alerts/rules, deliveries.")]
    public string? ResourceType { get; init; }

    [FromQuery(Name = "action"), Description("Only this action, e.g. create, update, delete, read, assign, login.")]
    public string? Action { get; init; }

    [FromQuery(Name = "limit"), Description("Entries per page, newest first. Default 100."), Range(1, 1000)]
    public int? Limit { get; init; }

    [FromQuery(Name = "cursor"), Description("The next_cursor of the page before.")]
    public string? Cursor { get; init; }
}

/// <summary>
/// <c>GET /api/v1/audit</c>: the audit trail, newest first. Admin keys read every team's entries (and those of no team: CLI
/// and admin actions); a team key with <c>audit:read</c> reads its own team's.
/// </summary>
public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/audit", List).RequireScope(Scopes.AuditRead).WithTags("Audit")
            .WithSummary("Who did what, when and from where: every API write, admin CLI action and audited read, newest first");
        return app;
    }

    private static Ok<SuccessEnvelope<AuditPageDto>> List([AsParameters] AuditListParameters p, HttpContext http, IAuditStore store, TeamDirectory directory)
    {
        var caller = http.Caller();
        // An admin key without ?team= reads everything, including the entries of no team.
        IReadOnlyList<int>? teams = caller.TeamId is null && p.Team is null ? null : p.Teams(http);
        long? before = null;
        if (p.Cursor is { } cursor)
            before = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out long seq) && seq > 0
                ? seq
                : throw new BadParameterException("cursor", "is not a cursor this list gave (use next_cursor as it was answered)");
        int limit = p.Limit ?? AuditListParameters.DefaultLimit;
        var rows = store.ReadAudit(new AuditQuery(teams, p.From?.Value.ToUnixTimeMilliseconds(), p.To?.Value.ToUnixTimeMilliseconds(), p.Actor,
            p.ResourceType, p.Action, before, limit + 1));
        var page = rows.Count > limit ? rows.Take(limit).ToList() : rows;
        string? next = rows.Count > limit ? page[^1].Seq.ToString(CultureInfo.InvariantCulture) : null;
        return ApiResults.Ok(new AuditPageDto(page.Select(r => Dto(r, directory)).ToList(), next));
    }

    private static AuditEntryDto Dto(AuditRow row, TeamDirectory directory)
    {
        var e = row.Entry;
        return new AuditEntryDto(row.Seq.ToString(CultureInfo.InvariantCulture), Timestamps.Iso(e.AtMs)!, e.TeamId is { } t ? directory.PublicIdOf(t) : null,
            e.Actor, e.RemoteIp, e.Action, e.ResourceType, e.ResourceId, e.Outcome, e.Changes, Convert.ToHexStringLower(row.Hash));
    }
}
