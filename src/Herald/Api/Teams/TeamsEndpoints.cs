using System.ComponentModel;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Domain;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Herald.Tenancy;

namespace Herald.Api.Teams;

public sealed record CreateTeamRequest(string? Name);
public sealed record TeamDto(string Id, string Name, string WebhookToken, DateTimeOffset CreatedAt);
public sealed record CreateKeyRequest(
    string? TeamId, string? Name, string[]? Scopes, RateLimitDto? RateLimit, DateTimeOffset? ExpiresAt, string? Description, string? Environment,
    string[]? AllowedIps);
public sealed record UpdateKeyRequest(bool? IsActive, string? Description, string[]? AllowedIps);
public sealed record RateLimitDto(int Requests, long Period);
public sealed record KeyDto(
    string Id, string? TeamId, string Name, string Prefix, string[] Scopes, RateLimitDto? RateLimit, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt, long UsageCount, DateTimeOffset CreatedAt, string? Key, string? Description, string Environment, string? CreatedBy, bool IsActive,
    IReadOnlyList<string>? AllowedIps);
public sealed record UpsertAccountRequest(string? Name, double? TpsLimit, double? CreditBalance);
public sealed record AccountDto(string Name, double? TpsLimit, double? CreditBalance, DateTimeOffset CreatedAt);

/// <summary>Teams and API keys (admin), and a team's sending accounts.</summary>
public static class TeamsEndpoints
{
    public const int MaxTeamNameLength = 64;

    public static IEndpointRouteBuilder MapTeamsEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1").RequireScope(Scopes.Admin).WithTags("Teams and keys");
        admin.MapPost("/teams", CreateTeam).WithSummary("Create a team; answers its id and webhook token");
        admin.MapGet("/teams", ListTeams).WithSummary("List teams");
        admin.MapPost("/keys", CreateKey).WithSummary("Create an API key; the key is shown once");
        admin.MapGet("/keys", ListKeys).WithSummary("List API keys (never the keys themselves)");
        admin.MapPatch("/keys/{id}", UpdateKey).WithSummary("Turn an API key on or off (is_active) without revoking it, change its description, or the addresses it may be used from (allowed_ips; [] for anywhere)");
        admin.MapDelete("/keys/{id}", RevokeKey).WithSummary("Revoke an API key");

