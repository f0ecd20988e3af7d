using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Herald.Domain;

namespace Herald.Simulation;

/// <summary>What one <c>POST /api/v1/events</c> answered (HTTP 202).</summary>
public readonly record struct IngestAnswer(int Accepted, int Duplicates, int Rejected);

/// <summary>Running totals of an <see cref="HttpEventSender"/>.</summary>
public readonly record struct SenderTotals(
    long Requests, long Events, long Accepted, long Duplicates, long Rejected, long Throttled, long Retries);

/// <summary>
/// Feeds simulated traffic to a Herald server over its public API, the way a real integration would: one
/// API key per team, a bounded number of requests in flight, and back-off on 429 (Retry-After) so a load
/// test measures the server rather than flooding it.
/// </summary>
public sealed class HttpEventSender : IAsyncDisposable
{
    private const int MaxRejectionSamples = 20;
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string? _singleKey;
    private readonly IReadOnlyDictionary<string, string>? _keysByTeam;
    private readonly SemaphoreSlim _slots;
    private readonly int _concurrency;
    private readonly ConcurrentBag<EventJsonWriter> _writers = new();
    private readonly ConcurrentQueue<string> _rejectionSamples = new();
    private Exception? _failure;

    private long _requests, _events, _accepted, _duplicates, _rejected, _throttled, _retries;

