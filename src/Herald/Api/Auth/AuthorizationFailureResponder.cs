using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Herald.Api.Auth;

/// <summary>Answers a refused request in the error envelope: 401 (no key, or a bad one), 429 (a throttled address), 403 (scope, CSRF).</summary>
public sealed class AuthorizationFailureResponder : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }
        IResult answer;
        if (authorizeResult.Challenged)
        {
            var failure = AuthenticationFailure.Of(context);
            if (failure is ThrottledException throttled)
            {
                context.Response.Headers.RetryAfter = throttled.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                answer = ApiResults.Error(StatusCodes.Status429TooManyRequests, "too_many_failed_attempts", throttled.Message);
            }
            else
            {
                answer = ApiResults.Error(StatusCodes.Status401Unauthorized, "unauthorized",
                    failure?.Message ?? $"the {ApiKeyAuthenticationHandler.HeaderName} header is required");
            }
        }
        else
        {
            var reason = authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault();
            answer = reason is CsrfFailureReason csrf
                ? ApiResults.Error(StatusCodes.Status403Forbidden, "csrf_rejected", csrf.Message)
                : ApiResults.Forbidden(reason?.Message ?? "this key may not call this endpoint");
        }
        await answer.ExecuteAsync(context);
    }
}
