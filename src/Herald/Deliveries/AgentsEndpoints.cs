using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Herald.Api;
using Herald.Audit;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Domain;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Deliveries;

public sealed class AgentListParameters : PageParameters
{
    [FromQuery(Name = "role"), Description("Only agents of this role."), AllowedValues("agent", "admin")]
    public string? Role { get; init; }

    [FromQuery(Name = "is_active"), Description("Only active (true) or only inactive (false) agents.")]
    public bool? IsActive { get; init; }
}

public sealed class NearbyAgentsParameters : OneTeamParameters
{
    [FromQuery(Name = "lon"), Description("Longitude of the point, -180 to 180 (required)."), Range(-180.0, 180.0)]
    public double? Lon { get; init; }

    [FromQuery(Name = "lat"), Description("Latitude of the point, -90 to 90 (required)."), Range(-90.0, 90.0)]
    public double? Lat { get; init; }

    [FromQuery(Name = "radius_km"), Description("How far to look, in kilometres. Default: 10; 20016 (half the Earth's circumference) reaches everywhere."), Range(0.001, 20016.0)]
    public double? RadiusKm { get; init; }

    [FromQuery(Name = "limit"), Description("Agents at most, nearest first. Default: 10."), Range(1, 100)]
    public int? Limit { get; init; }
}

