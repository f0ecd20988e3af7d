using System.ComponentModel;
using System.Globalization;
using Herald.Api;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Audit;
using Herald.Domain;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Deliveries;

public sealed class DeliveryListParameters : PageParameters
{
    [FromQuery(Name = "status"), Description("Only deliveries in one of these statuses (comma-separated): scheduled, assigned, in_transit, completed, failed, cancelled.")]
    public string? Status { get; init; }

    [FromQuery(Name = "agent_id"), Description("Only deliveries held by one of these agents (comma-separated ids).")]
    public string? AgentId { get; init; }

    [FromQuery(Name = "customer_id"), Description("Only deliveries of one of these customers (comma-separated ids).")]
    public string? CustomerId { get; init; }

    [FromQuery(Name = "priority"), Description("Only deliveries of one of these priorities (comma-separated): low, normal, high, urgent.")]
    public string? Priority { get; init; }

    [FromQuery(Name = "fragile"), Description("Only fragile packages (true), or only the others (false).")]
    public bool? Fragile { get; init; }

    [FromQuery(Name = "from"), Description("Only deliveries created at or after this time (RFC 3339 with a time zone).")]
    public Timestamp? From { get; init; }

    [FromQuery(Name = "to"), Description("Only deliveries created before this time (RFC 3339 with a time zone).")]
    public Timestamp? To { get; init; }
}