        var accounts = app.MapGroup("/api/v1/accounts").WithTags("Accounts");
        accounts.MapGet("", ListAccounts).RequireScope(Scopes.MetricsRead).WithSummary("A team's sending accounts");
        accounts.MapPut("/{name}", UpsertAccount).RequireScope(Scopes.Admin).WithSummary("Create or update an account's TPS limit and credit balance");
        return app;
    }

    private static Results<Created<SuccessEnvelope<TeamDto>>, Conflict<ErrorEnvelope>> CreateTeam(CreateTeamRequest body, TeamDirectory teams)
    {
        var name = IdentifierParameter.Require("name", body.Name?.Trim(), MaxTeamNameLength);
        try
        {
            var team = teams.Create(name);
            return TypedResults.Created($"/api/v1/teams/{team.PublicId}", new SuccessEnvelope<TeamDto>(ToDto(team)));
        }
        catch (DuplicateNameException e)
        {
            return ApiResults.Conflict("conflict", e.Message, new ErrorDetail("name", "already taken"));
        }
    }

    private static Ok<SuccessEnvelope<IReadOnlyList<TeamDto>>> ListTeams(TeamDirectory teams) =>
        ApiResults.Ok<IReadOnlyList<TeamDto>>(teams.All.Select(ToDto).ToList());

    public const int MaxKeyDescriptionLength = 1000;

    private static Results<Created<SuccessEnvelope<KeyDto>>, BadRequest<ErrorEnvelope>> CreateKey(
        CreateKeyRequest body, TeamDirectory teams, ApiKeyService keys, TimeProvider time, HttpContext http, IDirectoryStore store)
    {
        var name = IdentifierParameter.Require("name", body.Name?.Trim(), Identifier.MaxDimensionLength);
        var scopes = body.Scopes ?? [];
        if (scopes.Length == 0) return ApiResults.BadRequest("scopes", "name at least one of " + string.Join(", ", Scopes.All));
        foreach (var s in scopes)
            if (Array.IndexOf(Scopes.All, s) < 0) return ApiResults.BadRequest("scopes", $"unknown scope '{s}'; one of {string.Join(", ", Scopes.All)}");
        int? teamId = null;
        if (body.TeamId is not null)
        {
            var team = teams.ByPublicIdOrName(body.TeamId);
            if (team is null) return ApiResults.BadRequest("team_id", $"no team '{body.TeamId}'");
            teamId = team.Id;
        }
        if (teamId is not null && scopes.Contains(Scopes.Admin))
            return ApiResults.BadRequest("scopes", "the admin scope is for keys without a team (admin keys see every team)");
        if (teamId is null && !scopes.Contains(Scopes.Admin))
        {
            return ApiResults.BadRequest("team_id", "is required unless the key has the admin scope");
        }
        if (body.RateLimit is { } rl && (rl.Requests < 1 || rl.Period < 1000))
            return ApiResults.BadRequest("rate_limit", "requests must be >= 1 and period (ms) >= 1000");
        if (body.ExpiresAt is { } exp && exp <= time.GetUtcNow())
            return ApiResults.BadRequest("expires_at", "must be in the future");
        if (body.Description is { } d && Identifier.LengthProblem(d, MaxKeyDescriptionLength) is { } issue) return ApiResults.BadRequest("description", issue);
        string environment = body.Environment ?? ApiKeyEnvironments.Development;
        if (Array.IndexOf(ApiKeyEnvironments.All, environment) < 0)
            return ApiResults.BadRequest("environment", "must be one of " + string.Join(", ", ApiKeyEnvironments.All));
        IpAllowList? allowedIps = null;
        if (body.AllowedIps is { Length: > 0 } entries && (allowedIps = IpAllowList.Parse(entries, out var ipProblem)) is null)
            return ApiResults.BadRequest("allowed_ips", ipProblem!);
        // Who made the key: the key that asked (a dashboard session acts with its key).
        string? createdBy = store.FindKeyById(http.Caller().KeyId)?.PublicId;
        var created = keys.Create(teamId, name, scopes, body.RateLimit?.Requests, body.RateLimit?.Period, body.ExpiresAt, null, body.Description, environment, createdBy,
            allowedIps);
        return TypedResults.Created($"/api/v1/keys/{created.Record.PublicId}", new SuccessEnvelope<KeyDto>(ToDto(created.Record, teams, created.Key)));
    }

    private static Ok<SuccessEnvelope<IReadOnlyList<KeyDto>>> ListKeys(
        [FromQuery(Name = QueryParameterRules.Team), Description("Only the keys of this team (id or name). Default: every key.")] string? team,
        IDirectoryStore store, TeamDirectory teams)
    {
        int? teamId = team is null ? null : teams.ByPublicIdOrName(team)?.Id ?? throw new BadParameterException("team", $"no team '{team}'");
        return ApiResults.Ok<IReadOnlyList<KeyDto>>(store.ListKeys(teamId).Select(k => ToDto(k, teams, null)).ToList());
    }

    private static Results<Ok<SuccessEnvelope<KeyDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>> UpdateKey(
        string id, UpdateKeyRequest body, ApiKeyService keys, TeamDirectory teams)
    {
        IdentifierParameter.Require("id", id);
        if (body.Description is { } d && Identifier.LengthProblem(d, MaxKeyDescriptionLength) is { } issue) return ApiResults.BadRequest("description", issue);
        if (body.IsActive is null && body.Description is null && body.AllowedIps is null)
            return ApiResults.BadRequest("is_active", "name is_active, description or allowed_ips to change");
        IpAllowList? allowedIps = null;
        if (body.AllowedIps is { Length: > 0 } entries && (allowedIps = IpAllowList.Parse(entries, out var ipProblem)) is null)
            return ApiResults.BadRequest("allowed_ips", ipProblem!);
        return keys.Update(id, body.IsActive, body.Description, allowedIps, clearAllowedIps: body.AllowedIps is { Length: 0 }) is { } updated ? ApiResults.Ok(ToDto(updated, teams, null)) : ApiResults.NotFound($"no key '{id}' that is not revoked");
    }

    private static Results<Ok<SuccessEnvelope<object>>, NotFound<ErrorEnvelope>> RevokeKey(string id, ApiKeyService keys) =>
        keys.Revoke(id) ? ApiResults.Ok<object>(new { id, revoked = true }) : ApiResults.NotFound($"no active key '{id}'");

    private static Ok<SuccessEnvelope<IReadOnlyList<AccountDto>>> ListAccounts([AsParameters] TeamParameters parameters, HttpContext http, IDirectoryStore store)
    {
        var list = new List<AccountDto>();
        foreach (int t in parameters.Teams(http))
            foreach (var a in store.ListAccounts(t)) list.Add(ToDto(a));
        return ApiResults.Ok<IReadOnlyList<AccountDto>>(list);
    }

    private static Results<Ok<SuccessEnvelope<AccountDto>>, BadRequest<ErrorEnvelope>> UpsertAccount(
        string name, [AsParameters] OneTeamParameters parameters, UpsertAccountRequest body, HttpContext http, IDirectoryStore store, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        IdentifierParameter.Require("name", name, Identifier.MaxDimensionLength);
        if (body.TpsLimit is < 0) return ApiResults.BadRequest("tps_limit", "must be >= 0");
        return ApiResults.Ok(ToDto(store.UpsertAccount(teamId, name, body.TpsLimit, body.CreditBalance, time.GetUtcNow().ToUnixTimeMilliseconds())));
    }

    private static TeamDto ToDto(TeamRecord t) => new(t.PublicId, t.Name, t.WebhookToken, Instants.At(t.CreatedAtMs));

    private static AccountDto ToDto(AccountRecord a) => new(a.Name, a.TpsLimit, a.CreditBalance, Instants.At(a.CreatedAtMs));

    private static KeyDto ToDto(ApiKeyRecord k, TeamDirectory teams, string? key) =>
        new(k.PublicId, k.TeamId is { } t ? teams.PublicIdOf(t) : null, k.Name, k.Prefix, k.Scopes,
            k.RateLimitRequests is { } r ? new RateLimitDto(r, k.RateLimitPeriodMs ?? 0) : null, Instants.At(k.ExpiresAtMs), Instants.At(k.RevokedAtMs),
            Instants.At(k.LastUsedAtMs), k.UsageCount, Instants.At(k.CreatedAtMs), key, k.Description, k.Environment, k.CreatedBy, k.IsActive,
            IpAllowList.Parse(k.AllowedIps)?.Entries);
}
