using Herald.Api.Auth;
using Herald.Api.Items;
using Herald.Api.Otp;
using Herald.Api.Parameters;
using Herald.Otp;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Api.DeliveryMetrics;

public sealed record AlertsDto(DateTimeOffset CheckedAt, int Count, IReadOnlyList<DeliveryAlert> Alerts);
public sealed record ServicesDto(int TimeRangeHours, IReadOnlyList<ServicePerformance> Services);
public sealed record UserDiagnosticsDto(
    string UserId, int Limit, OtpCounts Summary, IReadOnlyList<OtpDto> Otps, IReadOnlyList<OtpAttemptDto> RecentAttempts);
public sealed record DeliveryDetailDto(string DeliveryId, OtpDto? Otp, IReadOnlyList<DeliveryAttemptDetailDto> Attempts);
public sealed record DeliveryAttemptDetailDto(OtpAttemptDto Attempt, IReadOnlyList<ItemEventDto> Events);

/// <summary>Seed 000's ten <c>/api/delivery-metrics</c> endpoints, for the key's team (an admin key names it with <c>team</c>).</summary>
public static class DeliveryMetricsEndpoints
{
    public static IEndpointRouteBuilder MapDeliveryMetricsEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/delivery-metrics").RequireScope(Scopes.MetricsRead).WithTags("Delivery metrics (OTP)");
        g.MapGet("", Metrics).WithSummary("Delivery metrics of codes and attempts over the last timeRange hours (1-168)");
        g.MapGet("/health", Health).WithSummary("Real-time health of every delivery service and overall");
        g.MapGet("/alerts", Alerts).WithSummary("Active alerts (seed 000's six conditions)");
        g.MapGet("/trends", Trends).WithSummary("Daily attempt outcomes over the last days (1-30)");
        g.MapGet("/failures", Failures).WithSummary("Failed attempts by seed category, catalog category, code, service and country, against the previous window");
        g.MapGet("/report", Report).WithSummary("A full report: metrics, health, alerts, failures, services, recommendations");
        g.MapGet("/services", Services).WithSummary("Per-service performance over the last timeRange hours (1-168)");
        g.MapGet("/user/{userId}", User).WithSummary("One user's codes and attempts (limit 1-100)");
        g.MapGet("/delivery/{deliveryId}", Delivery).WithSummary("Every attempt of one delivery with its events");
        g.MapGet("/stats", Stats).WithSummary("Lightweight real-time statistics");
        return app;
    }

    private static Ok<SuccessEnvelope<OtpDeliveryMetrics>> Metrics([AsParameters] TimeRangeParameters parameters, HttpContext http, DeliveryMetricsService service) =>
        ApiResults.Ok(service.Metrics(parameters.TeamId(http), parameters.Hours));

    private static Ok<SuccessEnvelope<SystemHealth>> Health([AsParameters] OneTeamParameters parameters, HttpContext http, DeliveryMetricsService service) =>
        ApiResults.Ok(service.Health(parameters.TeamId(http)));

    private static Ok<SuccessEnvelope<AlertsDto>> Alerts([AsParameters] OneTeamParameters parameters, HttpContext http, DeliveryMetricsService service, TimeProvider time)
    {
        var alerts = service.Alerts(parameters.TeamId(http));
        return ApiResults.Ok(new AlertsDto(time.GetUtcNow(), alerts.Count, alerts));
    }

    private static Ok<SuccessEnvelope<DeliveryTrends>> Trends([AsParameters] TrendDaysParameters parameters, HttpContext http, DeliveryMetricsService service) =>
        ApiResults.Ok(service.Trends(parameters.TeamId(http), parameters.DayCount));

    private static Ok<SuccessEnvelope<OtpFailureAnalysis>> Failures([AsParameters] TimeRangeParameters parameters, HttpContext http, DeliveryMetricsService service) =>
        ApiResults.Ok(service.Failures(parameters.TeamId(http), parameters.Hours));

    private static Ok<SuccessEnvelope<DeliveryReport>> Report([AsParameters] TimeRangeParameters parameters, HttpContext http, DeliveryMetricsService service) =>
        ApiResults.Ok(service.Report(parameters.TeamId(http), parameters.Hours));

    private static Ok<SuccessEnvelope<ServicesDto>> Services([AsParameters] TimeRangeParameters parameters, HttpContext http, DeliveryMetricsService service) =>
        ApiResults.Ok(new ServicesDto(parameters.Hours, service.Services(parameters.TeamId(http), parameters.Hours)));

    private static Ok<SuccessEnvelope<UserDiagnosticsDto>> User(
        string userId, [AsParameters] UserDiagnosticsParameters parameters, HttpContext http, IOtpStore store, TimeProvider time)
    {
        int limit = parameters.Count;
        int teamId = parameters.TeamId(http);
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var otps = store.ListUserOtps(teamId, userId, limit);
        var attempts = store.ListUserOtpAttempts(teamId, userId, limit);
        var byDelivery = attempts.ToLookup(a => a.DeliveryId);
        var summary = new OtpCounts(otps.Count,
            otps.Count(o => DeliveryStatus.Effective(o, now) == DeliveryStatus.Pending), otps.Count(o => DeliveryStatus.Effective(o, now) == DeliveryStatus.Sent),
            otps.Count(o => DeliveryStatus.Effective(o, now) == DeliveryStatus.Delivered), otps.Count(o => DeliveryStatus.Effective(o, now) == DeliveryStatus.Failed),
            otps.Count(o => DeliveryStatus.Effective(o, now) == DeliveryStatus.Expired),
            Analytics.MetricTotals.Percent(otps.Count(o => DeliveryStatus.Effective(o, now) == DeliveryStatus.Delivered), otps.Count),
            Analytics.MetricTotals.Percent(otps.Count(o => DeliveryStatus.Effective(o, now) == DeliveryStatus.Failed), otps.Count),
            otps.Any(o => o.VerifiedAtMs is not null)
                ? Math.Round(otps.Where(o => o.VerifiedAtMs is not null).Average(o => (o.VerifiedAtMs!.Value - o.CreatedAtMs) / 1000.0), 3) : null);
        return ApiResults.Ok(new UserDiagnosticsDto(userId, limit, summary,
            otps.Select(o => OtpDto.From(o, now, byDelivery[o.DeliveryId].OrderBy(a => a.Attempt).ToList())).ToList(),
            attempts.Select(OtpAttemptDto.From).ToList()));
    }

    private static Results<Ok<SuccessEnvelope<DeliveryDetailDto>>, NotFound<ErrorEnvelope>> Delivery(
        string deliveryId, [AsParameters] OneTeamParameters parameters, HttpContext http, IOtpStore store, ItemHistory items, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        var otp = store.FindOtp(teamId, deliveryId);
        var attempts = store.ListOtpAttempts(teamId, deliveryId);
        if (otp is null && attempts.Count == 0) return ApiResults.NotFound($"no delivery '{deliveryId}' (codes are kept a day after expiry, attempts 30 days)");
        var details = attempts.Select(a => new DeliveryAttemptDetailDto(OtpAttemptDto.From(a), (IReadOnlyList<ItemEventDto>?)items.Find(teamId, a.ItemId)?.Events ?? [])).ToList();
        return ApiResults.Ok(new DeliveryDetailDto(deliveryId,
            otp is null ? null : OtpDto.From(otp, time.GetUtcNow().ToUnixTimeMilliseconds(), null), details));
    }

    private static Ok<SuccessEnvelope<LightStats>> Stats([AsParameters] OneTeamParameters parameters, HttpContext http, DeliveryMetricsService service) =>
        ApiResults.Ok(service.Stats(parameters.TeamId(http)));
}
