using System.ComponentModel;
using System.Globalization;
using Herald.Api;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Deliveries;
using Herald.Hosting;
using Herald.Storage;
using Herald.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Calls;

public sealed class CallListParameters : PageParameters
{
    [FromQuery(Name = "delivery_id"), Description("Only the calls of this delivery.")]
    public string? DeliveryId { get; init; }
}

/// <summary>
/// Calls to delivery customers: <c>POST /api/v1/deliveries/{id}/call</c> places one through the team's Twilio account,
/// <c>/api/v1/calls</c> lists and reads them.
/// </summary>
public static class CallsEndpoints
{
    public static IEndpointRouteBuilder MapCallsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/deliveries/{id}/call", Place).WithTags("Calls").RequireScope(Scopes.DeliveriesWrite)
            .WithSummary("Call the delivery's customer through the team's Twilio account (only inside its preferred times, never in quiet hours)");
        var g = app.MapGroup("/api/v1/calls").WithTags("Calls");
        g.MapGet("", List).RequireScope(Scopes.DeliveriesRead).WithSummary("Calls newest first, of one delivery when delivery_id is given");
        g.MapGet("/{id}", Get).RequireScope(Scopes.DeliveriesRead).WithSummary("One call with its status callbacks");
        return app;
    }

    private static async Task<Results<Created<SuccessEnvelope<CallDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>,
        ErrorResult<ErrorStatus.BadGateway>>> Place(string id, [FromBody] PlaceCallRequest? body, [AsParameters] OneTeamParameters parameters, HttpContext http,
        CallService calls, TeamDirectory teams, HeraldOptions options, CancellationToken ct)
    {
        int teamId = parameters.TeamId(http);
        Answers.Id(id);
        var (url, message) = (body ?? new PlaceCallRequest(null, null)).Checked();
        string token = teams.ById(teamId)!.WebhookToken;
        try
        {
            var (call, refusal) = await calls.PlaceAsync(teamId, token, id, url, message, CallbackBase(http, options), ct);
            if (call is not null) return ApiResults.Created($"/api/v1/calls/{call.PublicId}", CallDto.Of(call));
            return refusal!.Status switch
            {
                404 => ApiResults.NotFound(refusal.Message),
                _ => ApiResults.Conflict(refusal.Code, refusal.Message, new ErrorDetail(refusal.Field,
                    refusal.NextAllowedAtMs is { } next ? Domain.Instants.At(next).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : refusal.Message)),
            };
        }
        catch (TwilioException e)
        {
            return ApiResults.Error<ErrorStatus.BadGateway>("twilio_error", e.Message, new ErrorDetail("twilio", e.Code is null ? e.Message : $"Twilio error {e.Code}"));
        }
    }

    /// <summary>Where Twilio calls back: Herald:PublicBaseUrl, else the address this request came to.</summary>
    private static string CallbackBase(HttpContext http, HeraldOptions options) =>
        string.IsNullOrWhiteSpace(options.PublicBaseUrl)
            ? $"{http.Request.Scheme}://{http.Request.Host.ToUriComponent()}{http.Request.PathBase.ToUriComponent()}"
            : options.PublicBaseUrl.TrimEnd('/');

    private static Results<Ok<SuccessEnvelope<CallPageDto>>, BadRequest<ErrorEnvelope>> List(
        [AsParameters] CallListParameters p, HttpContext http, ICallStore calls, IDeliveryStore deliveries)
    {
        int team = p.TeamId(http);
        long? deliveryId = null;
        if (p.DeliveryId is { } d)
        {
            // A delivery the team does not have has no calls.
            if (deliveries.FindDelivery(team, IdentifierParameter.Require("delivery_id", d)) is not { } delivery) return ApiResults.Ok(new CallPageDto([], null));
            deliveryId = delivery.Id;
        }
        long? before = p.Cursor is { } cursor ? Cursors.Decode("cursor", cursor).First : null;
        int limit = p.Limit ?? PageParameters.DefaultSize;
        var rows = calls.ListCalls(team, deliveryId, before, limit + 1);
        string? next = rows.Count > limit ? Cursors.Encode(rows[limit - 1].Id, rows[limit - 1].PublicId) : null;
        return ApiResults.Ok(new CallPageDto(rows.Take(limit).Select(CallDto.Of).ToList(), next));
    }

    private static Results<Ok<SuccessEnvelope<CallDto>>, NotFound<ErrorEnvelope>> Get(string id, [AsParameters] OneTeamParameters parameters, HttpContext http, ICallStore calls) =>
        calls.FindCall(parameters.TeamId(http), Answers.Id(id)) is { } call ? ApiResults.Ok(CallDto.Of(call)) : ApiResults.NotFound($"no call '{id}'");
}