/// <summary>
/// <c>/api/v1/deliveries</c>: a team's deliveries, their assignment, tracking and feedback. Every status change is an engine
/// event of the delivery's current attempt (an item of kind parcel), so the metrics, alerts and reports see deliveries
/// per agent. An agent token reads only the deliveries it holds and posts only their tracking.
/// </summary>
public static class DeliveriesEndpoints
{
    public static IEndpointRouteBuilder MapDeliveriesEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/deliveries").WithTags("Deliveries");
        g.MapPost("", Create).RequireScope(Scopes.DeliveriesWrite).WithSummary("Create a delivery for a customer (optionally assigned to an agent)");
        g.MapGet("", List).RequireScope(Scopes.DeliveriesRead).AllowAgentTokens().WithSummary("Deliveries newest first, filtered, one page at a time");
        g.MapGet("/{id}", Get).RequireScope(Scopes.DeliveriesRead).AllowAgentTokens().WithSummary("One delivery with its tracking events and attempts");
        g.MapPatch("/{id}", Update).RequireScope(Scopes.DeliveriesWrite).WithSummary("Change a delivery's address, schedule, priority, package or retries");
        g.MapPost("/{id}/assign", Assign).RequireScope(Scopes.DeliveriesWrite)
            .WithSummary("Assign an agent, or without agent_id the nearest active agent with room for another delivery");
        g.MapPost("/{id}/tracking", Track).RequireScope(Scopes.DeliveriesWrite).AllowAgentTokens()
            .WithSummary("Record a tracking event (in_transit, completed, failed, cancelled); a failed attempt with retries left is rescheduled");
        g.MapPost("/{id}/feedback", Feedback).RequireScope(Scopes.DeliveriesWrite).WithSummary("The customer's rating (1-5) and comments, once per completed delivery");
        return app;
    }

    private static async Task<Results<Created<SuccessEnvelope<DeliveryDto>>, BadRequest<ErrorEnvelope>, Conflict<ErrorEnvelope>>> Create(
        CreateDeliveryRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, DeliveryWriter writer, DeliveryCommands commands, DeliveryViews views)
    {
        int teamId = parameters.TeamId(http);
        var delivery = body.Checked();
        var outcome = await Audited(http, writer, (s, ctx) => commands.Create(s, ctx, teamId, delivery), d => d.PublicId);
        return Answers.Created(outcome, d => $"/api/v1/deliveries/{d.PublicId}", views.Created);
    }

    /// <summary>
    /// Runs the command with the request's audit entry stored in the writer's own transaction (one commit instead of the
    /// writer's and the audit trail's); when it was not stored, the audit middleware records the answer as usual.
    /// </summary>
    private static async Task<Outcome<T>> Audited<T>(HttpContext http, DeliveryWriter writer, Func<IDeliveryWriteSession, DeliveryWriteContext, Outcome<T>> body,
        Func<T, string>? createdId = null) where T : class
    {
        var audit = await AuditClaim.TakeAsync(http);
        try
        {
            return await writer.ExecuteAsync(body, audit, createdId);
        }
        finally
        {
            audit?.Release();
        }
    }

    private static Results<Ok<SuccessEnvelope<DeliveryPageDto>>, BadRequest<ErrorEnvelope>> List(
        [AsParameters] DeliveryListParameters p, HttpContext http, IDeliveryStore store, IAgentStore agents, DeliveryViews views)
    {
        int team = p.TeamId(http);
        var statuses = Answers.Values("status", p.Status)?.Select(s =>
            Statuses.TryParse(s, out var status) && StatusLattice.Allows(ItemKind.Parcel, status)
                ? status
                : throw new BadParameterException("status", $"'{s}' is not one of scheduled, assigned, in_transit, completed, failed, cancelled")).ToList();
        var priorities = Answers.Values("priority", p.Priority)?.Select(v => DeliveryPriorities.Parse("priority", v)).ToList();
        var agentNames = Answers.Values("agent_id", p.AgentId);
        List<long>? agentIds = null;
        if (Answers.Agent(http) is { IsAdmin: false } agent)
        {
            string own = agents.FindAgentById(agent.AgentId)!.PublicId;
            if (agentNames is not null && agentNames.Any(a => a != own))
                return ApiResults.BadRequest("agent_id", "an agent token lists only the deliveries it holds");
            agentIds = [agent.AgentId];
        }
        else if (agentNames is not null)
        {
            agentIds = agentNames.Select(a => agents.FindAgent(team, a)?.Id).OfType<long>().ToList();
            // Agents the team does not have hold none of its deliveries.
            if (agentIds.Count == 0) return ApiResults.Ok(new DeliveryPageDto([], null));
        }
        if (p.From is { } from && p.To is { } to && from.Value >= to.Value) return ApiResults.BadRequest("from", "must be earlier than to");
        DeliveryCursor? before = null;
        if (p.Cursor is { } cursor)
        {
            var (createdAt, id) = Cursors.Decode("cursor", cursor);
            before = long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out long rowId)
                ? new DeliveryCursor(createdAt, rowId)
                : throw new BadParameterException("cursor", "is not a cursor this list gave (use next_cursor as it was answered)");
        }
        int limit = p.Limit ?? PageParameters.DefaultSize;
        var rows = store.ListDeliveries(new DeliveryListQuery(team, statuses, agentIds, Answers.Values("customer_id", p.CustomerId), priorities, p.Fragile,
            p.From?.Value.ToUnixTimeMilliseconds(), p.To?.Value.ToUnixTimeMilliseconds(), before, limit + 1));
        string? next = rows.Count > limit ? Cursors.Encode(rows[limit - 1].CreatedAtMs, rows[limit - 1].Id.ToString(CultureInfo.InvariantCulture)) : null;
        return ApiResults.Ok(new DeliveryPageDto(views.Many(rows.Take(limit).ToList()), next));
    }

    private static Results<Ok<SuccessEnvelope<DeliveryDto>>, NotFound<ErrorEnvelope>> Get(string id, [AsParameters] OneTeamParameters parameters, HttpContext http, IDeliveryStore store, DeliveryViews views)
    {
        int teamId = parameters.TeamId(http);
        var delivery = store.FindDelivery(teamId, Answers.Id(id));
        if (delivery is null || Answers.Agent(http) is { IsAdmin: false } agent && delivery.AgentId != agent.AgentId)
            return ApiResults.NotFound($"no delivery '{id}'");
        return ApiResults.Ok(views.One(delivery));
    }

    private static async Task<Results<Ok<SuccessEnvelope<DeliveryDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>>> Update(
        string id, UpdateDeliveryRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, DeliveryWriter writer, DeliveryCommands commands, DeliveryViews views)
    {
        int teamId = parameters.TeamId(http);
        Answers.Id(id);
        var change = body.Checked();
        return Answers.Of(await Audited(http, writer, (s, ctx) => commands.Change(s, ctx, teamId, id, change)), views.One);
    }

    private static async Task<Results<Ok<SuccessEnvelope<DeliveryDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>>> Assign(
        string id, [FromBody] AssignRequest? body, [AsParameters] OneTeamParameters parameters, HttpContext http, DeliveryWriter writer, DeliveryCommands commands, DeliveryViews views)
    {
        int teamId = parameters.TeamId(http);
        Answers.Id(id);
        string? agentId = body?.AgentId is { } a ? IdentifierParameter.Require("agent_id", a) : null;
        return Answers.Of(await Audited(http, writer, (s, ctx) => commands.Assign(s, ctx, teamId, id, agentId)), views.One);
    }

    private static async Task<Results<Ok<SuccessEnvelope<DeliveryDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>>> Track(
        string id, TrackingRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, DeliveryWriter writer, DeliveryCommands commands, DeliveryViews views, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        Answers.Id(id);
        var tracking = body.Checked(time.GetUtcNow().ToUnixTimeMilliseconds());
        var agent = Answers.Agent(http);
        return Answers.Of(await Audited(http, writer, (s, ctx) => commands.Track(s, ctx, teamId, id, tracking, agent)), views.One);
    }

    private static async Task<Results<Ok<SuccessEnvelope<DeliveryDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>>> Feedback(
        string id, FeedbackRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, DeliveryWriter writer, DeliveryViews views)
    {
        int teamId = parameters.TeamId(http);
        Answers.Id(id);
        var (rating, comments) = body.Checked();
        return Answers.Of(await Audited(http, writer, (s, ctx) => DeliveryCommands.Feedback(s, ctx, teamId, id, rating, comments)), views.One);
    }
}
