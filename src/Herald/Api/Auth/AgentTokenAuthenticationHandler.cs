using System.Security.Claims;
using System.Text.Encodings.Web;
using Herald.Deliveries;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Herald.Api.Auth;

/// <summary>
/// Authenticates a delivery agent's sign-in token (<c>Authorization: Bearer hat_...</c>, from <c>POST /api/v1/agents/login</c>).
/// A token that is unknown, expired or revoked (agent deactivated or deleted, password changed) fails and counts against
/// the remote address like a bad key. What an agent may then call is decided per endpoint (<see cref="AgentTokenAccess"/>).
/// </summary>
public sealed class AgentTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AgentService agents, FailedSignInThrottle throttle)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AgentToken";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedToken(Request) is not { } token) return Task.FromResult(AuthenticateResult.NoResult());
        if (throttle.IsBlocked(Context, out int retryAfter)) return AuthenticationFailure.Fail(Context, new ThrottledException(retryAfter));
        if (agents.Authenticate(token) is not { } agent)
        {
            throttle.RecordFailure(Context);
            return AuthenticationFailure.Fail(Context, new UnknownAgentTokenException());
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(HeraldClaims.OfAgent(agent), SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    /// <summary>The agent token a request presents as its bearer token; null when none.</summary>
    public static string? PresentedToken(HttpRequest request)
    {
        string authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer " + AgentTokens.Prefix, StringComparison.Ordinal) ? authorization[7..].Trim() : null;
    }
}

public sealed class UnknownAgentTokenException() : Exception("the agent token is unknown, expired or revoked; sign in again");