    /// <summary>Every event goes to the team of <paramref name="apiKey"/>, whatever its <see cref="SimulatedEvent.TeamName"/>.</summary>
    public HttpEventSender(HttpClient http, string baseUrl, string apiKey, int concurrency = 4)
        : this(http, baseUrl, concurrency)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        _singleKey = apiKey;
    }

    /// <summary>Each event goes with the key of its team (by <see cref="SimulatedEvent.TeamName"/>).</summary>
    public HttpEventSender(HttpClient http, string baseUrl, IReadOnlyDictionary<string, string> apiKeysByTeam, int concurrency = 4)
        : this(http, baseUrl, concurrency)
    {
        ArgumentNullException.ThrowIfNull(apiKeysByTeam);
        _keysByTeam = apiKeysByTeam;
    }

    private HttpEventSender(HttpClient http, string baseUrl, int concurrency)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentException.ThrowIfNullOrEmpty(baseUrl);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        _http = http;
        _endpoint = new Uri(baseUrl.TrimEnd('/') + "/api/v1/events", UriKind.Absolute);
        _concurrency = concurrency;
        _slots = new SemaphoreSlim(concurrency, concurrency);
    }

    /// <summary>How many times a request is retried after a network error or a 502/503/504 before giving up.</summary>
    public int MaxTransientRetries { get; init; } = 5;

    /// <summary>Upper bound on one wait for Retry-After (a server asking for more is still retried after this).</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    public SenderTotals Totals => new(
        Interlocked.Read(ref _requests), Interlocked.Read(ref _events), Interlocked.Read(ref _accepted),
        Interlocked.Read(ref _duplicates), Interlocked.Read(ref _rejected), Interlocked.Read(ref _throttled),
        Interlocked.Read(ref _retries));

    /// <summary>The first rejections the server reported, as "index: error" (at most 20).</summary>
    public IReadOnlyCollection<string> RejectionSamples => _rejectionSamples.ToArray();

    /// <summary>
    /// The sink for <see cref="SimulationRunner"/>: splits the batch by team, starts one request per team and
    /// returns as soon as they are in flight (waiting only while all slots are busy). Call
    /// <see cref="FlushAsync"/> at the end. A failed request makes the next call (or the flush) throw.
    /// </summary>
    public async Task SendAsync(IReadOnlyList<SimulatedEvent> batch, CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        if (batch.Count == 0) return;
        if (_singleKey is not null)
        {
            await StartAsync(_singleKey, Slice(batch, null), cancellationToken).ConfigureAwait(false);
            return;
        }

        // Few teams, so a linear scan per team beats grouping structures.
        string? first = batch[0].TeamName;
        bool single = true;
        for (int i = 1; i < batch.Count && single; i++) single = batch[i].TeamName == first;
        if (single)
        {
            await StartAsync(KeyOf(first), Slice(batch, null), cancellationToken).ConfigureAwait(false);
            return;
        }

        var teams = new List<string>(4);
        for (int i = 0; i < batch.Count; i++)
            if (!teams.Contains(batch[i].TeamName)) teams.Add(batch[i].TeamName);
        var keys = new string[teams.Count];
        for (int t = 0; t < keys.Length; t++) keys[t] = KeyOf(teams[t]); // all or nothing: fail before sending any
        for (int t = 0; t < keys.Length; t++)
            await StartAsync(keys[t], Slice(batch, teams[t]), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Posts one batch with the given key and waits for its answer (counts towards <see cref="Totals"/>).</summary>
    public async Task<IngestAnswer> PostAsync(string apiKey, IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var writer = RentWriter();
        try
        {
            var payload = writer.Write(events);
            return await PostWithRetriesAsync(apiKey, payload, events.Count, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writers.Add(writer);
            _slots.Release();
        }
    }

    /// <summary>Waits until every request started by <see cref="SendAsync"/> is answered; throws the first failure.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfFailed();
    }

    /// <summary>Waits for the requests in flight (failures are reported by <see cref="FlushAsync"/>, not here).</summary>
    public async ValueTask DisposeAsync()
    {
        await DrainAsync(CancellationToken.None).ConfigureAwait(false);
        _slots.Dispose();
    }

    // Every request holds a slot until answered: holding all slots means none is in flight.
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        int held = 0;
        try
        {
            for (; held < _concurrency; held++)
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (held > 0) _slots.Release(held);
        }
    }

    private async Task StartAsync(string apiKey, IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        _ = RunAsync(apiKey, events, cancellationToken);
    }

    private async Task RunAsync(string apiKey, IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken)
    {
        await Task.Yield(); // serialize and post on the pool while the caller goes on generating
        var writer = RentWriter();
        try
        {
            var payload = writer.Write(events);
            await PostWithRetriesAsync(apiKey, payload, events.Count, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run was stopped: not a failure.
        }
        catch (Exception ex)
        {
            Interlocked.CompareExchange(ref _failure, ex, null);
        }
        finally
        {
            _writers.Add(writer);
            _slots.Release();
        }
    }

    private async Task<IngestAnswer> PostWithRetriesAsync(string apiKey, ReadOnlyMemory<byte> payload, int count, CancellationToken cancellationToken)
    {
        int transientFailures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint);
            request.Headers.TryAddWithoutValidation("X-API-Key", apiKey);
            request.Content = new ReadOnlyMemoryContent(payload);
            request.Content.Headers.ContentType = JsonContentType;

            HttpResponseMessage response;
            try
            {
                Interlocked.Increment(ref _requests);
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException
                && transientFailures < MaxTransientRetries && !cancellationToken.IsCancellationRequested)
            {
                // Network error, or HttpClient.Timeout (a TaskCanceledException while our token is not cancelled).
                await BackOffAsync(++transientFailures, cancellationToken).ConfigureAwait(false);
                continue;
            }

            using (response)
            {
                var status = response.StatusCode;
                if (status == HttpStatusCode.TooManyRequests)
                {
                    Interlocked.Increment(ref _throttled);
                    Interlocked.Increment(ref _retries);
                    await Task.Delay(RetryAfter(response), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (status is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
                    && transientFailures < MaxTransientRetries)
                {
                    await BackOffAsync(++transientFailures, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    string text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 2_000));
                    throw new HttpRequestException(
                        $"POST {_endpoint} answered {(int)status} {response.ReasonPhrase}: {text}", null, status);
                }

                var answer = ParseAnswer(body);
                Interlocked.Add(ref _events, count);
                Interlocked.Add(ref _accepted, answer.Accepted);
                Interlocked.Add(ref _duplicates, answer.Duplicates);
                Interlocked.Add(ref _rejected, answer.Rejected);
                return answer;
            }
        }
    }

    private async Task BackOffAsync(int failures, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _retries);
        var delay = TimeSpan.FromMilliseconds(Math.Min(10_000, 200 * (1 << Math.Min(failures, 6))));
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
    }

    private TimeSpan RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan wait = TimeSpan.FromSeconds(1);
        if (header?.Delta is { } delta) wait = delta;
        else if (header?.Date is { } date) wait = date - DateTimeOffset.UtcNow;
        if (wait < TimeSpan.FromMilliseconds(50)) wait = TimeSpan.FromMilliseconds(50);
        return wait > MaxRetryAfter ? MaxRetryAfter : wait;
    }

    /// <summary>Reads {"status":"success","data":{"accepted":N,"duplicates":N,"rejected":[...]}} (or the bare data object).</summary>
    private IngestAnswer ParseAnswer(byte[] body)
    {
        if (body.Length == 0) return default;
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
            root = data;
        if (root.ValueKind != JsonValueKind.Object) return default;

        int accepted = root.TryGetProperty("accepted", out var a) && a.TryGetInt32(out int av) ? av : 0;
        int duplicates = root.TryGetProperty("duplicates", out var d) && d.TryGetInt32(out int dv) ? dv : 0;
        int rejected = 0;
        if (root.TryGetProperty("rejected", out var r))
        {
            if (r.ValueKind == JsonValueKind.Array)
            {
                foreach (var entry in r.EnumerateArray())
                {
                    rejected++;
                    if (_rejectionSamples.Count < MaxRejectionSamples) _rejectionSamples.Enqueue(DescribeRejection(entry));
                }
            }
            else if (r.ValueKind == JsonValueKind.Number && r.TryGetInt32(out int rv))
            {
                rejected = rv;
            }
        }
        return new IngestAnswer(accepted, duplicates, rejected);
    }

    private static string DescribeRejection(JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object) return entry.GetRawText();
        string index = entry.TryGetProperty("index", out var i) ? i.GetRawText() : "?";
        string error = entry.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.ValueKind == JsonValueKind.Undefined ? "" : e.GetRawText();
        return index + ": " + error;
    }

    private string KeyOf(string team)
    {
        if (_keysByTeam!.TryGetValue(team, out var key)) return key;
        throw new InvalidOperationException("No API key configured for team '" + team + "'.");
    }

    private static List<IncomingEvent> Slice(IReadOnlyList<SimulatedEvent> batch, string? team)
    {
        var events = new List<IncomingEvent>(batch.Count);
        for (int i = 0; i < batch.Count; i++)
            if (team is null || batch[i].TeamName == team) events.Add(batch[i].Event);
        return events;
    }

    private EventJsonWriter RentWriter() => _writers.TryTake(out var writer) ? writer : new EventJsonWriter();

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
            throw new InvalidOperationException("Sending events failed: " + failure.Message, failure);
    }
}
