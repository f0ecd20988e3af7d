using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Otp;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Api.Otp;

/// <summary>Issue and verify one-time codes, and configure the services that deliver them.</summary>
public static class OtpEndpoints
{
    public static IEndpointRouteBuilder MapOtpEndpoints(this IEndpointRouteBuilder app)
    {
        var otp = app.MapGroup("/api/v1/otp").WithTags("OTP");
        otp.MapPost("", Issue).RequireScope(Scopes.OtpSend)
            .WithSummary("Issue a code for a user and deliver it through the healthiest service, falling back to the next");
        otp.MapPost("/verify", Verify).RequireScope(Scopes.OtpSend)
            .WithSummary("Check a code (by delivery_id, or the user's latest live code); constant time, limited tries");
        otp.MapGet("/{deliveryId}", Get).RequireScope(Scopes.MetricsRead).WithSummary("One code's delivery: status, service and attempts");

        var services = otp.MapGroup("/services").WithTags("OTP services");
        services.MapGet("", ListServices).RequireScope(Scopes.MetricsRead).WithSummary("The team's delivery services with live health");
        services.MapPut("/{name}", UpsertService).RequireScope(Scopes.Admin).WithSummary("Create or change a delivery service");
        services.MapDelete("/{name}", DeleteService).RequireScope(Scopes.Admin).WithSummary("Remove a delivery service");
        services.MapPost("/{name}/validate", ValidateService).RequireScope(Scopes.Admin)
            .WithSummary("Check a service's credentials and reachability without sending");
        return app;
    }

    private static async Task<Results<Created<SuccessEnvelope<OtpDto>>, BadRequest<ErrorEnvelope>, ErrorResult<ErrorStatus.ServiceUnavailable>,
        ErrorResult<ErrorStatus.BadGateway>>> Issue(
        IssueOtpRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, OtpManager manager, TimeProvider time, CancellationToken ct)
    {
        int teamId = parameters.TeamId(http);
        var request = new IssueRequest(body.UserId?.Trim() ?? "", body.Channel?.Trim().ToLowerInvariant() ?? "", body.Recipient?.Trim() ?? "");
        if (OtpManager.Check(request) is { } bad) return ApiResults.BadRequest(bad.Field, bad.Issue);

        var outcome = await manager.IssueAsync(teamId, request, ct);
        var dto = OtpDto.From(outcome.Otp, time.GetUtcNow().ToUnixTimeMilliseconds(), outcome.Delivery.Attempts);
        if (outcome.Delivery.Delivered) return TypedResults.Created($"/api/v1/otp/{dto.DeliveryId}", new SuccessEnvelope<OtpDto>(dto));
        if (outcome.Delivery.CandidateCount == 0)
            return ApiResults.Error<ErrorStatus.ServiceUnavailable>("no_service",
                $"no enabled, healthy service can deliver {request.Channel}; configure one with PUT /api/v1/otp/services/{{name}} (delivery {dto.DeliveryId})",
                new ErrorDetail("channel", $"no service available for {request.Channel}"));
        return ApiResults.Error<ErrorStatus.BadGateway>("delivery_failed",
            $"every service failed to deliver the code; see GET /api/delivery-metrics/delivery/{dto.DeliveryId}",
            outcome.Delivery.Attempts.Select(a => new ErrorDetail(a.Service, $"{a.ErrorCode}: {a.ErrorMessage}")).ToArray());
    }

    private static async Task<Results<Ok<SuccessEnvelope<VerifyOtpDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>>> Verify(
        VerifyOtpRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, OtpManager manager, CancellationToken ct)
    {
        int teamId = parameters.TeamId(http);
        if (body.DeliveryId is null && body.UserId is null) return ApiResults.BadRequest("delivery_id", "name the delivery_id (or the user_id)");
        if (string.IsNullOrEmpty(body.Code) || body.Code.Length > 32) return ApiResults.BadRequest("code", "is required");
        var outcome = await manager.VerifyAsync(teamId, body.DeliveryId, body.UserId, body.Code, ct);
        if (outcome.Result == VerifyResult.NotFound) return ApiResults.NotFound("no such code for this team (or it was cleaned up)");
        string result = outcome.Result switch
        {
            VerifyResult.Verified => "verified",
            VerifyResult.Mismatch => "mismatch",
            VerifyResult.Expired => "expired",
            VerifyResult.Locked => "locked",
            _ => "already_verified",
        };
        return ApiResults.Ok(new VerifyOtpDto(outcome.Result == VerifyResult.Verified, result, outcome.Otp?.DeliveryId, outcome.AttemptsRemaining));
    }

