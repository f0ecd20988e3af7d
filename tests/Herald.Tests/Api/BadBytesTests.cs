using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Herald.Tests.Support;
using Herald.Webhooks;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Api;

/// <summary>
/// Bad bytes sent to every POST, PUT and PATCH route the app maps (read from its endpoint data source, so a route added
/// later is covered without touching this test): invalid UTF-8, escaped lone surrogates, truncated JSON, numbers beyond a
/// double, deep nesting, raw control bytes. No answer is a 500, every error is the JSON envelope, and nothing is stored.
/// </summary>
public sealed class BadBytesTests
{
    private static readonly (string Name, byte[] Bytes)[] Bodies =
    [
        ("invalid UTF-8", [.. "{\"name\":\"a"u8, 0xFF, 0xFE, .. "\",\"item_id\":\"b\"}"u8]),
        ("cut UTF-8 sequence", [.. "{\"name\":\"a"u8, 0xE2, 0x82]),
        ("encoded surrogate", [.. "{\"name\":\""u8, 0xED, 0xA0, 0x80, .. "\"}"u8]),
        ("escaped lone surrogates", Encoding.UTF8.GetBytes(
            $$$"""{"name":"\ud800","item_id":"\ud800x","status":"sent","occurred_at":"{{{Kit.Format(DateTimeOffset.UtcNow)}}}","secret":"\udfff","\ud83d":1,"entry":[{"changes":[{"value":{"statuses":[{"id":"\ud800","status":"sent"}]}}]}]}""")),
        ("truncated JSON", "{\"name\":\"x\",\"item_id\":"u8.ToArray()),
        ("numbers beyond a double", "{\"threshold\":1e400,\"tps_limit\":1e400,\"credit_balance\":-1e400,\"priority\":1e400,\"duration\":99999999999999999999999,\"cost\":1e400,\"enabled\":true}"u8.ToArray()),
        ("deep nesting", Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":[", 5000)) + "1" + string.Concat(Enumerable.Repeat("]}", 5000)))),
        ("raw control bytes", "{\"name\":\"a\u0001\u0000b\"}"u8.ToArray()),
    ];

    private static readonly string[] ContentTypes = ["application/json", "text/plain", "application/x-www-form-urlencoded"];

    [Fact]
    public async Task Every_write_route_answers_bad_bytes_without_a_500_in_the_envelope_and_stores_nothing()
    {
        await using var server = await HeraldServer.StartAsync();
        var team = await HeraldServer.ReadData(await server.Admin.PostAsJsonAsync("/api/v1/teams", new { name = "bad-bytes" }));
        string teamId = team["id"]!.GetValue<string>(), token = team["webhook_token"]!.GetValue<string>();
        string key = await server.CreateKeyAsync(teamId, ["events:write", "metrics:read", "reports:write", "otp:send", "alerts:write"]);
        var callers = new[] { (Client: server.Client(key), Query: ""), (Client: server.Admin, Query: $"?team={teamId}") };

        var routes = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? [])
                .Where(m => m is "POST" or "PUT" or "PATCH")
                .Select(m => (Method: m, Pattern: e.RoutePattern)))
            // Rotating the webhook token last keeps the token of the callback routes valid.
            .OrderBy(r => r.Pattern.RawText!.Contains("rotate", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(routes, r => r.Pattern.RawText == "/api/v1/events");
        Assert.Contains(routes, r => r.Pattern.RawText == "/webhooks/{provider}/{token}");
        Assert.True(routes.Count >= 20, $"only {routes.Count} write routes found");

        var failures = new List<string>();
        int requests = 0;
        foreach (var (method, pattern) in routes)
        {
            foreach (string path in Paths(pattern, teamId, token))
            {
                foreach (var (name, bytes) in Bodies)
                {
                    foreach (string contentType in ContentTypes)
                    {
                        foreach (var (client, query) in callers)
                        {
                            var request = new HttpRequestMessage(new HttpMethod(method), path + query) { Content = new ByteArrayContent(bytes) };
                            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                            // The dashboard's sign-in form checks where the post came from.
                            request.Headers.TryAddWithoutValidation("Origin", server.BaseAddress.GetLeftPart(UriPartial.Authority));
                            var response = await client.SendAsync(request);
                            string text = await response.Content.ReadAsStringAsync();
                            requests++;
                            if (Problem(path, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, text) is { } problem)
                                failures.Add($"{method} {path}{query} [{name}, {contentType}]: {(int)response.StatusCode} {problem}: {Short(text)}");
                        }
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} answers were wrong:\n" + string.Join('\n', failures.Take(40)));

        // Nothing of all that was stored, and the server still serves.
        Assert.Equal(0, Kit.Long(await Kit.GetData(callers[0].Client, "/api/v1/metrics/summary"), "total"));
        Assert.True((await server.Admin.GetAsync("/healthz")).IsSuccessStatusCode);
        callers[0].Client.Dispose();
    }

    /// <summary>What is wrong with an answer, or null.</summary>
    private static string? Problem(string path, int status, string? mediaType, string text)
    {
        if (status >= 500) return "a server error";
        // The dashboard's browser forms answer a page or a redirect (or, for a body no form reader takes, the envelope).
        if (path.StartsWith("/monitoring", StringComparison.Ordinal) && (status is >= 300 and < 400 || mediaType == "text/html")) return null;
        // A callback that was taken answers in its provider's own format (TwiML, or Meta's empty 200).
        if (status < 300 && path.StartsWith("/webhooks/", StringComparison.Ordinal)) return null;
        if (string.IsNullOrWhiteSpace(text)) return "an empty body";
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            string? envelope = root.TryGetProperty("status", out var s) ? s.GetString() : null;
            if (status >= 400)
                return envelope == "error" && root.GetProperty("error").GetProperty("code").GetString() is { Length: > 0 } ? null : "not the error envelope";
            return envelope == "success" ? null : "not the envelope";
        }
        catch (JsonException)
        {
            return "not JSON";
        }
    }

    /// <summary>The concrete paths of a route: the team's id and webhook token where named, every provider for a callback.</summary>
    private static IEnumerable<string> Paths(RoutePattern pattern, string teamId, string token)
    {
        var paths = new List<string> { "" };
        foreach (var segment in pattern.PathSegments)
        {
            var choices = new List<string> { "" };
            foreach (var part in segment.Parts)
            {
                IEnumerable<string> values = part switch
                {
                    RoutePatternLiteralPart literal => [literal.Content],
                    RoutePatternParameterPart { Name: "provider" } when pattern.RawText!.StartsWith("/webhooks/", StringComparison.Ordinal) => WebhookProviders.All,
                    RoutePatternParameterPart { Name: "provider" } => ["twilio"],
                    RoutePatternParameterPart { Name: "token" } => [token],
                    RoutePatternParameterPart { Name: "id" } => [teamId],
                    RoutePatternParameterPart => ["x-1"],
                    RoutePatternSeparatorPart separator => [separator.Content],
                    _ => [""],
                };
                choices = choices.SelectMany(c => values.Select(v => c + v)).ToList();
            }
            paths = paths.SelectMany(p => choices.Select(c => p + "/" + c)).ToList();
        }
        return paths;
    }

    private static string Short(string text) => text.Length > 300 ? text[..300] + "..." : text;
}
