using Herald.Dashboard;

namespace Herald.Api.Auth;

/// <summary>
/// Authenticates <c>X-API-Key</c>, checks the scope an endpoint needs and the key's rate limit. A request of a safe
/// method (GET, HEAD) without the header may instead carry the dashboard's session cookie (HttpOnly, SameSite=Strict,
/// holding the encrypted key): the same key checks apply. Unsafe methods accept the cookie only on endpoints that allow
/// dashboard writes, and only with the session's CSRF token from Herald's own origin (<see cref="DashboardWrites"/>);
/// everywhere else they need the header, so a page of another site can make a signed-in browser change nothing.
/// </summary>
public sealed class ApiKeyEndpointFilter(string scope) : IEndpointFilter
{
    public const string HeaderName = "X-API-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var keys = http.RequestServices.GetRequiredService<ApiKeyService>();
        string? presented = http.Request.Headers[HeaderName];
        if (string.IsNullOrEmpty(presented) && http.RequestServices.GetService<DashboardSession>()?.Read(http) is { } session)
        {
            if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
                presented = session.ApiKey;
            else if (DashboardWrites.Allowed(http))
            {
                if (DashboardWrites.Refusal(http, session) is { } refusal)
                    return ApiResults.Error(StatusCodes.Status403Forbidden, "csrf_rejected", refusal);
                presented = session.ApiKey;
            }
        }
        if (string.IsNullOrEmpty(presented))
            return ApiResults.Error(StatusCodes.Status401Unauthorized, "unauthorized", $"the {HeaderName} header is required");
        var key = keys.Validate(presented);
        if (key is null)
            return ApiResults.Error(StatusCodes.Status401Unauthorized, "unauthorized", "the API key is unknown, revoked or expired");
        var caller = Caller.Of(key);
        if (!caller.Has(scope))
            return ApiResults.Forbidden($"this key lacks the '{scope}' scope");
        if (keys.TryConsume(key) is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiResults.Error(StatusCodes.Status429TooManyRequests, "rate_limited",
                $"this key allows {key.RateLimitRequests} requests per {key.RateLimitPeriodMs / 1000} s; retry after {retryAfter} s");
        }
        http.Items[typeof(Caller)] = caller;
        return await next(context);
    }
}

public static class ApiKeyEndpointExtensions
{
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new ApiKeyEndpointFilter(scope));

    public static Caller Caller(this HttpContext http) => (Caller)http.Items[typeof(Caller)]!;
}
