using Herald.Analytics;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Domain;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Api.Accounts;

public sealed record AccountMetricsDto(
    string AccountId, string AccountName, long MessagesSentToday, long MessagesSentMonth, double CostToday, double CostMonth,
    double? CreditBalance, DateTimeOffset? BalanceSetAt, double? ConsumedSinceBalanceSet, double? CurrentBalance, double? TpsLimit,
    double CurrentTps, double? TpsUtilizationPercent);

/// <summary>
/// Seed 004's account metrics, from the rollups filtered by account: items sent today and this month (UTC, by their
/// earliest event), the credit balance less the cost of the items sent since it was stated, and the last minute's
/// events per second against the account's TPS limit.
/// </summary>
public static class AccountMetricsEndpoints
{
    public static IEndpointRouteBuilder MapAccountMetricsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/analytics/metrics/accounts/{accountId}", Get).RequireScope(Scopes.MetricsRead).WithTags("Analytics")
            .WithSummary("An account's usage today and this month, credit balance left, and TPS against its limit");
        return app;
    }

    private static Results<Ok<SuccessEnvelope<AccountMetricsDto>>, NotFound<ErrorEnvelope>> Get(
        string accountId, [AsParameters] OneTeamParameters parameters, HttpContext http, IDirectoryStore directory, MetricsQuery metrics, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        var account = directory.ListAccounts(teamId).FirstOrDefault(a => a.Name == accountId);
        var filter = new MetricFilter().Allow(Dimension.Account, [accountId]);
        var nowMinute = UtcMinute.FromDateTimeOffset(time.GetUtcNow());
        var to = nowMinute.Next(Granularity.Minute);
        var today = metrics.Summary([teamId], filter, nowMinute.Floor(Granularity.Day), to);
        var month = metrics.Summary([teamId], filter, nowMinute.Floor(Granularity.Month), to);
        if (account is null && month.Total == 0 && today.Total == 0)
            return ApiResults.NotFound($"no account '{accountId}' (declare it with PUT /api/v1/accounts/{{name}}, or report events with it)");

        // The last whole minute: the current one is still filling.
        double currentTps = Math.Round(metrics.Summary([teamId], filter, new UtcMinute(nowMinute.Value - 1), nowMinute).Events / 60.0, 4);
        double? consumed = null, balance = null;
        if (account?.CreditBalance is { } credit && account.BalanceSetAtMs is { } setAt)
        {
            consumed = metrics.Summary([teamId], filter, UtcMinute.FromUnixMillis(setAt), to).Cost;
            balance = Math.Round(credit - consumed.Value, 6);
        }
        double? utilization = account?.TpsLimit is > 0 and var limit ? Math.Round(currentTps / limit * 100, 2) : null;
        return ApiResults.Ok(new AccountMetricsDto(accountId, account?.Name ?? accountId, today.Total, month.Total, today.Cost, month.Cost,
            account?.CreditBalance, Instants.At(account?.BalanceSetAtMs), consumed, balance,
            account?.TpsLimit, currentTps, utilization));
    }
}
