using Herald.Api;
using Herald.Api.Auth;
using Herald.Api.Metrics;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Deliveries;

/// <summary><c>/api/v1/analytics/agents</c>: each agent's deliveries over a window (from, to and the metrics filters).</summary>
public static class AgentAnalyticsEndpoints
{
    public static IEndpointRouteBuilder MapAgentAnalyticsEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/analytics/agents").WithTags("Deliveries");
        g.MapGet("", All).RequireScope(Scopes.DeliveriesRead)
            .WithSummary("Per agent: deliveries, success rate, rating, on-time and first-attempt rates, response time; best first");
        g.MapGet("/{id}", One).RequireScope(Scopes.DeliveriesRead).WithSummary("One agent's figures over the window");
        return app;
    }

    private static Ok<SuccessEnvelope<AgentAnalyticsDto>> All([AsParameters] MetricsParameters p, HttpContext http, AgentAnalytics analytics, TimeProvider time)
    {
        var r = p.ToRequest(time.GetUtcNow());
        return ApiResults.Ok(analytics.For(TeamScope.ResolveOne(http, p.Team), r.Filter, r.From, r.To, null));
    }

    private static Results<Ok<SuccessEnvelope<AgentPerformanceDto>>, NotFound<ErrorEnvelope>> One(
        string id, [AsParameters] MetricsParameters p, HttpContext http, AgentAnalytics analytics, IAgentStore agents, TimeProvider time)
    {
        var r = p.ToRequest(time.GetUtcNow());
        int team = TeamScope.ResolveOne(http, p.Team);
        if (agents.FindAgent(team, Answers.Id(id)) is null) return ApiResults.NotFound($"no agent '{id}'");
        return ApiResults.Ok(analytics.For(team, r.Filter, r.From, r.To, id).Agents.Single());
    }
}
