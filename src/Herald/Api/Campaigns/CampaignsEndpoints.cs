using Herald.Analytics.Campaigns;
using Herald.Api.Auth;
using Herald.Domain;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Herald.Engine;

namespace Herald.Api.Campaigns;

public sealed record DeclareCampaignRequest(string? Name, long? TotalRecipients, string[]? Recipients, string? Account);
public sealed record CampaignDto(string CampaignId, string Name, long TotalRecipients, string? Account, string CreatedAt, string UpdatedAt);
public sealed record CampaignRankingDto(int MinItems, IReadOnlyList<CampaignSummary> Best, IReadOnlyList<CampaignSummary> Worst);

/// <summary>Campaigns: declared with their recipients, then followed from the rollups (seed 004's campaign metrics).</summary>
public static class CampaignsEndpoints
{
    public static IEndpointRouteBuilder MapCampaignsEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1").WithTags("Campaigns");
        g.MapPut("/campaigns/{campaignId}", Declare).RequireScope(Scopes.EventsWrite)
            .WithSummary("Declare a campaign (its id is the campaign dimension of its events) with its recipients");
        g.MapGet("/campaigns", List).RequireScope(Scopes.MetricsRead).WithSummary("Every campaign declared or seen in 30 days, with progress");
        g.MapGet("/analytics/metrics/campaigns/{campaignId}", Get).RequireScope(Scopes.MetricsRead)
            .WithSummary("Progress, send rate, ETA, status breakdown, timing percentiles and errors of one campaign");
        g.MapGet("/analytics/campaigns/ranking", Ranking).RequireScope(Scopes.MetricsRead)
            .WithSummary("Best and worst campaigns by delivery rate (min_items, limit)");
        return app;
    }

    private static int Team(HttpContext http) => TeamScope.ResolveOne(http);

    private static Results<Ok<SuccessEnvelope<CampaignDto>>, JsonHttpResult<ErrorEnvelope>> Declare(
        string campaignId, DeclareCampaignRequest body, HttpContext http, ICampaignStore store, TimeProvider time)
    {
        int teamId = Team(http);
        IdentifierParameter.Require("campaign_id", campaignId, Identifier.MaxDimensionLength);
        string? account = body.Account is null ? null : IdentifierParameter.Require("account", body.Account.Trim(), Identifier.MaxDimensionLength);
        long total;
        if (body.Recipients is { } list)
        {
            if (body.TotalRecipients is not null) return ApiResults.BadRequest("recipients", "give recipients or total_recipients, not both");
            total = list.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => r.Trim()).Distinct(StringComparer.Ordinal).LongCount();
        }
        else if (body.TotalRecipients is { } n && n >= 0) total = n;
        else return ApiResults.BadRequest("total_recipients", "is required (a number from 0), or list the recipients");
        var name = string.IsNullOrWhiteSpace(body.Name) ? campaignId : body.Name.Trim();
        if (name.Length > 200) return ApiResults.BadRequest("name", "at most 200 characters");
        var c = store.UpsertCampaign(teamId, campaignId, name, total, account, time.GetUtcNow().ToUnixTimeMilliseconds());
        return ApiResults.Ok(new CampaignDto(c.CampaignId, c.Name, c.TotalRecipients, c.Account,
            Engine.EventParser.FormatTimestamp(c.CreatedAtMs), Engine.EventParser.FormatTimestamp(c.UpdatedAtMs)));
    }

    private static Ok<SuccessEnvelope<IReadOnlyList<CampaignSummary>>> List(HttpContext http, CampaignAnalytics analytics)
    {
        QueryParameters.Only(http.Request.Query);
        return ApiResults.Ok(analytics.All(Team(http), minItems: 0));
    }

    private static Results<Ok<SuccessEnvelope<CampaignReport>>, JsonHttpResult<ErrorEnvelope>> Get(string campaignId, HttpContext http, CampaignAnalytics analytics)
    {
        QueryParameters.Only(http.Request.Query);
        var report = analytics.Report(Team(http), campaignId);
        return report is null ? ApiResults.NotFound($"no campaign '{campaignId}' declared or seen in the last 30 days") : ApiResults.Ok(report);
    }

    private static Ok<SuccessEnvelope<CampaignRankingDto>> Ranking(HttpContext http, CampaignAnalytics analytics)
    {
        QueryParameters.Only(http.Request.Query, "min_items", "limit");
        int minItems = QueryParameters.Int(http.Request.Query, "min_items", 1, 1_000_000, 10);
        int limit = QueryParameters.Int(http.Request.Query, "limit", 1, 100, 5);
        var all = analytics.All(Team(http), minItems);
        return ApiResults.Ok(new CampaignRankingDto(minItems, all.Take(limit).ToList(), all.AsEnumerable().Reverse().Take(limit).ToList()));
    }
}
