using System.Text.Json;
using System.Text.Json.Serialization;
using Herald.Api;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Deliveries;

public static class AgentRoles
{
    public const string Agent = "agent";
    public const string Admin = "admin";
    public static readonly string[] Names = [Agent, Admin];
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateAgentRequest(
    string? Name, string? Phone, string? Email, string? Password, string? Role, bool? IsActive, GeoJsonPoint? CurrentLocation,
    JsonElement? ActiveDeliveries, JsonElement? PerformanceMetrics, JsonElement? LastLogin, JsonElement? LoginCount, JsonElement? PushSubscription)
{
    public void RefuseComputed()
    {
        const string computed = "is computed from what Herald recorded";
        Fields.ServerOwned("active_deliveries", ActiveDeliveries, computed);
        Fields.ServerOwned("performance_metrics", PerformanceMetrics, computed);
        Fields.ServerOwned("last_login", LastLogin, "is set by each sign-in");
        Fields.ServerOwned("login_count", LoginCount, "is counted by each sign-in");
        Fields.ServerOwned("push_subscription", PushSubscription, "set it with PUT /api/v1/agents/{id}/push-subscription");
    }
}

/// <summary>A change to an agent: omitted (or null) fields keep their value. A new password ends the agent's tokens.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateAgentRequest(
    string? Name, string? Phone, string? Email, string? Password, string? Role, bool? IsActive, GeoJsonPoint? CurrentLocation,
    JsonElement? ActiveDeliveries, JsonElement? PerformanceMetrics, JsonElement? LastLogin, JsonElement? LoginCount, JsonElement? PushSubscription)
{
    public void RefuseComputed() =>
        new CreateAgentRequest(null, null, null, null, null, null, null, ActiveDeliveries, PerformanceMetrics, LastLogin, LoginCount, PushSubscription).RefuseComputed();
}

/// <summary>Sign-in: the team (id or name), the agent's email or phone, and its password.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AgentLoginRequest(string? Team, string? Email, string? Phone, string? Password);

public sealed record AgentLoginDto(string Token, string TokenType, DateTimeOffset ExpiresAt, AgentDto Agent);

/// <summary>A Web Push subscription as the browser's <c>PushSubscription.toJSON()</c> writes it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PushSubscriptionRequest(
    string? Endpoint, [property: JsonPropertyName("expirationTime")] long? ExpirationTime, PushSubscriptionKeys? Keys)
{
    /// <summary>The subscription, checked: an https endpoint (http only to this machine, for tests), the P-256 key and the 16-byte secret.</summary>
    public string CheckedJson()
    {
        if (Endpoint is null || !Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || Endpoint.Length > 2048
            || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
            throw new BadParameterException("endpoint", "must be the push service's https URL");
        if (Keys?.P256dh is not { } p256dh || Base64Url(p256dh) is not { Length: 65 } point || point[0] != 4)
            throw new BadParameterException("keys.p256dh", "must be the subscription's P-256 public key (65 bytes, base64url)");
        if (Keys.Auth is not { } auth || Base64Url(auth) is not { Length: 16 })
            throw new BadParameterException("keys.auth", "must be the subscription's 16-byte authentication secret (base64url)");
        if (ExpirationTime is < 0) throw new BadParameterException("expirationTime", "must be a time in milliseconds since 1970, or null");
        return JsonSerializer.Serialize(this);
    }

    private static byte[]? Base64Url(string text)
    {
        try
        {
            string b64 = text.Replace('-', '+').Replace('_', '/').TrimEnd('=');
            return Convert.FromBase64String(b64.PadRight((b64.Length + 3) / 4 * 4, '='));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static PushSubscriptionRequest? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<PushSubscriptionRequest>(json);
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PushSubscriptionKeys([property: JsonPropertyName("p256dh")] string? P256dh, [property: JsonPropertyName("auth")] string? Auth);

/// <summary>The VAPID public key (uncompressed P-256, base64url) to pass as <c>applicationServerKey</c> to <c>pushManager.subscribe</c>.</summary>
public sealed record PushPublicKeyDto(string PublicKey);

/// <summary>Where an agent's pushes go; its keys are not answered back.</summary>
public sealed record PushSubscriptionView(string Endpoint, long? ExpirationTime);

public sealed record PerformanceMetricsDto(long TotalDeliveries, long SuccessfulDeliveries, double? AverageRating, double? ResponseTime);

public sealed record AgentDto(
    string Id, string Name, string Phone, string Email, string Role, bool IsActive, long ActiveDeliveries, GeoJsonPoint? CurrentLocation,
    DateTimeOffset? LocationUpdatedAt, PushSubscriptionView? PushSubscription, DateTimeOffset? LastLogin, int LoginCount, PerformanceMetricsDto PerformanceMetrics,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static AgentDto Of(AgentRecord a, AgentFigures f)
    {
        var push = PushSubscriptionRequest.FromJson(a.PushSubscriptionJson);
        return new AgentDto(a.PublicId, a.Name, a.Phone, a.Email, a.Role, a.IsActive, f.ActiveDeliveries, a.Location is { } p ? GeoJsonPoint.Of(p) : null,
            Instants.At(a.LocatedAtMs), push?.Endpoint is { } endpoint ? new PushSubscriptionView(endpoint, push.ExpirationTime) : null, Instants.At(a.LastLoginMs),
            a.LoginCount, new PerformanceMetricsDto(f.TotalDeliveries, f.SuccessfulDeliveries, Round(f.AverageRating), Round(f.ResponseTimeMinutes)),
            Instants.At(a.CreatedAtMs), Instants.At(a.UpdatedAtMs));
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 4) : null;
}

public sealed record AgentPageDto(IReadOnlyList<AgentDto> Agents, string? NextCursor);

public sealed record NearbyAgentDto(string Id, string Name, GeoJsonPoint CurrentLocation, double DistanceKm);
