using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Herald.Analytics.Failures;
using Herald.Api.Auth;
using Herald.Api.Metrics;
using Herald.Api.Parameters;
using Herald.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Api.Failures;

public sealed record WindowDto(UtcMinute From, UtcMinute To);

/// <summary>
/// The window's failures against the previous window; <c>last_24h</c> and <c>previous_24h</c> (seed 003's names) are the 24
/// hours ending at the window's end and the 24 before them (the same counts when the window is 24 hours), with their trend.
/// </summary>
public sealed record FailureTrendDto(
    long LastWindow, long PreviousWindow, string Trend, double? ChangePercent,
    [property: JsonPropertyName("last_24h")] long Last24h,
    [property: JsonPropertyName("previous_24h")] long Previous24h,
    [property: JsonPropertyName("trend_24h")] string Trend24h);

public sealed record ErrorCodeDto(
    string Description, long Count, double Percentage, string Resolution, string Category, string Group, string ProviderFamily, bool Known,
    long PreviousCount);

public sealed record ErrorCountryDto(string? Country, long ErrorCount);

/// <summary>The seed's (003) <c>error_analysis</c> object.</summary>
public sealed record ErrorAnalysisDto(
    IReadOnlyDictionary<string, ErrorCodeDto> ErrorBreakdown, IReadOnlyList<ErrorCountryDto> TopErrorCountries, FailureTrendDto ErrorTrends);

public sealed record CategoryFailuresDto(string Category, string Group, long Count, double Percentage, long PreviousCount, string Trend, double? ChangePercent);

public sealed record GroupFailuresDto(string Group, long Count, double Percentage, long PreviousCount, string Trend, double? ChangePercent);

public sealed record CodeFailuresDto(
    string Code, string ProviderFamily, string Category, string Group, string Description, string Resolution, bool Known, long Count,
    double Percentage, long PreviousCount, string Trend, double? ChangePercent);

public sealed record ProviderFailuresDto(string? Provider, long Count, double Percentage, long PreviousCount, string Trend, double? ChangePercent);

public sealed record CountryFailuresDto(string? Country, long Count, double Percentage, long PreviousCount, string Trend, double? ChangePercent);

public sealed record CampaignFailuresDto(string? Campaign, long Count, double Percentage, long PreviousCount, string Trend, double? ChangePercent);

public sealed record FailuresDto(
    WindowDto Window,
    WindowDto PreviousWindow,
    long TotalFailures,
    long PreviousTotalFailures,
    string Trend,
    double? ChangePercent,
    long UnknownCodes,
    long WithoutCode,
    int DistinctCodes,
    IReadOnlyList<CategoryFailuresDto> ByCategory,
    IReadOnlyList<GroupFailuresDto> ByGroup,
    IReadOnlyList<CodeFailuresDto> ByCode,
    IReadOnlyList<ProviderFailuresDto> ByProvider,
    IReadOnlyList<CountryFailuresDto> ByCountry,
    IReadOnlyList<CampaignFailuresDto> ByCampaign,
    ErrorAnalysisDto ErrorAnalysis);

public sealed record FailureClassDto(string Code, string ProviderFamily, string Category, string Group, string Description, string Resolution, bool Known)
{
    public static FailureClassDto Of(FailureClass c) => new(c.Code, c.Family, c.Category, c.Group, c.Description, c.Resolution, c.Known);
}

public sealed record CategoryDto(string Category, string Group);

public sealed record CatalogDto(IReadOnlyList<string> Families, IReadOnlyList<CategoryDto> Categories, IReadOnlyList<FailureClassDto> Codes);

public sealed class FailuresParameters : MetricsParameters
{
    [FromQuery(Name = "limit"), Description("At most this many rows per breakdown (codes, providers, countries, campaigns). Default: 10.")]
    [Range(1, FailuresEndpoints.MaxLimit)]
    public int? Limit { get; init; }
}

public sealed class CatalogParameters
{
    [FromQuery(Name = "family"), Description("Only the codes of this provider family (any case).")]
    [AllowedValuesIgnoringCase(FailureCatalog.Twilio, FailureCatalog.WhatsApp, FailureCatalog.Smpp, FailureCatalog.Email, FailureCatalog.Vonage, FailureCatalog.HeraldSender)]
    public string? Family { get; init; }
}

public sealed class CodeLookupParameters
{
    [FromQuery(Name = "provider"), Description("The provider that reported the code (picks its family, e.g. twilio, whatsapp, smpp, sendgrid).")]
    public string? Provider { get; init; }

    [FromQuery(Name = "message"), Description("The provider's error message, which some codes are classified by.")]
    public string? Message { get; init; }
}

