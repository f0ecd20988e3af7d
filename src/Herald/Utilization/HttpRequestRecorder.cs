using System.Diagnostics.Metrics;
using Herald.Engine;
using Herald.Monitoring;

namespace Herald.Utilization;

/// <summary>The requests of one interval: how many, the 4xx and 5xx among them, and their times.</summary>
public sealed class RequestTally
{
    public long Requests { get; private set; }
    public long ServerErrors { get; private set; }
    public long ClientErrors { get; private set; }
    public double TotalMs { get; private set; }
    public double? MaxMs { get; private set; }
    public long[] Histogram { get; } = new long[LatencyScale.BucketCount];

    public void Add(int status, double ms)
    {
        Requests++;
        if (status >= 500) ServerErrors++;
        else if (status >= 400) ClientErrors++;
        TotalMs += ms;
        MaxMs = MaxMs is { } max && max >= ms ? max : ms;
        Histogram[LatencyScale.BucketOf((long)ms)]++;
    }
}

/// <summary>
/// Every HTTP request this host served, as ASP.NET Core reports it on its own meter (<c>http.server.request.duration</c> of
/// <c>Microsoft.AspNetCore.Hosting</c>, this host's meter factory only, so other hosts in the process do not count), summed
/// per interval for the utilization samples. Requests of endpoints held open by design (<see cref="LongLivedRequests"/>:
/// sockets, event streams) are left out: their duration says nothing of latency.
/// </summary>
public sealed class HttpRequestRecorder : IDisposable
{
    public const string MeterName = "Microsoft.AspNetCore.Hosting";
    public const string InstrumentName = "http.server.request.duration";

    private readonly MeterListener _listener = new();
    private readonly Lazy<HashSet<string>> _longLived;
    private readonly Lock _lock = new();
    private RequestTally _current = new();

    public HttpRequestRecorder(IMeterFactory meters, IServiceProvider services)
    {
        _longLived = new Lazy<HashSet<string>>(() => LongLivedRoutes(services));
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name == InstrumentName && ReferenceEquals(instrument.Meter.Scope, meters))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>(OnDuration);
        _listener.Start();
    }

    /// <summary>The requests since the previous call, and a fresh tally for the next interval.</summary>
    public RequestTally Drain()
    {
        lock (_lock)
        {
            var done = _current;
            _current = new RequestTally();
            return done;
        }
    }

    private void OnDuration(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        int status = 0;
        string? route = null;
        foreach (var (key, value) in tags)
        {
            if (key == "http.response.status_code" && value is not null) status = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
            else if (key == "http.route") route = value as string;
        }
        if (route is not null && _longLived.Value.Contains(Normalize(route))) return;
        lock (_lock) _current.Add(status, seconds * 1000);
    }

    private static HashSet<string> LongLivedRoutes(IServiceProvider services)
    {
        var routes = new HashSet<string>(StringComparer.Ordinal);
        if (services.GetService<EndpointDataSource>() is not { } source) return routes;
        foreach (var endpoint in source.Endpoints)
            if (endpoint is RouteEndpoint e && e.Metadata.GetMetadata<LongLivedRequests>() is not null && e.RoutePattern.RawText is { } raw)
                routes.Add(Normalize(raw));
        return routes;
    }

    private static string Normalize(string route) => "/" + route.TrimStart('/');

    public void Dispose() => _listener.Dispose();
}
