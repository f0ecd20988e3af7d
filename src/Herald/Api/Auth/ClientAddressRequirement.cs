using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authorization;

namespace Herald.Api.Auth;

/// <summary>
/// A key is used only from the addresses it allows (<c>allowed_ips</c>), and an admin key only from
/// <see cref="SecurityOptions.AdminAllowedIps"/> as well. Agent tokens and requests without a key pass (the scope requirement
/// decides those). A refusal is a 403 that the audit trail records, whatever the method.
/// </summary>
public sealed class ClientAddressRequirement : IAuthorizationRequirement
{
    public static readonly ClientAddressRequirement Instance = new();

    /// <summary>Set on a request refused for its address, so the audit trail records it even when it only reads.</summary>
    public const string RefusedItem = "herald:refused_address";
}

public sealed class ClientAddressRequirementHandler(SecurityOptions security, IHttpContextAccessor accessor) : AuthorizationHandler<ClientAddressRequirement>
{
    private const int MaxCachedLists = 10_000;
    private readonly IpAllowList? _admin = IpAllowList.Parse(security.AdminAllowedIps);
    private readonly ConcurrentDictionary<string, IpAllowList> _lists = new(StringComparer.Ordinal);

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ClientAddressRequirement requirement)
    {
        var caller = HeraldClaims.CallerOf(context);
        if (caller is null || caller.Agent is not null)
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }
        var http = context.Resource as HttpContext ?? accessor.HttpContext;
        var address = http?.Connection.RemoteIpAddress;
        var own = context.User.FindFirst(HeraldClaims.AllowedIps)?.Value is { } text ? ListOf(text) : null;
        var admin = caller.TeamId is null ? _admin : null;
        if ((own is null || own.Allows(address)) && (admin is null || admin.Allows(address)))
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }
        if (http is not null) http.Items[ClientAddressRequirement.RefusedItem] = true;
        string from = address is null ? "an unknown address" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
        context.Fail(new AuthorizationFailureReason(this, $"this key may not be used from {from} (its allowed_ips{(own is null ? ", or Herald:Security:AdminAllowedIps," : "")} do not hold it)"));
        return Task.CompletedTask;
    }

    private IpAllowList ListOf(string text)
    {
        if (_lists.TryGetValue(text, out var list)) return list;
        if (_lists.Count > MaxCachedLists) _lists.Clear();
        return _lists[text] = IpAllowList.Parse(text)!;
    }
}