/// <summary><c>/api/v1/failures</c>: failure analysis by category, code, provider, country and campaign; and the error catalog.</summary>
public static class FailuresEndpoints
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 100;

    /// <summary>Registers <see cref="FailureAnalysis"/> for the endpoints and other features.</summary>
    public static IServiceCollection AddFailureAnalysis(this IServiceCollection services)
    {
        services.AddSingleton<FailureAnalysis>();
        return services;
    }

    public static IEndpointRouteBuilder MapFailuresEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/failures").RequireScope(Scopes.MetricsRead).WithTags("Failures");
        group.MapGet("", Analyze).WithSummary("Failures (failing events by occurred_at) by category, code, provider, country and campaign, against the previous equal window");
        group.MapGet("/catalog", Catalog).WithSummary("The error code catalog: every known code with its category, description and resolution");
        group.MapGet("/catalog/{code}", Lookup).WithSummary("What one error code means (provider= picks the family)");
        return app;
    }

    private static Ok<SuccessEnvelope<FailuresDto>> Analyze([AsParameters] FailuresParameters parameters, HttpContext http, FailureAnalysis analysis, TimeProvider time)
    {
        var r = parameters.ToRequest(time.GetUtcNow());
        int limit = parameters.Limit ?? DefaultLimit;
        var teams = TeamScope.Resolve(http, r.Team);
        long from = r.From.ToUnixMillis(), to = r.To.ToUnixMillis();
        var report = analysis.Analyze(teams, from, to, r.Filter, limit);
        var day = to - from == DayMs ? report.Totals : analysis.Analyze(teams, to - DayMs, to, r.Filter, limit: 1).Totals;
        return ApiResults.Ok(ToDto(report, limit, day));
    }

    private static Ok<SuccessEnvelope<CatalogDto>> Catalog([AsParameters] CatalogParameters parameters)
    {
        string? family = parameters.Family?.Trim().ToLowerInvariant();
        var codes = FailureCatalog.Entries(family).Select(FailureClassDto.Of).ToList();
        var categories = FailureCategories.All.Select(c => new CategoryDto(c, FailureCategories.GroupOf(c))).ToList();
        return ApiResults.Ok(new CatalogDto(FailureCatalog.Families, categories, codes));
    }

    private static Ok<SuccessEnvelope<FailureClassDto>> Lookup(string code, [AsParameters] CodeLookupParameters parameters)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > 64) throw new BadParameterException("code", "must be 1 to 64 characters");
        return ApiResults.Ok(FailureClassDto.Of(FailureCatalog.Classify(parameters.Provider, code, parameters.Message)));
    }

    private const long DayMs = 86_400_000L;

    /// <param name="lastDay">The failures of the 24 hours ending at the window's end against the 24 before.</param>
    public static FailuresDto ToDto(FailureReport report, int limit, FailureTrend lastDay)
    {
        long total = report.Total;
        double Share(long count) => total == 0 ? 0 : Math.Round(count * 100.0 / total, 2);
        static UtcMinute From(long ms) => UtcMinute.FromUnixMillis(ms);

        var codes = report.ByCode.Select(c =>
        {
            var t = FailureTrend.Of(c.Count, c.PreviousCount);
            return new CodeFailuresDto(c.Class.Code, c.Class.Family, c.Class.Category, c.Class.Group, c.Class.Description, c.Class.Resolution,
                c.Class.Known, c.Count, Share(c.Count), c.PreviousCount, t.Trend, t.ChangePercent);
        }).ToList();

        // The seed's breakdown is keyed by code; a code two families share is keyed family:code for all but the busiest.
        var breakdown = new Dictionary<string, ErrorCodeDto>(StringComparer.Ordinal);
        foreach (var c in codes)
        {
            if (c.Count == 0) continue;
            string key = breakdown.ContainsKey(c.Code) ? $"{c.ProviderFamily}:{c.Code}" : c.Code;
            breakdown[key] = new ErrorCodeDto(c.Description, c.Count, c.Percentage, c.Resolution, c.Category, c.Group, c.ProviderFamily, c.Known, c.PreviousCount);
        }

        var totals = report.Totals;
        return new FailuresDto(
            new WindowDto(From(report.FromMs), From(report.ToMs)),
            new WindowDto(From(report.PreviousFromMs), From(report.FromMs)),
            total, report.PreviousTotal, totals.Trend, totals.ChangePercent, report.UnknownCodeFailures, report.WithoutCode, report.DistinctCodes,
            report.ByCategory.Select(c => Row(c, (t, k) => new CategoryFailuresDto(k!, FailureCategories.GroupOf(k!), c.Count, Share(c.Count), c.PreviousCount, t.Trend, t.ChangePercent))).ToList(),
            report.ByGroup.Select(c => Row(c, (t, k) => new GroupFailuresDto(k!, c.Count, Share(c.Count), c.PreviousCount, t.Trend, t.ChangePercent))).ToList(),
            codes,
            report.ByProvider.Select(c => Row(c, (t, k) => new ProviderFailuresDto(k, c.Count, Share(c.Count), c.PreviousCount, t.Trend, t.ChangePercent))).ToList(),
            report.ByCountry.Select(c => Row(c, (t, k) => new CountryFailuresDto(k, c.Count, Share(c.Count), c.PreviousCount, t.Trend, t.ChangePercent))).ToList(),
            report.ByCampaign.Select(c => Row(c, (t, k) => new CampaignFailuresDto(k, c.Count, Share(c.Count), c.PreviousCount, t.Trend, t.ChangePercent))).ToList(),
            new ErrorAnalysisDto(
                breakdown,
                report.ByCountry.Where(c => c.Count > 0).Select(c => new ErrorCountryDto(c.Key, c.Count)).ToList(),
                new FailureTrendDto(totals.Current, totals.Previous, totals.Trend, totals.ChangePercent, lastDay.Current, lastDay.Previous, lastDay.Trend)));
    }

    private static T Row<T>(FailureCount c, Func<FailureTrend, string?, T> make) => make(FailureTrend.Of(c.Count, c.PreviousCount), c.Key);
}
