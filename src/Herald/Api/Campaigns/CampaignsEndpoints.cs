using Herald.Analytics.Campaigns;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Domain;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Api.Campaigns;

public sealed record DeclareCampaignRequest(string? Name, long? TotalRecipients, string[]? Recipients, string? Account, string? SegmentId = null);
public sealed record CampaignDto(string CampaignId, string Name, long TotalRecipients, string? Account, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string? SegmentId = null);
public sealed record CampaignRankingDto(int MinItems, IReadOnlyList<CampaignSummary> Best, IReadOnlyList<CampaignSummary> Worst);

public sealed class CampaignRankingParameters : OneTeamParameters
{
    public const int DefaultMinItems = 10, DefaultLimit = 5;

    [FromQuery(Name = "min_items"), Description("Only campaigns with at least this many items. Default: 10.")]
    [Range(1, 1_000_000)]
    public int? MinItems { get; init; }

    [FromQuery(Name = "limit"), Description("How many best and worst campaigns. Default: 5.")]
    [Range(1, 100)]
    public int? Limit { get; init; }
}

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

    private static Results<Ok<SuccessEnvelope<CampaignDto>>, BadRequest<ErrorEnvelope>> Declare(
        string campaignId, DeclareCampaignRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, ICampaignStore store, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
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
        string? segmentId = body.SegmentId?.Trim();
        if (segmentId is not null && store.FindSegment(teamId, segmentId) is null)
            return ApiResults.BadRequest("segment_id", $"no segment '{segmentId}': declare it with PUT /api/v1/segments/{{id}} first");
        var c = store.UpsertCampaign(teamId, campaignId, name, total, account, time.GetUtcNow().ToUnixTimeMilliseconds(), segmentId);
        return ApiResults.Ok(new CampaignDto(c.CampaignId, c.Name, c.TotalRecipients, c.Account,
            Instants.At(c.CreatedAtMs), Instants.At(c.UpdatedAtMs), c.SegmentId));
    }

    private static Ok<SuccessEnvelope<IReadOnlyList<CampaignSummary>>> List([AsParameters] OneTeamParameters parameters, HttpContext http, CampaignAnalytics analytics) =>
        ApiResults.Ok(analytics.All(parameters.TeamId(http), minItems: 0));

    private static Results<Ok<SuccessEnvelope<CampaignReport>>, NotFound<ErrorEnvelope>> Get(
        string campaignId, [AsParameters] OneTeamParameters parameters, HttpContext http, CampaignAnalytics analytics)
    {
        var report = analytics.Report(parameters.TeamId(http), campaignId);
        return report is null ? ApiResults.NotFound($"no campaign '{campaignId}' declared or seen in the last 30 days") : ApiResults.Ok(report);
    }

    private static Ok<SuccessEnvelope<CampaignRankingDto>> Ranking([AsParameters] CampaignRankingParameters parameters, HttpContext http, CampaignAnalytics analytics)
    {
        int minItems = parameters.MinItems ?? CampaignRankingParameters.DefaultMinItems, limit = parameters.Limit ?? CampaignRankingParameters.DefaultLimit;
        var all = analytics.All(parameters.TeamId(http), minItems);
        return ApiResults.Ok(new CampaignRankingDto(minItems, all.Take(limit).ToList(), all.AsEnumerable().Reverse().Take(limit).ToList()));
    }
}
