using Herald.Analytics.Users;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Api.Users;

/// <summary>Seed 003's user analytics: the team's users, by city and tier, and their sign-ups.</summary>
public static class UsersEndpoints
{
    public static IEndpointRouteBuilder MapUsersEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/analytics/users", Users).RequireScope(Scopes.MetricsRead).WithTags("Consent and inbound")
            .WithSummary("Users (distinct recipients and contact records) by city and tier, sign-ups of the last 30 days and the user base's growth");
        return app;
    }

    private static Ok<SuccessEnvelope<UsersSummary>> Users([AsParameters] OneTeamParameters parameters, HttpContext http, UserAnalytics users) =>
        ApiResults.Ok(users.Summary(parameters.TeamId(http)));
}
