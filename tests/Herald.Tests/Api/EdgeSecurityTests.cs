using System.Net;
using System.Text;
using Herald.Tests.Support;

namespace Herald.Tests.Api;

/// <summary>The edge before any handler runs: authentication before bodies, body caps, throttled guessing, dashboard sessions.</summary>
public sealed class EdgeSecurityTests : IAsyncLifetime
{
    private HeraldServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await HeraldServer.StartAsync(new() { ["Herald:Security:FailedAuthAttempts"] = "5", ["Herald:Security:KnownProxies"] = "127.0.0.1" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private HttpClient Bare() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = _server.BaseAddress };

    [Fact]
    public async Task An_anonymous_body_is_refused_before_it_is_parsed()
    {
        using var client = Bare();
        var malformed = await client.PostAsync("/api/v1/keys", new StringContent("{\"name\":", Encoding.UTF8, "application/json"));
        await Kit.AssertError(malformed, HttpStatusCode.Unauthorized, code: "unauthorized");
        // A body of 25 MB announced by an anonymous caller is never waited for: the answer is 401 after the first bytes.
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(_server.BaseAddress.Host, _server.BaseAddress.Port);
        var stream = socket.GetStream();
        string head = $"POST /api/v1/keys HTTP/1.1\r\nHost: {_server.BaseAddress.Authority}\r\nContent-Type: application/json\r\nContent-Length: {25 * 1024 * 1024}\r\n\r\n{{\"name\":";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int read = await stream.ReadAsync(buffer, timeout.Token);
        string answer = Encoding.ASCII.GetString(buffer, 0, read);
        Assert.StartsWith("HTTP/1.1 401", answer);
        Assert.Contains("\"unauthorized\"", answer);
    }

    [Fact]
    public async Task Admin_bodies_are_capped_at_one_megabyte()
    {
        string padding = new('x', 1024 * 1024 + 10);
        var response = await _server.Admin.PostAsync("/api/v1/teams", new StringContent($"{{\"name\":\"{padding}\"}}", Encoding.UTF8, "application/json"));
        await Kit.AssertError(response, HttpStatusCode.RequestEntityTooLarge, code: "payload_too_large");
        var teams = await Kit.GetData(_server.Admin, "/api/v1/teams");
        Assert.DoesNotContain(teams.AsArray(), t => t!["name"]!.GetValue<string>().StartsWith("xxx", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Failed_key_checks_are_throttled_per_address_with_Retry_After()
    {
        // A server of its own: the throttle counts per address, and this test uses its address up.
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Security:FailedAuthAttempts"] = "5" });
        var (_, key) = await server.CreateTeamAsync("throttled", "metrics:read");
        using var guesser = server.Client(null);
        for (int i = 0; i < 5; i++)
        {
            var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/v1/metrics/summary");
            wrong.Headers.Add("X-API-Key", $"hk_wrong_{i}");
            await Kit.AssertError(await guesser.SendAsync(wrong), HttpStatusCode.Unauthorized);
        }
        var sixth = new HttpRequestMessage(HttpMethod.Get, "/api/v1/metrics/summary");
        sixth.Headers.Add("X-API-Key", "hk_wrong_6");
        var throttled = await guesser.SendAsync(sixth);
        await Kit.AssertError(throttled, HttpStatusCode.TooManyRequests, code: "too_many_failed_attempts");
        int retryAfter = int.Parse(throttled.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 60);
        // While throttled, the address gets no answer about any key, a right one included, and the sign-in form is shut too.
        await Kit.AssertError(await server.Client(key).GetAsync("/api/v1/metrics/summary"), HttpStatusCode.TooManyRequests);
        using var bare = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.BaseAddress };
        var signIn = await bare.PostAsync("/monitoring/login", new FormUrlEncodedContent([new("api_key", key)]));
        Assert.Equal(HttpStatusCode.TooManyRequests, signIn.StatusCode);
        Assert.True(signIn.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task Wrong_sign_ins_count_against_the_address_too()
    {
        await using var server = await HeraldServer.StartAsync(new() { ["Herald:Security:FailedAuthAttempts"] = "3" });
        using var bare = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.BaseAddress };
        for (int i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await bare.PostAsync("/monitoring/login", new FormUrlEncodedContent([new("api_key", $"hk_nope_{i}")]))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await bare.PostAsync("/monitoring/login", new FormUrlEncodedContent([new("api_key", "hk_nope_x")]))).StatusCode);
        await Kit.AssertError(await server.Admin.GetAsync("/api/v1/teams"), HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Signing_out_ends_the_session_on_the_server_so_a_copied_cookie_stops_working()
    {
        var (_, key) = await _server.CreateTeamAsync("signout", "metrics:read");
        using var client = Bare();
        string cookie = await SignInAsync(client, key, https: false);
        Assert.Equal(HttpStatusCode.OK, (await Get(client, "/api/v1/metrics/summary", cookie)).StatusCode);

        var signOut = new HttpRequestMessage(HttpMethod.Post, "/monitoring/logout");
        signOut.Headers.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.SeeOther, (await client.SendAsync(signOut)).StatusCode);

        // The copy kept from before the sign-out no longer opens anything.
        await Kit.AssertError(await Get(client, "/api/v1/metrics/summary", cookie), HttpStatusCode.Unauthorized);
        var page = await Get(client, "/monitoring", cookie);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.EndsWith("/monitoring/login", page.Headers.Location!.ToString());
    }

    [Fact]
    public async Task The_session_cookie_is_Secure_behind_a_known_TLS_proxy_and_not_on_plain_http()
    {
        var (_, key) = await _server.CreateTeamAsync("secure-cookie", "metrics:read");
        using var client = Bare();
        var plain = await SignInResponse(client, key, https: false);
        Assert.DoesNotContain("secure", SessionCookieHeader(plain), StringComparison.OrdinalIgnoreCase);
        var viaProxy = await SignInResponse(client, key, https: true);
        string header = SessionCookieHeader(viaProxy);
        Assert.Contains("secure", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", header, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Forwarded_proto_from_an_unknown_proxy_is_not_believed()
    {
        await using var server = await HeraldServer.StartAsync();
        var (_, key) = await server.CreateTeamAsync("spoofed-proto", "metrics:read");
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.BaseAddress };
        var request = new HttpRequestMessage(HttpMethod.Post, "/monitoring/login") { Content = new FormUrlEncodedContent([new("api_key", key)]) };
        request.Headers.Add("X-Forwarded-Proto", "https");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.DoesNotContain("secure", SessionCookieHeader(response), StringComparison.OrdinalIgnoreCase);
    }

    private static string SessionCookieHeader(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("herald_session=", StringComparison.Ordinal));

    private static async Task<HttpResponseMessage> SignInResponse(HttpClient client, string key, bool https)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/monitoring/login") { Content = new FormUrlEncodedContent([new("api_key", key)]) };
        if (https) request.Headers.Add("X-Forwarded-Proto", "https");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        return response;
    }

    private static async Task<string> SignInAsync(HttpClient client, string key, bool https) =>
        SessionCookieHeader(await SignInResponse(client, key, https)).Split(';')[0];

    private static Task<HttpResponseMessage> Get(HttpClient client, string path, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return client.SendAsync(request);
    }
}
