using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Herald.Dashboard;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Dashboard;

/// <summary>One server for the stream tests (each test uses its own teams).</summary>
public sealed class LiveServerFixture : IAsyncLifetime
{
    public HeraldServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await HeraldServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary><c>GET /api/v1/stream</c> over real HTTP: auth like the other GETs, team isolation, the tick's figures and pace.</summary>
public sealed class LiveStreamTests(LiveServerFixture fixture) : IClassFixture<LiveServerFixture>
{
    private readonly HeraldServer _server = fixture.Server;

    /// <summary>One open stream: its events (name, JSON data, when received) as they arrive.</summary>
    private sealed class Sse : IAsyncDisposable
    {
        private readonly HttpClient _client;
        private readonly HttpResponseMessage _response;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _pump;

        public Channel<(string Name, JsonNode Data, DateTime At)> Events { get; } = Channel.CreateUnbounded<(string, JsonNode, DateTime)>();

        private Sse(HttpClient client, HttpResponseMessage response)
        {
            _client = client;
            _response = response;
            _pump = Task.Run(PumpAsync);
        }

        public static async Task<Sse> OpenAsync(HeraldServer server, string? key, string query = "", string? cookie = null)
        {
            var client = server.Client(key);
            client.Timeout = Timeout.InfiniteTimeSpan;
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/stream" + query);
            if (cookie is not null) request.Headers.Add("Cookie", cookie);
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
            return new Sse(client, response);
        }

        private async Task PumpAsync()
        {
            try
            {
                using var reader = new StreamReader(await _response.Content.ReadAsStreamAsync(_stop.Token));
                string? name = null;
                var data = new System.Text.StringBuilder();
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    if (line.Length == 0)
                    {
                        if (name is not null) await Events.Writer.WriteAsync((name, JsonNode.Parse(data.ToString())!, DateTime.UtcNow));
                        name = null;
                        data.Clear();
                    }
                    else if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
                    else if (line.StartsWith("data: ", StringComparison.Ordinal)) data.Append(line[6..]);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
            {
            }
            Events.Writer.TryComplete();
        }

        /// <summary>The next event of that name meeting the condition, within the time limit (others are skipped).</summary>
        public async Task<JsonNode> WaitAsync(string name, Func<JsonNode, bool>? condition = null, int seconds = 10)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            try
            {
                while (true)
                {
                    var (n, data, _) = await Events.Reader.ReadAsync(timeout.Token);
                    if (n == name && (condition is null || condition(data))) return data;
                }
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"no '{name}' event matching within {seconds} s");
            }
        }

        /// <summary>Every event received during the given time.</summary>
        public async Task<List<(string Name, JsonNode Data, DateTime At)>> CollectAsync(TimeSpan during)
        {
            var list = new List<(string, JsonNode, DateTime)>();
            using var timeout = new CancellationTokenSource(during);
            try
            {
                while (true) list.Add(await Events.Reader.ReadAsync(timeout.Token));
            }
            catch (OperationCanceledException)
            {
            }
            return list;
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _response.Dispose();
            _client.Dispose();
            await _pump;
        }
    }

