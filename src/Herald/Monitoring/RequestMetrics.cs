using System.Collections.Concurrent;
using System.Diagnostics;
using Herald.Analytics;
using Herald.Engine;

namespace Herald.Monitoring;

/// <summary>Requests of one (method, route, status class) since start.</summary>
public sealed record RouteCounter(string Method, string Route, string StatusClass, long Requests, double Seconds);

/// <summary>What a window of recent requests looked like.</summary>
public sealed record RequestWindow(long Requests, long ServerErrors, long ClientErrors, double? P95Ms, double? MaxMs, double? AvgMs = null)
{
    public double ErrorRatePercent => MetricTotals.Percent(ServerErrors, Requests);
}

/// <summary>
/// Herald's own HTTP traffic: counters per route template (bounded: one per endpoint, plus <c>unmatched</c>), and per-minute
/// log-scale latency histograms of the last hour for API requests and for provider webhooks separately, from which the
/// alert metrics <c>api_response_ms_p95</c> and <c>webhook_delay_seconds</c> read any window up to an hour; and every request
/// counted per minute of the last day (<see cref="RequestsPerSecond"/>, <see cref="LastDay"/>).
/// </summary>
public sealed class RequestMetrics
{
    public const int WindowMinutes = 60;

    private sealed class Counter
    {
        public long Requests, Ticks;
    }

    private readonly ConcurrentDictionary<(string, string, string), Counter> _routes = new();
    private readonly MinuteRing _api = new();
    private readonly MinuteRing _webhooks = new();
    private readonly long[] _dayMinutes = new long[DayMinutes], _dayCounts = new long[DayMinutes];
    private readonly Lock _dayLock = new();
    private readonly TimeProvider _time;
    private readonly long _startedMs;
    private long _inFlight;

    public const int DayMinutes = 24 * 60;

    public RequestMetrics(TimeProvider time)
    {
        _time = time;
        _startedMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        Array.Fill(_dayMinutes, -1);
    }

    public long InFlight => Interlocked.Read(ref _inFlight);

    public void Started() => Interlocked.Increment(ref _inFlight);

    /// <param name="longLived">A request that is held open by design (a long-poll, a socket): counted, but not in the latency windows.</param>
    public void Finished(string method, string route, int status, long elapsedTicks, bool longLived = false)
    {
        Interlocked.Decrement(ref _inFlight);
        string statusClass = status switch { < 200 => "1xx", < 300 => "2xx", < 400 => "3xx", < 500 => "4xx", _ => "5xx" };
        var counter = _routes.GetOrAdd((method, route, statusClass), _ => new Counter());
        Interlocked.Increment(ref counter.Requests);
        Interlocked.Add(ref counter.Ticks, elapsedTicks);
        long ms = elapsedTicks * 1000 / Stopwatch.Frequency;
        long minute = _time.GetUtcNow().ToUnixTimeMilliseconds() / 60_000;
        lock (_dayLock)
        {
            int slot = (int)(minute % DayMinutes);
            if (_dayMinutes[slot] != minute) (_dayMinutes[slot], _dayCounts[slot]) = (minute, 0);
            _dayCounts[slot]++;
        }
        if (longLived) return;
        if (route.StartsWith("/webhooks/", StringComparison.Ordinal)) _webhooks.Record(minute, ms, status);
        else if (route != "/metrics") _api.Record(minute, ms, status);
    }

    public IReadOnlyList<RouteCounter> Routes()
    {
        var list = new List<RouteCounter>(_routes.Count);
        foreach (var ((method, route, cls), c) in _routes)
            list.Add(new RouteCounter(method, route, cls, Interlocked.Read(ref c.Requests), Interlocked.Read(ref c.Ticks) / (double)Stopwatch.Frequency));
        list.Sort((a, b) => (a.Route, a.Method, a.StatusClass).CompareTo((b.Route, b.Method, b.StatusClass)));
        return list;
    }

    /// <summary>API requests of the last <paramref name="minutes"/> minutes (the current one included), at most an hour.</summary>
    public RequestWindow Api(int minutes) => _api.Window(_time.GetUtcNow().ToUnixTimeMilliseconds() / 60_000, minutes);