/// <summary>
/// <c>/api/v1/agents</c>: a team's delivery agents, their sign-in, position and push subscription, and who is near a point.
/// An agent token may read its own record and set its own position and push subscription.
/// </summary>
public static class AgentsEndpoints
{
    public static IEndpointRouteBuilder MapAgentsEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/agents").WithTags("Agents");
        g.MapPost("", Create).RequireScope(Scopes.AgentsWrite).WithSummary("Add an agent (password stored as Argon2id)");
        g.MapGet("", List).RequireScope(Scopes.DeliveriesRead).WithSummary("The team's agents with their active deliveries and performance");
        g.MapGet("/push-public-key", PushPublicKey).RequireScope(Scopes.DeliveriesRead).AllowAgentTokens()
            .WithSummary("The server's VAPID public key: the applicationServerKey an agent app subscribes to push messages with");
        g.MapGet("/nearby", Nearby).RequireScope(Scopes.DeliveriesRead).WithSummary("Active agents within radius_km of a point, nearest first");
        g.MapPost("/login", Login).AllowAnonymous().AuditsAs("agents", "login").AddEndpointFilterFactory(QueryParameterRules.Factory)
            .WithSummary("An agent signs in with its email or phone and password; answers a short-lived token bound to the agent");
        g.MapGet("/{id}", Get).RequireScope(Scopes.DeliveriesRead).AllowAgentTokens().WithSummary("One agent");
        g.MapPatch("/{id}", Update).RequireScope(Scopes.AgentsWrite).WithSummary("Change an agent (a new password ends its tokens)");
        g.MapDelete("/{id}", Delete).RequireScope(Scopes.AgentsWrite).WithSummary("Delete an agent that holds no active delivery");
        g.MapPut("/{id}/location", Locate).RequireScope(Scopes.AgentsWrite).AllowAgentTokens().WithSummary("Set an agent's position (a GeoJSON Point)");
        g.MapPut("/{id}/push-subscription", Subscribe).RequireScope(Scopes.AgentsWrite).AllowAgentTokens()
            .WithSummary("Store the agent's Web Push subscription (PushSubscription.toJSON())");
        return app;
    }

    private static Results<Created<SuccessEnvelope<AgentDto>>, BadRequest<ErrorEnvelope>, Conflict<ErrorEnvelope>> Create(
        CreateAgentRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, AgentService agents)
    {
        int teamId = parameters.TeamId(http);
        return Answers.Created(agents.Create(teamId, body), a => $"/api/v1/agents/{a.PublicId}", a => AgentDto.Of(a, AgentFigures.None));
    }

    private static Ok<SuccessEnvelope<AgentPageDto>> List([AsParameters] AgentListParameters p, HttpContext http, IAgentStore store)
    {
        int team = p.TeamId(http);
        long after = p.Cursor is { } cursor ? Cursors.Decode("cursor", cursor).First : 0;
        int limit = p.Limit ?? PageParameters.DefaultSize;
        var rows = store.ListAgents(team, p.Role, p.IsActive, after, limit + 1);
        var page = rows.Take(limit).ToList();
        var figures = store.AgentFigures(team, page.Select(a => a.Id).ToList());
        string? next = rows.Count > limit ? Cursors.Encode(page[^1].Id, page[^1].PublicId) : null;
        return ApiResults.Ok(new AgentPageDto(page.Select(a => AgentDto.Of(a, figures[a.Id])).ToList(), next));
    }

    private static Ok<SuccessEnvelope<IReadOnlyList<NearbyAgentDto>>> Nearby([AsParameters] NearbyAgentsParameters p, HttpContext http, IAgentStore store)
    {
        int team = p.TeamId(http);
        var center = new GeoPoint(p.Lon ?? throw new BadParameterException("lon", "is required"), p.Lat ?? throw new BadParameterException("lat", "is required"));
        double radius = p.RadiusKm ?? 10;
        var near = NearestAgents.Within(boxes => store.ActiveAgentsWithin(team, boxes), center, radius, p.Limit ?? 10);
        var labels = store.AgentLabels(near.Select(x => x.Agent.Id).ToList());
        return ApiResults.Ok<IReadOnlyList<NearbyAgentDto>>(near
            .Select(x => new NearbyAgentDto(labels[x.Agent.Id].PublicId, labels[x.Agent.Id].Name, GeoJsonPoint.Of(x.Agent.Location), Math.Round(x.Km, 4)))
            .ToList());
    }

    private static Results<Ok<SuccessEnvelope<AgentLoginDto>>, BadRequest<ErrorEnvelope>, ErrorResult<ErrorStatus.Unauthorized>,
        ErrorResult<ErrorStatus.Forbidden>, ErrorResult<ErrorStatus.TooManyRequests>> Login(
        AgentLoginRequest body, HttpContext http, AgentService agents, IAgentStore store, FailedSignInThrottle throttle)
    {
        if (throttle.IsBlocked(http, out int retryAfter)) return TooMany(http, retryAfter, "too_many_failed_attempts", $"too many failed sign-ins from this address; retry after {retryAfter} s");
        var signIn = agents.SignIn(body);
        if (signIn.Token is not null)
        {
            var agent = signIn.Agent!;
            var figures = store.AgentFigures(agent.TeamId, [agent.Id])[agent.Id];
            return ApiResults.Ok(new AgentLoginDto(signIn.Token, "Bearer", Instants.At(signIn.ExpiresAtMs), AgentDto.Of(agent, figures)));
        }
        if (signIn.Inactive) return ApiResults.Forbidden("this agent is inactive");
        throttle.RecordFailure(http);
        if (signIn.LockedUntilMs is { } until)
        {
            int seconds = (int)Math.Max(1, Math.Ceiling((until - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) / 1000.0));
            return TooMany(http, seconds, "sign_in_locked", $"this agent's sign-in is locked after repeated failures; retry after {seconds} s");
        }
        return ApiResults.Error<ErrorStatus.Unauthorized>("invalid_credentials", "the team, the email or phone, or the password is wrong");
    }

    private static ErrorResult<ErrorStatus.TooManyRequests> TooMany(HttpContext http, int retryAfter, string code, string message)
    {
        http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return ApiResults.Error<ErrorStatus.TooManyRequests>(code, message);
    }

    private static Results<Ok<SuccessEnvelope<AgentDto>>, NotFound<ErrorEnvelope>> Get(string id, [AsParameters] OneTeamParameters parameters, HttpContext http, IAgentStore store)
    {
        int teamId = parameters.TeamId(http);
        var agent = store.FindAgent(teamId, Answers.Id(id));
        if (agent is null || Answers.Agent(http) is { IsAdmin: false } self && self.AgentId != agent.Id) return ApiResults.NotFound($"no agent '{id}'");
        return ApiResults.Ok(AgentDto.Of(agent, store.AgentFigures(teamId, [agent.Id])[agent.Id]));
    }

    private static Results<Ok<SuccessEnvelope<AgentDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>> Update(
        string id, UpdateAgentRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, AgentService agents, IAgentStore store)
    {
        int teamId = parameters.TeamId(http);
        return Answers.Of(agents.Update(teamId, Answers.Id(id), body), a => AgentDto.Of(a, store.AgentFigures(teamId, [a.Id])[a.Id]));
    }

    private static Results<Ok<SuccessEnvelope<AgentDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>> Delete(
        string id, [AsParameters] OneTeamParameters parameters, HttpContext http, AgentService agents, IAgentStore store)
    {
        int teamId = parameters.TeamId(http);
        return Answers.Of(agents.Delete(teamId, Answers.Id(id)), a => AgentDto.Of(a with { IsActive = false }, store.AgentFigures(teamId, [a.Id])[a.Id]));
    }

    private static Results<Ok<SuccessEnvelope<AgentDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>> Locate(
        string id, GeoJsonPoint body, [AsParameters] OneTeamParameters parameters, HttpContext http, AgentService agents, IAgentStore store)
    {
        int teamId = parameters.TeamId(http);
        var location = Fields.Point("", body);
        var outcome = MaySet(http, store, Answers.Id(id)) ? agents.MoveTo(teamId, id, location) : Outcome<AgentRecord>.NotFound($"no agent '{id}'");
        return Answers.Of(outcome, a => AgentDto.Of(a, store.AgentFigures(teamId, [a.Id])[a.Id]));
    }

    private static Results<Ok<SuccessEnvelope<AgentDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>> Subscribe(
        string id, PushSubscriptionRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, AgentService agents, IAgentStore store)
    {
        int teamId = parameters.TeamId(http);
        string subscription = body.CheckedJson();
        var outcome = MaySet(http, store, Answers.Id(id)) ? agents.Subscribe(teamId, id, subscription) : Outcome<AgentRecord>.NotFound($"no agent '{id}'");
        return Answers.Of(outcome, a => AgentDto.Of(a, store.AgentFigures(teamId, [a.Id])[a.Id]));
    }

    private static Ok<SuccessEnvelope<PushPublicKeyDto>> PushPublicKey([AsParameters] OneTeamParameters parameters, HttpContext http, VapidKeys keys)
    {
        _ = parameters.TeamId(http);
        return ApiResults.Ok(new PushPublicKeyDto(keys.PublicKey));
    }

    /// <summary>An agent token sets only its own agent's position and subscription (other agents are not found for it).</summary>
    private static bool MaySet(HttpContext http, IAgentStore store, string id) =>
        Answers.Agent(http) is not { } self || store.FindAgentById(self.AgentId)?.PublicId == id;
}
