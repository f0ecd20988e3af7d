using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Monitoring;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Api.Capacity;

/// <summary>Seed 003's capacity planning: <c>GET /api/v1/analytics/capacity</c> (see <see cref="CapacityPlanning"/>).</summary>
public static class CapacityEndpoints
{
    public static IEndpointRouteBuilder MapCapacityEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/analytics/capacity", Capacity).RequireScope(Scopes.MetricsRead).WithTags("Operations")
            .WithSummary("Capacity planning: database growth per day from daily size samples, the team's volume, a 3-month projection and when the disk fills");
        return app;
    }

    private static Ok<SuccessEnvelope<CapacityReport>> Capacity([AsParameters] OneTeamParameters parameters, HttpContext http, CapacityPlanning planning) =>
        ApiResults.Ok(planning.Report(parameters.TeamId(http)));
}
