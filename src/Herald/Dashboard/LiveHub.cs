using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Herald.Analytics;
using Herald.Api.Metrics;
using Herald.Domain;
using Herald.Engine;

namespace Herald.Dashboard;

/// <summary>What one live stream listens to: its teams, its filter and the window of its summary.</summary>
public sealed record LiveQuery(IReadOnlyList<int> Teams, MetricFilter Filter, IReadOnlyList<(Dimension Dimension, string[] Values)> FilterParts, int WindowMinutes)
{
    /// <summary>Listeners with equal keys share one computation per tick.</summary>
    public string Key
    {
        get
        {
            var b = new StringBuilder();
            b.Append(string.Join(',', Teams.Order())).Append('|').Append(WindowMinutes);
            foreach (var (d, values) in FilterParts.OrderBy(p => p.Dimension))
                b.Append('|').Append(Dimensions.Name(d)).Append('=').Append(string.Join(',', values.Order(StringComparer.Ordinal)));
            return b.ToString();
        }
    }

    /// <summary>An activity entry matches when its team is listened to and the event itself carries each filtered value.</summary>
    public bool Matches(in ActivityEntry a)
    {
        if (!Teams.Contains(a.TeamId)) return false;
        var e = a.Event;
        foreach (var (d, values) in FilterParts)
        {
            string? v = d switch
            {
                Dimension.Account => e.Account,
                Dimension.Channel => e.Channel,
                Dimension.Provider => e.Provider,
                Dimension.Route => e.Route,
                Dimension.Campaign => e.Campaign,
                Dimension.Country => e.Country,
                Dimension.Direction => e.Direction,
                Dimension.Agent => e.Agent,
                Dimension.Template => e.Template,
                Dimension.Kind => e.Kind is { } k ? ItemKinds.Name(k) : null,
                _ => null,
            };
            if (v is null || Array.IndexOf(values, v) < 0) return false;
        }
        return true;
    }
}

/// <summary>One connected stream: the messages (ready SSE frames) the ticker has for it.</summary>
public sealed class LiveSubscription : IDisposable
{
    private readonly LiveHub _hub;

    internal LiveSubscription(LiveHub hub, LiveQuery query)
    {
        _hub = hub;
        Query = query;
    }

    public LiveQuery Query { get; }

    /// <summary>A slow client loses its oldest frames, never holds up the ticker.</summary>
    public Channel<string> Frames { get; } = Channel.CreateBounded<string>(new BoundedChannelOptions(8)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
        SingleWriter = true,
    });

    internal bool NeedsBacklog { get; set; } = true;

    public void Dispose() => _hub.Unsubscribe(this);
}

/// <summary>
/// A live activity entry: Herald's fields, then seed 003's names (<c>event_type</c>, <c>timestamp</c> = occurred_at,
/// <c>campaign_name</c>, and where they apply <c>delivery_time_seconds</c>, <c>from_phone</c> and <c>message_body</c> of an
/// inbound message, <c>estimated_recipients</c> of a started campaign).
/// </summary>
public sealed record LiveActivityDto(
    string ItemId, string Status, string Outcome, string Kind, string? Channel, string? Provider, string? Country, string? Campaign,
    string? Recipient, string? ErrorCode, string OccurredAt, string ReceivedAt, string EventType, string Timestamp, string? CampaignName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? DeliveryTimeSeconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FromPhone,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? MessageBody,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? EstimatedRecipients);

public sealed record LiveTickDto(
    string At, int WindowMinutes, string From, string To, double EventsPerSecond, long EventsLastMinute, SummaryDto Summary, long ActiveCampaigns,
    long UptimeSeconds, int Listeners);

/// <summary>
/// The live stream's engine: one background ticker that, once a second and only while someone listens, computes each
/// distinct <see cref="LiveQuery"/> once (its window summary, the current events per second, the active campaigns of 24 h)
/// and the new activity entries of its teams, and fans the ready frames out to every listener's channel.
/// </summary>
public sealed class LiveHub : BackgroundService
{
    public const int MaxActivityPerTick = 20;
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly MetricsQuery _query;
    private readonly LiveActivity _activity;
    private readonly ActivityDetails _details;
    private readonly TimeProvider _time;
    private readonly ILogger<LiveHub> _logger;
    private readonly JsonSerializerOptions _json;
    private readonly Lock _lock = new();
    private readonly List<LiveSubscription> _subscriptions = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly DateTimeOffset _started;
    private long _lastSeq;