    private static Results<Ok<SuccessEnvelope<OtpDto>>, NotFound<ErrorEnvelope>> Get(
        string deliveryId, [AsParameters] OneTeamParameters parameters, HttpContext http, IOtpStore store, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        var otp = store.FindOtp(teamId, deliveryId);
        if (otp is null) return ApiResults.NotFound($"no code with delivery id '{deliveryId}'");
        return ApiResults.Ok(OtpDto.From(otp, time.GetUtcNow().ToUnixTimeMilliseconds(), store.ListOtpAttempts(teamId, deliveryId)));
    }

    private static Ok<SuccessEnvelope<IReadOnlyList<OtpServiceDto>>> ListServices([AsParameters] OneTeamParameters parameters, HttpContext http, ServiceHealth health) =>
        ApiResults.Ok<IReadOnlyList<OtpServiceDto>>(health.Assess(parameters.TeamId(http)).Select(OtpServiceDto.From).ToList());

    private static Results<Ok<SuccessEnvelope<OtpServiceDto>>, BadRequest<ErrorEnvelope>> UpsertService(
        string name, UpsertServiceRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, OtpServices services, ServiceHealth health,
        ServiceCircuits circuits)
    {
        int teamId = parameters.TeamId(http);
        var existing = services.Find(teamId, name);
        string? sender = body.Sender?.Trim() ?? existing?.Sender;
        if (sender is null) return ApiResults.BadRequest("sender", "is required for a new service");
        var channels = body.Channels?.Select(c => c.Trim().ToLowerInvariant()).Distinct().ToArray() ?? existing?.Channels.ToArray() ?? [];
        int priority = body.Priority ?? existing?.Priority ?? 10;
        if (services.Check(name, sender, channels, priority) is { } bad) return ApiResults.BadRequest(bad.Field, bad.Issue);
        var settings = body.Settings is null ? new Dictionary<string, string>(existing?.Settings ?? new Dictionary<string, string>())
            : OtpServices.MergeMasked(body.Settings, existing?.Settings);
        var record = new OtpServiceRecord(name, sender, channels, body.Enabled ?? existing?.Enabled ?? true, priority, settings,
            body.MarkedDown ?? existing?.MarkedDown ?? false, null, null, null, 0, 0);
        services.Save(teamId, record);
        circuits.Reset(teamId, name);
        return ApiResults.Ok(OtpServiceDto.From(health.Assess(teamId).First(r => r.Service.Name == name)));
    }

    private static Results<NoContent, NotFound<ErrorEnvelope>> DeleteService(
        string name, [AsParameters] OneTeamParameters parameters, HttpContext http, OtpServices services, ServiceCircuits circuits)
    {
        int teamId = parameters.TeamId(http);
        if (!services.Delete(teamId, name)) return ApiResults.NotFound($"no service '{name}'");
        circuits.Reset(teamId, name);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SuccessEnvelope<OtpServiceDto>>, NotFound<ErrorEnvelope>>> ValidateService(
        string name, [AsParameters] OneTeamParameters parameters, HttpContext http, OtpServices services, ServiceHealth health, CancellationToken ct)
    {
        int teamId = parameters.TeamId(http);
        var service = services.Find(teamId, name);
        if (service is null) return ApiResults.NotFound($"no service '{name}'");
        await services.ValidateAsync(teamId, service, ct);
        return ApiResults.Ok(OtpServiceDto.From(health.Assess(teamId).First(r => r.Service.Name == name)));
    }
}
