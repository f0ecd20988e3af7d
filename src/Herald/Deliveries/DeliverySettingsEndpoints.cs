using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Herald.Api;
using Herald.Domain;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Deliveries;

/// <summary>A team's Twilio account for calling customers, as stored (the auth token included).</summary>
public sealed record TwilioSettings(string AccountSid, string AuthToken, string FromNumber, string BaseUrl)
{
    public const string DefaultBaseUrl = "https://api.twilio.com";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TwilioSettings? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<TwilioSettings>(json, Json);
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TwilioSettingsRequest(string? AccountSid, string? AuthToken, string? FromNumber, string? BaseUrl)
{
    private static readonly Regex AccountSidPattern = new("^AC[0-9a-fA-F]{32}$");

    /// <summary>The new settings over the stored ones: an omitted or masked auth token keeps the stored one.</summary>
    public TwilioSettings Over(TwilioSettings? current)
    {
        string sid = AccountSid ?? current?.AccountSid ?? throw new BadParameterException("twilio.account_sid", "is required");
        if (!AccountSidPattern.IsMatch(sid)) throw new BadParameterException("twilio.account_sid", "must be AC followed by 32 hex digits");
        string token = AuthToken is null || AuthToken == DeliverySettingsDto.Mask
            ? current?.AuthToken ?? throw new BadParameterException("twilio.auth_token", "is required")
            : IdentifierParameter.Require("twilio.auth_token", AuthToken, 128);
        string from = FromNumber is null ? current?.FromNumber ?? throw new BadParameterException("twilio.from_number", "is required")
            : Fields.Phone("twilio.from_number", FromNumber);
        string baseUrl = BaseUrl ?? current?.BaseUrl ?? TwilioSettings.DefaultBaseUrl;
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || baseUrl.Length > 512)
            throw new BadParameterException("twilio.base_url", "must be an http or https URL, like https://api.twilio.com");
        return new TwilioSettings(sid, token, from, baseUrl.TrimEnd('/'));
    }
}

/// <summary>Omitted fields keep their value.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DeliverySettingsRequest(TwilioSettingsRequest? Twilio, int? MaxActiveDeliveries, int? RetryBackoffMinutes);

/// <summary>The Twilio account as answered: the auth token is never shown, only masked when one is stored.</summary>
public sealed record TwilioSettingsDto(string AccountSid, string AuthToken, string FromNumber, string BaseUrl);

public sealed record DeliverySettingsDto(TwilioSettingsDto? Twilio, int MaxActiveDeliveries, int RetryBackoffMinutes, DateTimeOffset? UpdatedAt)
{
    public const string Mask = "********";

    public static DeliverySettingsDto Of(DeliverySettingsRecord s) =>
        new(TwilioSettings.FromJson(s.TwilioJson) is { } t ? new TwilioSettingsDto(t.AccountSid, Mask, t.FromNumber, t.BaseUrl) : null,
            s.MaxActiveDeliveries, s.RetryBackoffMinutes, s.UpdatedAtMs == 0 ? null : Instants.At(s.UpdatedAtMs));
}

/// <summary>
/// <c>/api/v1/delivery-settings</c>: the team's Twilio account (for calls to customers), the most active deliveries an agent
/// may hold (auto-assignment's capacity), and the wait before a failed attempt's retry.
/// </summary>
public static class DeliverySettingsEndpoints
{
    public const int MaxActiveLimit = 1000;
    public const int MaxBackoffMinutes = 7 * 24 * 60;

    public static IEndpointRouteBuilder MapDeliverySettingsEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/delivery-settings").WithTags("Deliveries");
        g.MapGet("", Get).RequireScope(Scopes.DeliveriesRead).WithSummary("The team's delivery settings (the Twilio auth token masked)");
        g.MapPut("", Put).RequireScope(Scopes.DeliveriesWrite).WithSummary("Change the team's delivery settings (omitted fields keep their value)");
        return app;
    }

    private static Ok<SuccessEnvelope<DeliverySettingsDto>> Get([AsParameters] OneTeamParameters parameters, HttpContext http, IDeliveryStore store) =>
        ApiResults.Ok(DeliverySettingsDto.Of(store.DeliverySettings(parameters.TeamId(http)) ?? DeliverySettingsRecord.Default));

    private static Results<Ok<SuccessEnvelope<DeliverySettingsDto>>, BadRequest<ErrorEnvelope>> Put(
        DeliverySettingsRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, IDeliveryStore store, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        var current = store.DeliverySettings(teamId) ?? DeliverySettingsRecord.Default;
        var settings = new DeliverySettingsRecord(
            Fields.Whole("max_active_deliveries", body.MaxActiveDeliveries, 1, MaxActiveLimit, current.MaxActiveDeliveries),
            Fields.Whole("retry_backoff_minutes", body.RetryBackoffMinutes, 0, MaxBackoffMinutes, current.RetryBackoffMinutes),
            body.Twilio is { } twilio ? twilio.Over(TwilioSettings.FromJson(current.TwilioJson)).ToJson() : current.TwilioJson,
            time.GetUtcNow().ToUnixTimeMilliseconds());
        store.SaveDeliverySettings(teamId, settings);
        return ApiResults.Ok(DeliverySettingsDto.Of(settings));
    }
}
