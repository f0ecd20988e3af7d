using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OpenTelemetry.Metrics;

namespace Herald.Monitoring;

/// <summary>
/// <c>GET /metrics</c>: the OpenTelemetry SDK collects <see cref="HeraldMetrics"/> and its Prometheus exporter writes the
/// text exposition (or OpenMetrics, when the scraper asks for it). Chosen over prometheus-net's Meter adapter, which
/// publishes every .NET counter as a Prometheus gauge (so <c>*_total</c> families would lose their counter type and fail
/// <c>promtool check metrics</c>) and drops a series after five minutes without a new measurement. The endpoint keeps the
/// <see cref="MetricsScrapeRequirement"/> policy: an admin key or the scrape token, unless <c>Herald:Metrics:Public</c>.
/// </summary>
public static class MetricsExport
{
    public const string Path = "/metrics";
    private const string Summary = "Prometheus text exposition of Herald's own metrics (OpenMetrics when asked for)";

    /// <summary>
    /// A cumulative SDK keeps a slot for every label set it has ever exported, even once a team leaves the busiest
    /// <see cref="MetricsOptions.MaxTeams"/>; past the limit new teams would be folded into one overflow series.
    /// </summary>
    public const int PerTeamSeriesLimit = 10_000;

    public static IServiceCollection AddHeraldMetrics(this IServiceCollection services)
    {
        services.AddSingleton<HeraldMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(HeraldMetrics.MeterName)
            .AddInstrumentation(sp => sp.GetRequiredService<HeraldMetrics>())
            .AddPrometheusExporter(o =>
            {
                // Every scrape collects afresh (the default reuses an answer for 300 ms), and the families carry only their own
                // labels, as before the exporter: no target_info family, no otel_scope_name label on every series.
                o.ScrapeResponseCacheDurationMilliseconds = 0;
                o.TargetInfoEnabled = false;
                o.ScopeInfoEnabled = false;
            }));
        services.ConfigureOpenTelemetryMeterProvider((sp, builder) =>
        {
            // Meters are per host (IMeterFactory), but the SDK listens by name: drop another host's "Herald" meter in the same process.
            var own = sp.GetRequiredService<HeraldMetrics>().Meter;
            builder.AddView(instrument => instrument.Meter != own ? MetricStreamConfiguration.Drop
                : HeraldMetrics.PerTeamFamilies.Contains(instrument.Name) ? new MetricStreamConfiguration { CardinalityLimit = PerTeamSeriesLimit }
                : null);
        });
        // The exporter's endpoint is not a route handler, so the API explorer does not see it: the document says it here.
        services.Configure<OpenApiOptions>("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Paths[Path] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Get] = new()
                    {
                        Summary = Summary,
                        Tags = new HashSet<OpenApiTagReference> { new("Operations", document) },
                        Responses = new OpenApiResponses
                        {
                            ["200"] = new OpenApiResponse
                            {
                                Description = "OK",
                                Content = new Dictionary<string, OpenApiMediaType>
                                {
                                    ["text/plain; version=0.0.4; charset=utf-8"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                                    ["application/openmetrics-text; version=1.0.0; charset=utf-8"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                                },
                            },
                        },
                    },
                },
            };
            return Task.CompletedTask;
        }));
        return services;
    }

    public static IEndpointConventionBuilder MapHeraldMetrics(this IEndpointRouteBuilder app) =>
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null,
                configureBranchedPipeline: scrape => scrape.Use((http, next) =>
                {
                    http.RequestServices.GetRequiredService<HeraldMetrics>().BeginScrape();
                    return next(http);
                }), optionsName: null)
            .RequireAuthorization(MetricsScrapeRequirement.PolicyName)
            .WithTags("Operations").WithSummary(Summary);
}
