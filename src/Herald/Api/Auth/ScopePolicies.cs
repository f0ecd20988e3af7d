using Herald.Dashboard;
using Microsoft.AspNetCore.Authorization;

namespace Herald.Api.Auth;

/// <summary>Each scope is an authorization policy (<c>scope:events:write</c>, ...): the caller holds it, or is an admin key.</summary>
public static class ScopePolicies
{
    public static string Name(string scope) => "scope:" + scope;

    public static void Add(AuthorizationOptions options)
    {
        foreach (var scope in Scopes.All)
            options.AddPolicy(Name(scope), p => p.AddRequirements(new ScopeRequirement(scope), ClientAddressRequirement.Instance, DashboardCsrfRequirement.Instance));
    }

    /// <summary>
    /// The endpoint needs an authenticated caller holding <paramref name="scope"/>. It then may answer, besides its own
    /// outcomes: 400 (a query parameter it does not take, or out of range), 401, 403 and 429, all in the error envelope.
    /// </summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder
    {
        builder.RequireAuthorization(Name(scope));
        builder.AddEndpointFilterFactory(Parameters.QueryParameterRules.Factory);
        builder.WithMetadata(
            new ProducesResponseTypeMetadata(StatusCodes.Status400BadRequest, typeof(ErrorEnvelope), ["application/json"]),
            new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(ErrorEnvelope), ["application/json"]),
            new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(ErrorEnvelope), ["application/json"]),
            new ProducesResponseTypeMetadata(StatusCodes.Status429TooManyRequests, typeof(ErrorEnvelope), ["application/json"]));
        return builder;
    }

    /// <summary>
    /// An agent token may call this endpoint too (besides keys with the scope); the endpoint then limits it to the agent's
    /// own deliveries and record.
    /// </summary>
    public static TBuilder AllowAgentTokens<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AgentTokenAccess.Instance);
}

/// <summary>Endpoint metadata: agent tokens are let through (see <see cref="ScopePolicies.AllowAgentTokens"/>).</summary>
public sealed class AgentTokenAccess
{
    public static readonly AgentTokenAccess Instance = new();
}

public sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

public sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var caller = HeraldClaims.CallerOf(context);
        if (caller is null) return Task.CompletedTask; // not authenticated: the middleware challenges
        if (caller.Agent is not null)
        {
            var endpoint = context.Resource switch { HttpContext http => http.GetEndpoint(), Endpoint e => e, _ => null };
            if (endpoint?.Metadata.GetMetadata<AgentTokenAccess>() is not null) context.Succeed(requirement);
            else context.Fail(new AuthorizationFailureReason(this, "an agent token may only read its own deliveries, post their tracking and update its own location and push subscription"));
            return Task.CompletedTask;
        }
        if (caller.Has(requirement.Scope)) context.Succeed(requirement);
        else context.Fail(new AuthorizationFailureReason(this, $"this key lacks the '{requirement.Scope}' scope"));
        return Task.CompletedTask;
    }
}

/// <summary>
/// A change made with the dashboard's cookie (an unsafe method, no <c>X-API-Key</c>) must come from Herald's own page and
/// carry the session's CSRF token: see <see cref="DashboardWrites"/>. Header-key callers and safe methods pass.
/// </summary>
public sealed class DashboardCsrfRequirement : IAuthorizationRequirement
{
    public static readonly DashboardCsrfRequirement Instance = new();
}

public sealed class CsrfFailureReason(IAuthorizationHandler handler, string message) : AuthorizationFailureReason(handler, message);

public sealed class DashboardCsrfRequirementHandler(IHttpContextAccessor accessor) : AuthorizationHandler<DashboardCsrfRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, DashboardCsrfRequirement requirement)
    {
        var http = context.Resource as HttpContext ?? accessor.HttpContext;
        bool cookie = context.User.Identity is { IsAuthenticated: true, AuthenticationType: DashboardCookie.SchemeName };
        if (http is null || !cookie || HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }
        string? refusal = DashboardWrites.Allowed(http)
            ? DashboardWrites.Refusal(http, context.User.FindFirst(HeraldClaims.CsrfToken)?.Value)
            : $"changes need the {ApiKeyAuthenticationHandler.HeaderName} header";
        if (refusal is null) context.Succeed(requirement);
        else context.Fail(new CsrfFailureReason(this, refusal));
        return Task.CompletedTask;
    }
}
