using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Herald.Analytics;
using Herald.Api;
using Herald.Api.Auth;
using Herald.Tenancy;
using Herald.Api.Trends;
using Herald.Realtime.SocketIo;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Herald.Realtime;

/// <summary>
/// Seed 004's subscription with its own client: <c>io(url, { auth: { key } })</c> (or the key in the <c>X-API-Key</c>
/// header), then <c>socket.on('metrics:realtime', data => ...)</c>. A connected socket gets the figures of
/// <c>GET /api/v1/analytics/metrics/messages/realtime</c> (<see cref="TrendEndpoints.RealtimeOf"/>) on connecting and every
/// second after, for its key's team, or for an admin key every team or the <c>team</c> it names. <c>team</c> and
/// <c>window_seconds</c> (1-3600, default 60) come from the <c>auth</c> payload or the connection's query string. The key
/// is checked again at every emission: a revoked or expired key's sockets are disconnected.
/// </summary>
public sealed class RealtimeMetricsSocketIo : ISocketIoHandler
{
    public const string EventName = RealtimeSocketEndpoints.EventName;
    private const int DefaultWindowSeconds = 60, MaxWindowSeconds = 3600;

    private readonly ConcurrentDictionary<SocketIoSocket, Subscription> _subscribers = new();
    private readonly ApiKeyService _keys;
    private readonly KeyRateLimiting.KeyWindows _windows;
    private readonly TeamDirectory _teams;
    private readonly MetricsQuery _query;
    private readonly TimeProvider _time;
    private readonly JsonSerializerOptions _json;
    private readonly ILogger _logger;
    private int _broadcasting;

    public RealtimeMetricsSocketIo(ApiKeyService keys, KeyRateLimiting.KeyWindows windows, TeamDirectory teams, MetricsQuery query, TimeProvider time, IOptions<JsonOptions> json,
        ILogger<RealtimeMetricsSocketIo> logger)
    {
        _keys = keys;
        _windows = windows;
        _teams = teams;
        _query = query;
        _time = time;
        _json = json.Value.SerializerOptions;
        _logger = logger;
    }

    private sealed record Subscription(string Key, string? Team, int WindowSeconds);

    public SocketIoAdmission Admit(SocketIoHandshake handshake, JsonElement? auth)
    {
        try
        {
            string? key = AuthString(auth, "key") ?? handshake.Header(ApiKeyAuthenticationHandler.HeaderName);
            if (string.IsNullOrEmpty(key))
                return Refuse("unauthorized", $"an API key is required: send the {ApiKeyAuthenticationHandler.HeaderName} header, or connect with auth: {{ key }}");
            var record = _keys.Validate(key);
            if (record is null) return Refuse("unauthorized", "the API key is unknown, revoked or expired");
            _keys.RecordUse(record.Id);
            var caller = Caller.Of(record);
            if (!caller.Has(Scopes.MetricsRead)) return Refuse("forbidden", $"this key lacks the '{Scopes.MetricsRead}' scope");
            string? team = AuthString(auth, "team") ?? handshake.QueryValue("team");
            int window = WindowSeconds(auth, handshake);
            TeamScope.Resolve(caller, _teams, team);
            if (_windows.TryConsume(record) is { } retryAfter)
                return Refuse("rate_limited", $"this key allows {record.RateLimitRequests} requests per {record.RateLimitPeriodMs / 1000} s; retry after {retryAfter} s");
            return SocketIoAdmission.Accept(new Subscription(key, team, window));
        }
        catch (BadParameterException e)
        {
            return SocketIoAdmission.Refuse(e.Message, new { code = "invalid_parameter", field = e.Parameter });
        }
        catch (ForbiddenTeamException e)
        {
            return Refuse("forbidden", e.Message);
        }
    }

    private static SocketIoAdmission Refuse(string code, string message) => SocketIoAdmission.Refuse(message, new { code });