    public LiveHub(MetricsQuery query, LiveActivity activity, ActivityDetails details, TimeProvider time, ILogger<LiveHub> logger,
        Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        _query = query;
        _activity = activity;
        _details = details;
        _time = time;
        _logger = logger;
        _json = json.Value.SerializerOptions;
        using (var self = Process.GetCurrentProcess()) _started = self.StartTime.ToUniversalTime();
        _lastSeq = activity.LastSeq;
    }

    /// <summary>Streams connected now.</summary>
    public int Listeners
    {
        get
        {
            lock (_lock) return _subscriptions.Count;
        }
    }

    /// <summary>Ticks computed since start (one per second while anyone listens).</summary>
    public long Ticks { get; private set; }

    /// <summary>Server time the last tick took, in milliseconds.</summary>
    public double LastTickMs { get; private set; }

    public long UptimeSeconds => (long)Math.Max(0, (_time.GetUtcNow() - _started).TotalSeconds);

    public LiveSubscription Subscribe(LiveQuery query)
    {
        var s = new LiveSubscription(this, query);
        lock (_lock)
        {
            _subscriptions.Add(s);
            if (_subscriptions.Count == 1) _wake.Release();
        }
        return s;
    }

    internal void Unsubscribe(LiveSubscription s)
    {
        lock (_lock) _subscriptions.Remove(s);
        s.Frames.Writer.TryComplete();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (Listeners == 0)
                {
                    // Nobody listens: no work at all until someone subscribes.
                    await _wake.WaitAsync(stoppingToken).ConfigureAwait(false);
                    continue;
                }
                // Each tick starts at least a period after the previous one started (never two in a burst after a late one).
                long started = _time.GetTimestamp();
                try
                {
                    Tick();
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "live tick failed");
                }
                var wait = Period - _time.GetElapsedTime(started);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        lock (_lock)
        {
            foreach (var s in _subscriptions) s.Frames.Writer.TryComplete();
        }
    }

    /// <summary>One tick: every distinct query computed once, its frames written to each of its listeners.</summary>
    public void Tick()
    {
        long started = Stopwatch.GetTimestamp();
        List<LiveSubscription> subs;
        lock (_lock)
        {
            // Drain stale wake-ups so an idle hub sleeps again.
            while (_wake.CurrentCount > 0) _wake.Wait(0);
            subs = new List<LiveSubscription>(_subscriptions);
        }
        if (subs.Count == 0) return;

        var fresh = new List<ActivityEntry>();
        _lastSeq = _activity.CopySince(_lastSeq, fresh);
        List<ActivityEntry>? backlog = null;
        if (subs.Exists(s => s.NeedsBacklog))
        {
            backlog = new List<ActivityEntry>();
            _activity.CopySince(0, backlog);
        }

        var now = _time.GetUtcNow();
        foreach (var group in subs.GroupBy(s => s.Query.Key))
        {
            var query = group.First().Query;
            string tick = Frame("tick", ComputeTick(query, now, subs.Count));
            string? activity = ActivityFrame(query, fresh);
            string? initial = null;
            foreach (var s in group)
            {
                s.Frames.Writer.TryWrite(tick);
                if (s.NeedsBacklog)
                {
                    s.NeedsBacklog = false;
                    initial ??= ActivityFrame(query, backlog!);
                    if (initial is not null) s.Frames.Writer.TryWrite(initial);
                }
                else if (activity is not null)
                {
                    s.Frames.Writer.TryWrite(activity);
                }
            }
        }
        Ticks++;
        LastTickMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    /// <summary>The tick's figures for one query (public for the benchmark).</summary>
    public LiveTickDto ComputeTick(LiveQuery query, DateTimeOffset now, int listeners)
    {
        // Windows end at the next whole minute, exactly as the metrics API's default window does.
        var to = UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
        var from = new UtcMinute(to.Value - query.WindowMinutes);
        var summary = _query.Summary(query.Teams, query.Filter, from, to);
        // Events per second: events (by occurred_at) of the last full minute and the current one, over the seconds they span.
        var current = UtcMinute.FromDateTimeOffset(now);
        var recent = _query.Summary(query.Teams, query.Filter, new UtcMinute(current.Value - 1), to);
        double seconds = 60 + (now.ToUnixTimeMilliseconds() - current.ToUnixMillis()) / 1000.0;
        var lastMinute = _query.Summary(query.Teams, query.Filter, new UtcMinute(current.Value - 1), current);
        long campaigns = ActiveCampaigns(query, to, now.ToUnixTimeMilliseconds());
        return new LiveTickDto(
            EventParser.FormatTimestamp(now.ToUnixTimeMilliseconds()), query.WindowMinutes, from.ToString(), to.ToString(),
            Math.Round(recent.Events / seconds, 3), lastMinute.Events, SummaryDto.Of(summary, from, to), campaigns, UptimeSeconds, listeners);
    }

    /// <summary>
    /// Distinct campaigns with traffic in the 24 h before <paramref name="to"/>: a breakdown, the tick's dearest part, so
    /// it is recomputed at most every <see cref="CampaignsRefresh"/> per query (a campaign count needs no per-second freshness).
    /// </summary>
    private long ActiveCampaigns(LiveQuery query, UtcMinute to, long nowMs)
    {
        string key = query.Key;
        lock (_campaigns)
            if (_campaigns.TryGetValue(key, out var cached) && nowMs - cached.AtMs < CampaignsRefresh.TotalMilliseconds) return cached.Count;
        long count = 0;
        foreach (var (value, totals) in _query.Breakdown(query.Teams, query.Filter, Dimension.Campaign, new UtcMinute(to.Value - 24 * 60), to,
                     t => t.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            if (value is not null && (totals.Events > 0 || totals.Total > 0)) count++;
        lock (_campaigns)
        {
            if (_campaigns.Count > 1000) _campaigns.Clear();
            _campaigns[key] = (nowMs, count);
        }
        return count;
    }

    public static readonly TimeSpan CampaignsRefresh = TimeSpan.FromSeconds(10);
    private readonly Dictionary<string, (long AtMs, long Count)> _campaigns = new(StringComparer.Ordinal);

    private string? ActivityFrame(LiveQuery query, List<ActivityEntry> entries)
    {
        var picked = new List<LiveActivityDto>();
        for (int i = entries.Count - 1; i >= 0 && picked.Count < MaxActivityPerTick; i--)
        {
            var a = entries[i];
            if (query.Matches(a)) picked.Add(ToDto(a));
        }
        if (picked.Count == 0) return null;
        picked.Reverse(); // oldest first, as they happened
        return Frame("activity", picked);
    }

    private LiveActivityDto ToDto(in ActivityEntry a)
    {
        var e = a.Event;
        var kind = e.Kind ?? StatusLattice.InferKind(e.Status);
        var outcome = StatusLattice.Allows(kind, e.Status) ? StatusLattice.OutcomeOf(kind, e.Status) : Outcome.Pending;
        string outcomeName = outcome switch { Outcome.Delivered => "delivered", Outcome.Failed => "failed", _ => "pending" };
        bool inbound = e.Direction == "inbound";
        string occurredAt = EventParser.FormatTimestamp(e.OccurredAtMs);
        var campaign = a.CampaignStarted && e.Campaign is { } id ? _details.Campaign(a.TeamId, id) : null;
        return new LiveActivityDto(e.ItemId, Statuses.Name(e.Status), outcomeName, ItemKinds.Name(kind), e.Channel, e.Provider, e.Country, e.Campaign,
            e.Recipient, e.ErrorCode, occurredAt, EventParser.FormatTimestamp(a.ReceivedAtMs), EventType(a, kind, outcome, inbound), occurredAt,
            campaign?.Name ?? e.Campaign,
            !a.CampaignStarted && !inbound && outcome == Outcome.Delivered ? _details.DeliveryTimeSeconds(a.TeamId, e.ItemId) : null,
            inbound && !a.CampaignStarted ? e.Recipient : null, inbound && !a.CampaignStarted ? e.Text : null, campaign?.TotalRecipients);
    }

    /// <summary>
    /// Seed 003's event type: <c>campaign_started</c>, <c>inbound_message</c>, else the item's kind and what the event made
    /// of it: <c>message_delivered</c> (delivered or beyond), <c>message_failed</c>, or the status of a step on the way
    /// (<c>message_sent</c>); other kinds likewise (<c>otp_delivered</c>).
    /// </summary>
    private static string EventType(in ActivityEntry a, ItemKind kind, Outcome outcome, bool inbound) =>
        a.CampaignStarted ? "campaign_started"
        : inbound ? "inbound_message"
        : ItemKinds.Name(kind) + "_" + (outcome switch { Outcome.Delivered => "delivered", Outcome.Failed => "failed", _ => Statuses.Name(a.Event.Status) });

    private string Frame<T>(string name, T data) => $"event: {name}\ndata: {JsonSerializer.Serialize(data, _json)}\n\n";
}
