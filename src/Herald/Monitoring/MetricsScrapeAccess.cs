using System.Security.Cryptography;
using System.Text;
using Herald.Api.Auth;
using Microsoft.AspNetCore.Authorization;

namespace Herald.Monitoring;

/// <summary>
/// Who may scrape <c>/metrics</c> (it names every team and its volume): an admin key, or the dedicated scrape token sent as
/// <c>Authorization: Bearer</c> (what Prometheus's <c>authorization</c> setting sends). <c>Herald:Metrics:Public</c> opens it.
/// </summary>
public sealed class MetricsScrapeRequirement : IAuthorizationRequirement
{
    public const string PolicyName = "metrics-scrape";
}

public sealed class MetricsScrapeRequirementHandler(MetricsOptions options, IHttpContextAccessor accessor) : AuthorizationHandler<MetricsScrapeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MetricsScrapeRequirement requirement)
    {
        var http = context.Resource as HttpContext ?? accessor.HttpContext;
        if (options.Public || HeraldClaims.CallerOf(context.User) is { IsAdmin: true } || (http is not null && HoldsScrapeToken(http)))
            context.Succeed(requirement);
        else if (context.User.Identity?.IsAuthenticated == true)
            context.Fail(new AuthorizationFailureReason(this, "/metrics needs an admin key or the scrape token"));
        return Task.CompletedTask;
    }

    private bool HoldsScrapeToken(HttpContext http)
    {
        if (string.IsNullOrEmpty(options.ScrapeToken)) return false;
        string authorization = http.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization[7..].Trim()), Encoding.UTF8.GetBytes(options.ScrapeToken));
    }
}