    private static object Ev(string item, string status, double secondsAgo = 1, string provider = "twilio", string? campaign = null) =>
        new Dictionary<string, object?>
        {
            ["item_id"] = item, ["status"] = status, ["occurred_at"] = Kit.Format(DateTimeOffset.UtcNow.AddSeconds(-secondsAgo)),
            ["provider"] = provider, ["channel"] = "sms", ["country"] = "US", ["campaign"] = campaign,
        }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);

    private static bool HasItem(JsonNode activity, string prefix) =>
        activity.AsArray().Any(a => a!["item_id"]!.GetValue<string>().StartsWith(prefix, StringComparison.Ordinal));

    [Fact]
    public async Task The_stream_needs_a_key_with_metrics_read_and_refuses_bad_parameters()
    {
        var (teamId, _) = await _server.CreateTeamAsync("a");
        using (var none = _server.Client(null))
            await Kit.AssertError(await none.GetAsync("/api/v1/stream"), HttpStatusCode.Unauthorized, code: "unauthorized");
        using (var wrong = _server.Client("hk_wrong"))
            await Kit.AssertError(await wrong.GetAsync("/api/v1/stream"), HttpStatusCode.Unauthorized, code: "unauthorized");
        using (var writeOnly = _server.Client(await _server.CreateKeyAsync(teamId, ["events:write"])))
            await Kit.AssertError(await writeOnly.GetAsync("/api/v1/stream"), HttpStatusCode.Forbidden, code: "forbidden");
        // A forged session cookie is no credential.
        using (var forged = _server.Client(null))
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/stream");
            request.Headers.Add("Cookie", "herald_session=CfDJ8forged");
            await Kit.AssertError(await forged.SendAsync(request), HttpStatusCode.Unauthorized);
        }
        await Kit.AssertError(await _server.Admin.GetAsync("/api/v1/stream?window=2h"), HttpStatusCode.BadRequest, field: "window");
        await Kit.AssertError(await _server.Admin.GetAsync($"/api/v1/stream?{Kit.DayWindow}"), HttpStatusCode.BadRequest, field: "from");
        await Kit.AssertError(await _server.Admin.GetAsync("/api/v1/stream?colour=red"), HttpStatusCode.BadRequest, field: "colour");
        await Kit.AssertError(await _server.Admin.GetAsync("/api/v1/stream?team=nope"), HttpStatusCode.BadRequest, field: "team");
    }

    [Fact]
    public async Task Team_b_never_receives_team_a_activity_and_each_tick_carries_its_own_team_figures()
    {
        var (_, keyA) = await _server.CreateTeamAsync("alpha");
        var (teamB, keyB) = await _server.CreateTeamAsync("bravo");
        using var clientA = _server.Client(keyA);
        using var clientB = _server.Client(keyB);
        await using var streamA = await Sse.OpenAsync(_server, keyA);
        await using var streamB = await Sse.OpenAsync(_server, keyB);
        await using var adminB = await Sse.OpenAsync(_server, HeraldServer.AdminKey, $"?team={teamB}");
        await streamA.WaitAsync("tick");
        await streamB.WaitAsync("tick");

        // Several rounds, so A's events land in many ticks that B also gets.
        for (int round = 0; round < 3; round++)
        {
            await Kit.Ingest(clientA, new[] { Ev($"a-{round}-1", "sent"), Ev($"a-{round}-2", "sent"), Ev($"a-{round}-1", "delivered", 0.5) });
            await Task.Delay(400);
        }
        await Kit.Ingest(clientB, new[] { Ev("b-1", "sent", provider: "vonage") });

        var a = await streamA.WaitAsync("tick", t => t["summary"]!["total"]!.GetValue<long>() == 6);
        Assert.Equal(3, a["summary"]!["delivered"]!.GetValue<long>());
        await streamA.WaitAsync("activity", x => HasItem(x, "a-"));
        // B sees its own item and its own numbers, and over the whole time not one event of A.
        var collectB = streamB.CollectAsync(TimeSpan.FromSeconds(1.6));
        var collectAdmin = adminB.CollectAsync(TimeSpan.FromSeconds(1.6));
        var seenB = await collectB;
        Assert.Contains(seenB, e => e.Name == "activity" && HasItem(e.Data, "b-1"));
        Assert.DoesNotContain(seenB, e => e.Name == "activity" && HasItem(e.Data, "a-"));
        var lastTickB = seenB.Last(e => e.Name == "tick").Data;
        Assert.Equal(1, lastTickB["summary"]!["total"]!.GetValue<long>());
        Assert.DoesNotContain(seenB, e => e.Name == "tick" && e.Data["summary"]!["total"]!.GetValue<long>() > 1);
        // An admin stream scoped to B is just as isolated.
        var admin = await collectAdmin;
        Assert.DoesNotContain(admin, e => e.Name == "activity" && HasItem(e.Data, "a-"));
        Assert.Contains(admin, e => e.Name == "activity" && HasItem(e.Data, "b-1"));
    }

    [Fact]
    public async Task A_tick_comes_at_most_once_a_second_with_the_figures_of_the_summary_api()
    {
        var (_, key) = await _server.CreateTeamAsync("tick");
        using var client = _server.Client(key);
        await Kit.Ingest(client, new[]
        {
            Ev("t-1", "sent", 30, campaign: "c1"), Ev("t-1", "delivered", 28, campaign: "c1"), Ev("t-2", "sent", 20, campaign: "c2"),
            Ev("t-3", "sent", 10, provider: "vonage"), Ev("t-3", "failed", 5, provider: "vonage"),
        });
        await using var stream = await Sse.OpenAsync(_server, key, "?provider=twilio");
        var events = await stream.CollectAsync(TimeSpan.FromSeconds(2.3));
        var ticks = events.Where(e => e.Name == "tick").ToList();
        Assert.InRange(ticks.Count, 2, 4);
        for (int i = 1; i < ticks.Count; i++)
            Assert.True((ticks[i].At - ticks[i - 1].At).TotalMilliseconds > 700, "two ticks less than a second apart");

        var tick = ticks[^1].Data;
        var summary = await Kit.GetData(client, "/api/v1/metrics/summary?provider=twilio");
        Assert.Equal(summary["total"]!.GetValue<long>(), tick["summary"]!["total"]!.GetValue<long>());
        Assert.Equal(2, tick["summary"]!["total"]!.GetValue<long>());
        Assert.Equal(summary["delivery_rate_percent"]!.GetValue<double>(), tick["summary"]!["delivery_rate_percent"]!.GetValue<double>());
        Assert.Equal(summary["latency_seconds"]!["p95"]!.GetValue<double>(), tick["summary"]!["latency_seconds"]!["p95"]!.GetValue<double>());
        Assert.Equal(2, tick["active_campaigns"]!.GetValue<long>());
        Assert.Equal(1440, tick["window_minutes"]!.GetValue<int>());
        Assert.True(tick["events_per_second"]!.GetValue<double>() > 0);
        Assert.True(tick["uptime_seconds"]!.GetValue<long>() >= 0);
        // The backlog of recent activity arrives at once, filtered (the vonage item is not in it), oldest first.
        var activity = events.First(e => e.Name == "activity").Data.AsArray();
        var backlog = activity.Where(a => a!["event_type"]!.GetValue<string>() != "campaign_started").ToList();
        Assert.Equal(["t-1", "t-1", "t-2"], backlog.Select(a => a!["item_id"]!.GetValue<string>()));
        Assert.Equal("delivered", backlog[1]!["outcome"]!.GetValue<string>());
        // Both campaigns started in that request, each with the first of its events.
        Assert.Equal(["c1:t-1", "c2:t-2"], activity.Where(a => a!["event_type"]!.GetValue<string>() == "campaign_started")
            .Select(a => $"{a!["campaign"]}:{a["item_id"]}"));

        // A shorter window is its own computation.
        await using var hour = await Sse.OpenAsync(_server, key, "?window=1h");
        var h = await hour.WaitAsync("tick");
        Assert.Equal(60, h["window_minutes"]!.GetValue<int>());
        Assert.Equal(3, h["summary"]!["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task The_ticker_works_only_while_someone_listens()
    {
        var hub = _server.Services.GetRequiredService<LiveHub>();
        var (_, key) = await _server.CreateTeamAsync("idle");
        await using (var stream = await Sse.OpenAsync(_server, key))
        {
            await stream.WaitAsync("tick");
            Assert.Equal(1, hub.Listeners);
        }
        // The server notices the closed connection when it next writes (at most a tick later).
        for (int i = 0; i < 50 && hub.Listeners > 0; i++) await Task.Delay(100);
        Assert.Equal(0, hub.Listeners);
        long ticks = hub.Ticks;
        await Task.Delay(1500);
        Assert.True(hub.Ticks <= ticks + 1, $"the hub kept ticking with nobody listening ({ticks} → {hub.Ticks})");
    }

    [Fact]
    public async Task The_dashboard_cookie_opens_the_stream_and_get_apis_but_never_a_write()
    {
        var (teamId, key) = await _server.CreateTeamAsync("cookie");
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = _server.BaseAddress };
        var signIn = await anonymous.PostAsync("/monitoring/login", new FormUrlEncodedContent([new("api_key", key)]));
        Assert.Equal(HttpStatusCode.SeeOther, signIn.StatusCode);
        string cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("herald_session=", StringComparison.Ordinal)).Split(';')[0];
        Assert.DoesNotContain(key, cookie);

        await using (var stream = await Sse.OpenAsync(_server, null, cookie: cookie))
            Assert.Equal(0, (await stream.WaitAsync("tick"))["summary"]!["total"]!.GetValue<long>());

        var get = new HttpRequestMessage(HttpMethod.Get, "/api/v1/metrics/summary");
        get.Headers.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(get)).StatusCode);
        var session = new HttpRequestMessage(HttpMethod.Get, "/api/v1/dashboard/session");
        session.Headers.Add("Cookie", cookie);
        var me = await HeraldServer.ReadData(await anonymous.SendAsync(session));
        Assert.Equal(teamId, me["team"]!["id"]!.GetValue<string>());
        Assert.False(me["is_admin"]!.GetValue<bool>());

        var post = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = HeraldServer.Json(new[] { Ev("x", "sent") }) };
        post.Headers.Add("Cookie", cookie);
        await Kit.AssertError(await anonymous.SendAsync(post), HttpStatusCode.Unauthorized);

        // A sign-in posted from another site's page is refused.
        var foreign = new HttpRequestMessage(HttpMethod.Post, "/monitoring/login") { Content = new FormUrlEncodedContent([new("api_key", key)]) };
        foreign.Headers.Add("Origin", "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.SendAsync(foreign)).StatusCode);

        // Revoking the key ends the session at once.
        var keys = await Kit.GetData(_server.Admin, "/api/v1/keys");
        string keyId = keys.AsArray().First(k => k!["prefix"]!.GetValue<string>() == key[..8])!["id"]!.GetValue<string>();
        Assert.True((await _server.Admin.DeleteAsync($"/api/v1/keys/{keyId}")).IsSuccessStatusCode);
        var after = new HttpRequestMessage(HttpMethod.Get, "/api/v1/metrics/summary");
        after.Headers.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(after)).StatusCode);
    }
    [Fact]
    public async Task Activity_carries_seed_003_event_types_delivery_times_and_inbound_bodies_only()
    {
        var (_, key) = await _server.CreateTeamAsync("seed003-feed");
        using var client = _server.Client(key);
        Assert.True((await client.PutAsync("/api/v1/campaigns/flash", HeraldServer.Json(new { name = "Flash Sale Alert", total_recipients = 2500 }))).IsSuccessStatusCode);
        await using var stream = await Sse.OpenAsync(_server, key);
        await stream.WaitAsync("tick");

        var sent = DateTimeOffset.UtcNow.AddSeconds(-130);
        Dictionary<string, object?> E(string item, string status, DateTimeOffset at, string? campaign = null, string? direction = null, string? text = null) =>
            new Dictionary<string, object?>
            {
                ["item_id"] = item, ["kind"] = "message", ["status"] = status, ["occurred_at"] = Kit.Format(at), ["recipient"] = $"+1415555{item.Length:0000}",
                ["campaign"] = campaign, ["direction"] = direction, ["text"] = text,
            }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);
        await Kit.Ingest(client, new[]
        {
            E("welcome-1", "sent", sent, campaign: "flash", text: "Our sale starts now"),
            E("welcome-1", "delivered", sent.AddSeconds(125), campaign: "flash"),
            E("welcome-2", "sent", sent, campaign: "flash"),
            E("welcome-2", "failed", sent.AddSeconds(3), campaign: "flash"),
            E("reply-1", "delivered", sent.AddSeconds(126), direction: "inbound", text: "Thank you for the update!"),
        });
        var entries = new List<JsonNode>();
        while (entries.Count < 6)
            entries.AddRange((await stream.WaitAsync("activity")).AsArray().Select(a => a!));

        var started = Assert.Single(entries, e => e["event_type"]!.GetValue<string>() == "campaign_started");
        Assert.Equal("Flash Sale Alert", started["campaign_name"]!.GetValue<string>());
        Assert.Equal(2500, started["estimated_recipients"]!.GetValue<long>());
        Assert.Equal("welcome-1", started["item_id"]!.GetValue<string>()); // the first event that named the campaign

        var delivered = Assert.Single(entries, e => e["event_type"]!.GetValue<string>() == "message_delivered");
        Assert.Equal("welcome-1", delivered["item_id"]!.GetValue<string>());
        Assert.Equal(125.0, delivered["delivery_time_seconds"]!.GetValue<double>());
        Assert.Equal(delivered["occurred_at"]!.GetValue<string>(), delivered["timestamp"]!.GetValue<string>());
        Assert.Equal("welcome-2", Assert.Single(entries, e => e["event_type"]!.GetValue<string>() == "message_failed")["item_id"]!.GetValue<string>());
        Assert.Equal(2, entries.Count(e => e["event_type"]!.GetValue<string>() == "message_sent"));

        var inbound = Assert.Single(entries, e => e["event_type"]!.GetValue<string>() == "inbound_message");
        Assert.Equal("Thank you for the update!", inbound["message_body"]!.GetValue<string>());
        Assert.Equal(inbound["recipient"]!.GetValue<string>(), inbound["from_phone"]!.GetValue<string>());
        Assert.Null(inbound["delivery_time_seconds"]);
        // An outbound message's text is never shown, and nothing but a delivery has a delivery time.
        Assert.All(entries.Where(e => e != inbound), e => Assert.False(e.AsObject().ContainsKey("message_body")));
        Assert.All(entries.Where(e => e != delivered), e => Assert.False(e.AsObject().ContainsKey("delivery_time_seconds")));

        // A campaign starts once: more of its traffic is no new start.
        await Kit.Ingest(client, new[] { E("welcome-3", "sent", sent.AddSeconds(10), campaign: "flash") });
        var more = await stream.WaitAsync("activity", a => a.AsArray().Any(x => x!["item_id"]!.GetValue<string>() == "welcome-3"));
        Assert.DoesNotContain(more.AsArray(), x => x!["event_type"]!.GetValue<string>() == "campaign_started");
    }
}