    /// <summary>Requests of every kind finished in the last <paramref name="minutes"/> minutes (the current one included), at most a day.</summary>
    public long RequestsIn(int minutes)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds() / 60_000, total = 0;
        minutes = Math.Clamp(minutes, 1, DayMinutes);
        lock (_dayLock)
            for (int i = 0; i < DayMinutes; i++)
                if (_dayMinutes[i] > now - minutes && _dayMinutes[i] <= now) total += _dayCounts[i];
        return total;
    }

    /// <summary>Requests finished in the last 24 hours (since start when the server is younger).</summary>
    public long LastDay() => RequestsIn(DayMinutes);

    /// <summary>
    /// Requests per second over the last five minutes, the current one included: those requests over the seconds from the
    /// window's start (or the server's start, when later) to now.
    /// </summary>
    public double RequestsPerSecond()
    {
        const int minutes = 5;
        long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long windowStart = Math.Max((nowMs / 60_000 - minutes + 1) * 60_000, _startedMs);
        return Math.Round(RequestsIn(minutes) / Math.Max(1.0, (nowMs - windowStart) / 1000.0), 3);
    }

    public RequestWindow Webhooks(int minutes) => _webhooks.Window(_time.GetUtcNow().ToUnixTimeMilliseconds() / 60_000, minutes);

    /// <summary>One slot per minute of the last hour; a slot is reset when its minute comes round again.</summary>
    private sealed class MinuteRing
    {
        private sealed class Slot
        {
            public long Minute = -1, Requests, ServerErrors, ClientErrors, TotalMs;
            public readonly long[] Histogram = new long[LatencyScale.BucketCount];
        }

        private readonly Slot[] _slots = Enumerable.Range(0, WindowMinutes).Select(_ => new Slot()).ToArray();

        public void Record(long minute, long ms, int status)
        {
            var slot = _slots[minute % WindowMinutes];
            lock (slot)
            {
                if (slot.Minute != minute)
                {
                    slot.Minute = minute;
                    slot.Requests = slot.ServerErrors = slot.ClientErrors = slot.TotalMs = 0;
                    Array.Clear(slot.Histogram);
                }
                slot.Requests++;
                slot.TotalMs += ms;
                if (status >= 500) slot.ServerErrors++;
                else if (status >= 400) slot.ClientErrors++;
                slot.Histogram[LatencyScale.BucketOf(ms)]++;
            }
        }

        public RequestWindow Window(long now, int minutes)
        {
            minutes = Math.Clamp(minutes, 1, WindowMinutes);
            var merged = new long[LatencyScale.BucketCount];
            long requests = 0, server = 0, client = 0, totalMs = 0;
            foreach (var slot in _slots)
            {
                lock (slot)
                {
                    if (slot.Minute <= now - minutes || slot.Minute > now) continue;
                    requests += slot.Requests;
                    server += slot.ServerErrors;
                    client += slot.ClientErrors;
                    totalMs += slot.TotalMs;
                    for (int i = 0; i < merged.Length; i++) merged[i] += slot.Histogram[i];
                }
            }
            if (requests == 0) return new RequestWindow(0, 0, 0, null, null);
            long rank = Math.Max(1, (long)Math.Ceiling(0.95 * requests)), seen = 0;
            double? p95 = null, max = null;
            for (int i = 0; i < merged.Length; i++)
            {
                if (merged[i] == 0) continue;
                seen += merged[i];
                if (p95 is null && seen >= rank) p95 = LatencyScale.RepresentativeMs(i);
                max = LatencyScale.RepresentativeMs(i);
            }
            return new RequestWindow(requests, server, client, p95, max, Math.Round(totalMs / (double)requests, 3));
        }
    }
}

/// <summary>
/// Times every request and counts it under its route template (<c>/api/v1/items/{itemId}</c>, not the item), in the windows
/// the alert rules read and in the request-duration histogram of <c>/metrics</c>.
/// </summary>
public sealed class RequestMetricsMiddleware(RequestDelegate next, RequestMetrics metrics, HeraldMetrics instruments)
{
    private static readonly (string Route, bool LongLived) Unmatched = ("unmatched", false);
    // Per endpoint, its route name and whether it is long-lived, worked out once: the endpoints are a fixed set.
    private readonly ConcurrentDictionary<Endpoint, (string Route, bool LongLived)> _routes = new();

    public async Task InvokeAsync(HttpContext http)
    {
        long start = Stopwatch.GetTimestamp();
        metrics.Started();
        int status = 500;
        try
        {
            await next(http);
            status = http.Response.StatusCode;
        }
        finally
        {
            long end = Stopwatch.GetTimestamp();
            var (route, longLived) = http.GetEndpoint() is { } endpoint ? _routes.GetOrAdd(endpoint, Describe) : Unmatched;
            metrics.Finished(http.Request.Method, route, status, end - start, longLived);
            if (!longLived) instruments.RequestFinished(http.Request.Method, route, Stopwatch.GetElapsedTime(start, end));
        }
    }

    private static (string Route, bool LongLived) Describe(Endpoint endpoint) => (
        endpoint is RouteEndpoint e ? "/" + (e.RoutePattern.RawText ?? "").TrimStart('/') : "unmatched",
        endpoint.Metadata.GetMetadata<LongLivedRequests>() is not null);
}

/// <summary>Endpoint metadata: this endpoint's requests stay open by design, so their duration says nothing of latency.</summary>
public sealed class LongLivedRequests;