    private static string? AuthString(JsonElement? auth, string name)
    {
        if (auth is not { } a || !a.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new BadParameterException(name, "must be a string");
    }

    private static int WindowSeconds(JsonElement? auth, SocketIoHandshake handshake)
    {
        const string name = "window_seconds";
        int window = DefaultWindowSeconds;
        bool valid = true;
        if (auth is { } a && a.TryGetProperty(name, out var value))
            valid = value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out window);
        else if (handshake.QueryValue(name) is { } text)
            valid = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out window);
        if (!valid || window is < 1 or > MaxWindowSeconds)
            throw new BadParameterException(name, $"must be a whole number from 1 to {MaxWindowSeconds}");
        return window;
    }

    public void Connected(SocketIoSocket socket)
    {
        var subscription = (Subscription)socket.State!;
        _subscribers[socket] = subscription;
        Emit(socket, subscription, _time.GetUtcNow(), answers: null);
    }

    public void Disconnected(SocketIoSocket socket, string reason) => _subscribers.TryRemove(socket, out _);

    /// <summary>One emission to every socket; sockets that see the same teams over the same window share one computation.</summary>
    internal void BroadcastOnce()
    {
        if (_subscribers.IsEmpty || Interlocked.Exchange(ref _broadcasting, 1) == 1) return; // the previous second's is still running
        try
        {
            var now = _time.GetUtcNow();
            var answers = new Dictionary<(string Teams, int Window), string>();
            foreach (var (socket, subscription) in _subscribers) Emit(socket, subscription, now, answers);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "the Socket.IO real-time emission failed");
        }
        finally
        {
            Volatile.Write(ref _broadcasting, 0);
        }
    }

    private void Emit(SocketIoSocket socket, Subscription subscription, DateTimeOffset now, Dictionary<(string, int), string>? answers)
    {
        if (!socket.IsConnected)
        {
            _subscribers.TryRemove(socket, out _); // it left while it was being added
            return;
        }
        var teams = TeamsOf(subscription);
        if (teams is null)
        {
            socket.Disconnect();
            return;
        }
        var key = (string.Join(',', teams), subscription.WindowSeconds);
        if (answers is null || !answers.TryGetValue(key, out var json))
        {
            json = JsonSerializer.Serialize(TrendEndpoints.RealtimeOf(_query, teams, MetricFilter.None, subscription.WindowSeconds, now), _json);
            answers?.Add(key, json);
        }
        socket.Emit(EventName, json);
    }

    /// <summary>The teams the subscription reads now; null once its key is revoked or expired, or its team is gone.</summary>
    private IReadOnlyList<int>? TeamsOf(Subscription subscription)
    {
        if (_keys.Validate(subscription.Key) is not { } record) return null;
        try
        {
            return TeamScope.Resolve(Caller.Of(record), _teams, subscription.Team);
        }
        catch (Exception e) when (e is BadParameterException or ForbiddenTeamException)
        {
            return null;
        }
    }
}

public static class RealtimeMetricsSocketIoEndpoints
{
    /// <summary>Serves Socket.IO at <c>/socket.io/</c> (<c>Herald:SocketIo</c> bounds it) and emits every second once the host has started.</summary>
    public static IEndpointConventionBuilder MapRealtimeMetricsSocketIo(this IEndpointRouteBuilder app)
    {
        var services = app.ServiceProvider;
        var options = services.GetRequiredService<IConfiguration>().GetSection("Herald:SocketIo").Get<SocketIoOptions>() ?? new SocketIoOptions();
        var time = services.GetRequiredService<TimeProvider>();
        var handler = ActivatorUtilities.CreateInstance<RealtimeMetricsSocketIo>(services);
        var server = new EngineIoServer(options, handler, time);
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() =>
        {
            var timer = time.CreateTimer(_ => handler.BroadcastOnce(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            lifetime.ApplicationStopping.Register(timer.Dispose);
        });
        return app.MapSocketIo(server);
    }
}
