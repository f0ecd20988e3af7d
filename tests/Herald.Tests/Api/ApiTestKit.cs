using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Herald.Tests.Support;

namespace Herald.Tests.Api;

/// <summary>Shared helpers of the API tests: fixed timestamps, ingest and query shortcuts, error assertions.</summary>
internal static class Kit
{
    /// <summary>Yesterday 00:00 UTC: every event time of the tests falls on this day, so none is ever in the future.</summary>
    public static readonly DateTimeOffset Day = new(DateTime.UtcNow.Date.AddDays(-1), TimeSpan.Zero);

    public static string Format(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>RFC 3339 text of <see cref="Day"/> plus the given minutes.</summary>
    public static string At(double minutes) => Format(Day.AddMinutes(minutes));

    /// <summary>The query string of the whole test day: <c>from=..&amp;to=..</c>.</summary>
    public static string DayWindow => $"from={Format(Day)}&to={Format(Day.AddDays(1))}";

    public static object Event(string itemId, string status, string occurredAt, string? eventId = null, string? kind = null,
        string? recipient = null, string? country = null, string? provider = null, string? channel = null, double? cost = null) =>
        new Dictionary<string, object?>
        {
            ["event_id"] = eventId,
            ["item_id"] = itemId,
            ["kind"] = kind,
            ["status"] = status,
            ["occurred_at"] = occurredAt,
            ["recipient"] = recipient,
            ["country"] = country,
            ["provider"] = provider,
            ["channel"] = channel,
            ["cost"] = cost,
        }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);

    /// <summary>Posts events (an object, a list, or raw JSON text) and asserts 202; answers <c>data</c>.</summary>
    public static async Task<JsonNode> Ingest(HttpClient client, object body, string query = "")
    {
        var content = body is string raw ? HeraldServer.Json(raw) : HeraldServer.Json(body);
        var response = await client.PostAsync("/api/v1/events" + query, content);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {text}");
        var root = JsonNode.Parse(text)!;
        Assert.Equal("success", root["status"]!.GetValue<string>());
        return root["data"]!;
    }

    public static async Task<JsonNode> GetData(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: expected 200, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!["data"]!;
    }

    public static Task<JsonNode> Summary(HttpClient client, string filters = "") =>
        GetData(client, $"/api/v1/metrics/summary?{DayWindow}{filters}");

    /// <summary>The item, or null when the API answers 404 (asserted).</summary>
    public static async Task<JsonNode?> Item(HttpClient client, string itemId, string query = "")
    {
        var response = await client.GetAsync($"/api/v1/items/{Uri.EscapeDataString(itemId)}{query}");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            var body = await HeraldServer.ReadBody(response);
            Assert.Equal("error", body["status"]!.GetValue<string>());
            Assert.Equal("not_found", body["error"]!["code"]!.GetValue<string>());
            return null;
        }
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET item {itemId}: expected 200 or 404, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!["data"]!;
    }

    public static long Long(JsonNode node, string name) => node[name]!.GetValue<long>();

    public static int Int(JsonNode node, string name) => node[name]!.GetValue<int>();

    /// <summary>Asserts the error envelope: status code, optional error code and the field named in <c>details[0].field</c>.</summary>
    public static async Task<JsonNode> AssertError(HttpResponseMessage response, HttpStatusCode expected, string? field = null, string? code = null)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.False(string.IsNullOrWhiteSpace(text), $"{(int)response.StatusCode} with an empty body instead of the error envelope");
        var body = JsonNode.Parse(text)!;
        Assert.Equal("error", body["status"]!.GetValue<string>());
        var error = body["error"]!;
        Assert.False(string.IsNullOrEmpty(error["message"]?.GetValue<string>()), $"error without message: {text}");
        if (code is not null) Assert.Equal(code, error["code"]!.GetValue<string>());
        if (field is not null)
        {
            var details = error["details"]!.AsArray();
            Assert.True(details.Count > 0, $"error without details: {text}");
            Assert.Equal(field, details[0]!["field"]!.GetValue<string>());
        }
        return error;
    }
}
