using Herald.Analytics;
using Herald.Analytics.Failures;
using Herald.Api.Auth;
using Herald.Api.Metrics;
using Herald.Domain;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Api.Failures;

public sealed record WindowDto(string From, string To);

public sealed record FailureTrendDto(long LastWindow, long PreviousWindow, string Trend, double? ChangePercent);

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

    private static Ok<SuccessEnvelope<FailuresDto>> Analyze(HttpContext http, FailureAnalysis analysis, TimeProvider time)
    {
        var r = MetricsRequest.Parse(http.Request.Query, time.GetUtcNow(), "team", "limit");
        int limit = ParseLimit(http.Request.Query);
        var teams = TeamScope.Resolve(http, r.Team);
        var report = analysis.Analyze(teams, r.From.ToUnixMillis(), r.To.ToUnixMillis(), r.Filter, limit);
        return ApiResults.Ok(ToDto(report, limit));
    }

    private static Ok<SuccessEnvelope<CatalogDto>> Catalog(HttpContext http)
    {
        var query = http.Request.Query;
        foreach (var (name, _) in query)
            if (name != "family") throw new BadParameterException(name, "unknown parameter; allowed: family");
        string? family = query.TryGetValue("family", out var f) ? f.ToString().Trim().ToLowerInvariant() : null;
        if (family is not null && !FailureCatalog.IsFamily(family))
            throw new BadParameterException("family", $"'{family}' is not one of {string.Join(", ", FailureCatalog.Families)}");
        var codes = FailureCatalog.Entries(family).Select(FailureClassDto.Of).ToList();
        var categories = FailureCategories.All.Select(c => new CategoryDto(c, FailureCategories.GroupOf(c))).ToList();
        return ApiResults.Ok(new CatalogDto(FailureCatalog.Families, categories, codes));
    }

    private static Ok<SuccessEnvelope<FailureClassDto>> Lookup(string code, HttpContext http)
    {
        var query = http.Request.Query;
        foreach (var (name, _) in query)
            if (name is not ("provider" or "message")) throw new BadParameterException(name, "unknown parameter; allowed: provider, message");
        if (string.IsNullOrWhiteSpace(code) || code.Length > 64) throw new BadParameterException("code", "must be 1 to 64 characters");
        string? provider = query.TryGetValue("provider", out var p) ? p.ToString() : null;
        string? message = query.TryGetValue("message", out var m) ? m.ToString() : null;
        return ApiResults.Ok(FailureClassDto.Of(FailureCatalog.Classify(provider, code, message)));
    }

    private static int ParseLimit(IQueryCollection query) => QueryParameters.Int(query, "limit", 1, MaxLimit, DefaultLimit);

    public static FailuresDto ToDto(FailureReport report, int limit)
    {
        long total = report.Total;
        double Share(long count) => total == 0 ? 0 : Math.Round(count * 100.0 / total, 2);
        static string From(long ms) => UtcMinute.FromUnixMillis(ms).ToString();

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
                new FailureTrendDto(totals.Current, totals.Previous, totals.Trend, totals.ChangePercent)));
    }

    private static T Row<T>(FailureCount c, Func<FailureTrend, string?, T> make) => make(FailureTrend.Of(c.Count, c.PreviousCount), c.Key);
}
