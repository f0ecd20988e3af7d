using Microsoft.AspNetCore.Http.Features;

namespace Herald.Api;

/// <summary>Endpoint metadata: this endpoint takes large bodies (event batches, provider callbacks), up to the ingest cap.</summary>
public sealed class LargeBodyMetadata
{
    public static readonly LargeBodyMetadata Instance = new();
}

/// <summary>
/// Caps every request body before anything reads it: 1 MB by default (admin calls, sign-in, settings), and
/// <c>Herald:Ingest:MaxBodyBytes</c> (8 MB) on the endpoints marked with <see cref="LargeBodyMetadata"/>. Kestrel refuses a
/// larger declared Content-Length at the first read and stops a longer body at the cap; both answer 413.
/// </summary>
public static class RequestBodyLimits
{
    public const long DefaultBytes = 1024 * 1024;
    public const long DefaultLargeBytes = 8 * 1024 * 1024;

    /// <summary>Marks the endpoint; it may then answer 413 (over the cap) and 503 (the shared budget of bodies is spent).</summary>
    public static TBuilder AcceptsLargeBodies<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(LargeBodyMetadata.Instance,
            new ProducesResponseTypeMetadata(StatusCodes.Status413PayloadTooLarge, typeof(ErrorEnvelope), ["application/json"]),
            new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, typeof(ErrorEnvelope), ["application/json"]));

    public static WebApplication UseRequestBodyLimits(this WebApplication app)
    {
        long large = app.Configuration.GetValue("Herald:Ingest:MaxBodyBytes", DefaultLargeBytes);
        app.Use((http, next) =>
        {
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
                feature.MaxRequestBodySize = http.GetEndpoint()?.Metadata.GetMetadata<LargeBodyMetadata>() is null ? DefaultBytes : large;
            return next(http);
        });
        return app;
    }
}
