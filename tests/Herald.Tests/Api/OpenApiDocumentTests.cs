using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using Herald.Api.Parameters;
using Herald.Domain;
using Herald.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Api;

/// <summary>
/// <c>/openapi/v1.json</c>, read over HTTP, against the app's own endpoints: the query parameters each handler declares
/// (what the query rule filter enforces) are the ones the document lists, with their descriptions, ranges and enums;
/// and every API route refuses a parameter it does not declare.
/// </summary>
public sealed class OpenApiDocumentTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const string Unknown = "zz_not_a_parameter";

    /// <summary>A described route: its method, its path as the document writes it, and its handler.</summary>
    private sealed record Route(string Method, string Path, MethodInfo Handler, Endpoint Endpoint)
    {
        public override string ToString() => $"{Method} {Path}";
    }

    private IReadOnlyList<Route> Routes()
    {
        var routes = new List<Route>();
        foreach (var endpoint in shared.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true }) continue;
            if (endpoint.Metadata.GetMetadata<MethodInfo>() is not { } handler) continue;
            if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods) continue;
            string path = endpoint.RoutePattern.RawText!.TrimEnd('/');
            foreach (var method in methods.HttpMethods) routes.Add(new Route(method, path.Length == 0 ? "/" : path, handler, endpoint));
        }
        return routes;
    }

    private async Task<JsonNode> DocumentAsync()
    {
        var response = await shared.Server.Client(null).GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static JsonNode Operation(JsonNode document, string method, string path) =>
        document["paths"]?[path]?[method.ToLowerInvariant()] ?? throw new Xunit.Sdk.XunitException($"{method} {path} is not in the document");

    private static Dictionary<string, JsonNode> QueryParameters(JsonNode operation) =>
        (operation["parameters"]?.AsArray() ?? []).Where(p => p!["in"]!.GetValue<string>() == "query")
            .ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!);

    /// <summary>The schema of a parameter, through its <c>$ref</c> when it has one.</summary>
    private static JsonNode Schema(JsonNode document, JsonNode parameter)
    {
        var schema = parameter["schema"]!;
        return schema["$ref"]?.GetValue<string>() is { } reference ? document["components"]!["schemas"]![reference.Split('/')[^1]]! : schema;
    }

    /// <summary>Each query parameter a handler declares with the member that declares it (an [AsParameters] property or a parameter).</summary>
    private static IEnumerable<(string Name, ICustomAttributeProvider Member)> DeclaredMembers(MethodInfo handler)
    {
        foreach (var p in handler.GetParameters())
        {
            if (p.GetCustomAttribute<AsParametersAttribute>() is not null)
            {
                foreach (var property in p.ParameterType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                    if (property.GetCustomAttributes(true).OfType<Microsoft.AspNetCore.Http.Metadata.IFromQueryMetadata>().FirstOrDefault() is { } q)
                        yield return (q.Name ?? property.Name, property);
            }
            else if (p.GetCustomAttributes(true).OfType<Microsoft.AspNetCore.Http.Metadata.IFromQueryMetadata>().FirstOrDefault() is { } q)
            {
                yield return (q.Name ?? p.Name!, p);
            }
        }
    }

    [Fact]
    public async Task Every_route_lists_exactly_the_query_parameters_its_handler_declares_each_with_a_description()
    {
        var document = await DocumentAsync();
        var routes = Routes();
        Assert.True(routes.Count > 80, $"only {routes.Count} routes found");
        int withParameters = 0;
        foreach (var route in routes)
        {
            var declared = QueryParameterRules.DeclaredNames(route.Handler).ToHashSet(StringComparer.Ordinal);
            var listed = QueryParameters(Operation(document, route.Method, route.Path));
            Assert.True(declared.SetEquals(listed.Keys),
                $"{route}: the handler declares [{string.Join(", ", declared.Order())}], the document lists [{string.Join(", ", listed.Keys.Order())}]");
            foreach (var (name, parameter) in listed)
                Assert.False(string.IsNullOrWhiteSpace(parameter["description"]?.GetValue<string>()), $"{route}: query parameter {name} has no description");
            if (declared.Count > 0) withParameters++;
        }
        Assert.True(withParameters > 60, $"only {withParameters} routes take query parameters");
    }

    [Fact]
    public async Task Ranges_and_allowed_values_appear_as_minimum_maximum_and_enum()
    {
        var document = await DocumentAsync();
        int ranges = 0, enums = 0;
        foreach (var route in Routes())
        {
            var listed = QueryParameters(Operation(document, route.Method, route.Path));
            foreach (var (name, member) in DeclaredMembers(route.Handler))
            {
                var schema = Schema(document, listed[name]);
                foreach (var range in member.GetCustomAttributes(typeof(RangeAttribute), true).Cast<RangeAttribute>())
                {
                    Assert.True((range.OperandType == typeof(int) ? "integer" : "number") == TypeName(schema["type"]), $"{route}: {name} is typed {schema.ToJsonString()}");
                    Assert.Equal(Convert.ToDecimal(range.Minimum, CultureInfo.InvariantCulture),
                        schema[range.MinimumIsExclusive ? "exclusiveMinimum" : "minimum"]?.GetValue<decimal>());
                    Assert.Equal(Convert.ToDecimal(range.Maximum, CultureInfo.InvariantCulture), schema["maximum"]?.GetValue<decimal>());
                    ranges++;
                }
                foreach (var allowed in member.GetCustomAttributes(typeof(AllowedValuesAttribute), true).Cast<AllowedValuesAttribute>())
                {
                    var listedValues = schema["enum"]?.AsArray().Select(v => v!.GetValue<string>()).ToArray();
                    Assert.True(listedValues is not null, $"{route}: {name} lists no enum");
                    Assert.Equal(allowed.Values.Select(v => (string)v!), listedValues);
                    enums++;
                }
            }
        }
        Assert.True(ranges >= 20, $"only {ranges} ranges checked");
        Assert.True(enums >= 10, $"only {enums} enums checked");

        // Two by name, as a reader of the document sees them.
        var timeRange = Schema(document, QueryParameters(Operation(document, "GET", "/api/delivery-metrics"))["timeRange"]);
        Assert.Equal(1, timeRange["minimum"]!.GetValue<int>());
        Assert.Equal(168, timeRange["maximum"]!.GetValue<int>());
        var format = Schema(document, QueryParameters(Operation(document, "POST", "/api/v1/analytics/reports/messages"))["format"]);
        Assert.Equal(["csv", "json", "excel", "xlsx", "pdf"], format["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task The_metrics_summary_lists_its_window_team_and_every_dimension_filter_with_descriptions()
    {
        var document = await DocumentAsync();
        var listed = QueryParameters(Operation(document, "GET", "/api/v1/metrics/summary"));
        string[] expected = ["from", "to", .. Dimensions.All.Select(Dimensions.Name)];
        Assert.Equal(expected.Order(), listed.Keys.Order());
        foreach (var name in expected)
            Assert.True(listed[name]["description"]!.GetValue<string>().Length > 10, $"{name}: {listed[name]["description"]}");
        foreach (var window in (string[])["from", "to"])
        {
            var schema = Schema(document, listed[window]);
            Assert.Equal("string", schema["type"]!.GetValue<string>());
            Assert.Equal("date-time", schema["format"]!.GetValue<string>());
        }
        Assert.Contains("comma-separated", listed["provider"]["description"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("GET", "/api/v1/metrics/summary", new[] { 200, 400, 401, 403, 429 })]
    [InlineData("GET", "/api/v1/items/{itemId}", new[] { 200, 400, 401, 403, 404, 429 })]
    [InlineData("GET", "/api/v1/items", new[] { 200, 400, 401, 403, 429 })]
    [InlineData("GET", "/api/v1/exports/items", new[] { 200, 400, 401, 403, 429 })]
    [InlineData("POST", "/api/v1/alerts/{alertId}/acknowledge", new[] { 200, 400, 401, 403, 404, 409, 415, 429 })]
    [InlineData("POST", "/api/v1/alerts/rules", new[] { 201, 400, 401, 403, 409, 429 })]
    [InlineData("POST", "/api/v1/otp", new[] { 201, 400, 401, 403, 429, 502, 503 })]
    [InlineData("POST", "/api/v1/events", new[] { 202, 400, 401, 403, 413, 429, 503 })]
    [InlineData("POST", "/api/v1/analytics/reports/messages", new[] { 200, 202, 400, 401, 403, 404, 429, 500 })]
    [InlineData("GET", "/api/v1/analytics/reports/{reportId}/download", new[] { 200, 400, 401, 403, 404, 409, 429 })]
    [InlineData("DELETE", "/api/v1/keys/{id}", new[] { 200, 400, 401, 403, 404, 429 })]
    [InlineData("POST", "/api/v1/deliveries/{id}/assign", new[] { 200, 400, 401, 403, 404, 409, 429 })]
    [InlineData("POST", "/api/v1/agents/login", new[] { 200, 400, 401, 403, 429 })]
    [InlineData("POST", "/webhooks/{provider}/{token}", new[] { 200, 400, 401, 404, 413, 429, 503 })]
    [InlineData("GET", "/webhooks/whatsapp/{token}", new[] { 200, 403, 404 })]
    public async Task Every_status_a_route_answers_is_in_the_document_errors_with_the_envelope(string method, string path, int[] statuses)
    {
        var document = await DocumentAsync();
        var responses = Operation(document, method, path)["responses"]!.AsObject();
        Assert.Equal(statuses.Select(s => s.ToString(CultureInfo.InvariantCulture)).Order(), responses.Select(r => r.Key).Order());
        foreach (var (status, response) in responses)
        {
            if (status[0] is '2') continue;
            string? reference = response!["content"]?["application/json"]?["schema"]?["$ref"]?.GetValue<string>();
            Assert.True(reference == "#/components/schemas/ErrorEnvelope", $"{method} {path} {status}: {response.ToJsonString()}");
        }
    }

    [Fact]
    public async Task Timestamps_in_answers_are_date_time_strings()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!;
        var item = schemas["ItemDto"]!["properties"]!;
        Assert.Equal("date-time", item["earliest_at"]!["format"]!.GetValue<string>());
        Assert.Equal("date-time", item["first_sent_at"]!["format"]!.GetValue<string>());
        Assert.Equal("date-time", schemas["OtpDto"]!["properties"]!["expires_at"]!["format"]!.GetValue<string>());
        // UtcMinute fields (windows, buckets) refer to one shared schema.
        Assert.Equal("#/components/schemas/UtcMinute", schemas["SummaryDto"]!["properties"]!["from"]!["$ref"]!.GetValue<string>());
        Assert.Equal("string", schemas["UtcMinute"]!["type"]!.GetValue<string>());
        Assert.Equal("date-time", schemas["UtcMinute"]!["format"]!.GetValue<string>());
    }

    /// <summary>Every API route, with the admin key: an undeclared parameter is refused before the handler runs.</summary>
    [Fact]
    public async Task Every_api_route_refuses_a_parameter_it_does_not_declare_naming_it()
    {
        var admin = shared.Server.Admin;
        int checkedRoutes = 0;
        foreach (var route in Routes())
        {
            if (!route.Path.StartsWith("/api/", StringComparison.Ordinal)) continue;
            Assert.Null(route.Endpoint.Metadata.GetMetadata<AcceptsAnyQueryMetadata>());
            string path = System.Text.RegularExpressions.Regex.Replace(route.Path, "\\{[^}]+\\}", "x");
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), $"{path}?{Unknown}=1");
            if (route.Method is "POST" or "PUT" or "PATCH") request.Content = HeraldServer.Json(new { });
            var response = await admin.SendAsync(request);
            var error = await Kit.AssertError(response, HttpStatusCode.BadRequest, field: Unknown, code: "invalid_parameter");
            var declared = QueryParameterRules.DeclaredNames(route.Handler);
            string issue = error["details"]![0]!["issue"]!.GetValue<string>();
            Assert.Equal(declared.Count == 0
                ? "unknown parameter; this endpoint takes no query parameters"
                : $"unknown parameter; allowed: {string.Join(", ", declared.Distinct().Order(StringComparer.Ordinal))}", issue);
            checkedRoutes++;
        }
        Assert.True(checkedRoutes > 80, $"only {checkedRoutes} routes checked");
    }

    /// <summary>A sample of every feature's routes with a team key: a misspelt parameter is a 400, and nothing changes.</summary>
    [Theory]
    [InlineData("GET", "/api/v1/metrics/summary?provder=twilio", "provder")]
    [InlineData("GET", "/api/v1/failures?limt=5", "limt")]
    [InlineData("GET", "/api/v1/recipients/%2B447700900123/history?limits=5", "limits")]
    [InlineData("GET", "/api/delivery-metrics?time_range=5", "time_range")]
    [InlineData("GET", "/api/v1/analytics/trends/messages?from=2026-01-01T00:00:00Z", "from")]
    [InlineData("GET", "/api/v1/analytics/consent?provider=twilio", "provider")]
    [InlineData("GET", "/api/v1/analytics/campaigns/ranking?min_item=3", "min_item")]
    [InlineData("GET", "/api/v1/alerts/history?limits=5", "limits")]
    [InlineData("GET", "/api/v1/analytics/snapshots?kind=daily", "kind")]
    [InlineData("GET", "/api/v1/reports/daily?day=2026-01-01", "day")]
    [InlineData("GET", "/api/v1/analytics/aggregations?metric=items&groupby=route", "groupby")]
    [InlineData("GET", "/api/v1/analytics/stalled?lookback=2", "lookback")]
    [InlineData("GET", "/api/v1/stream?windw=1h", "windw")]
    [InlineData("GET", "/api/v1/analytics/realtime/ws?interval=5", "interval")]
    [InlineData("POST", "/api/v1/events?tem=x", "tem")]
    [InlineData("PUT", "/api/v1/campaigns/spring?dry_run=1", "dry_run")]
    [InlineData("GET", "/api/v1/otp/services?channel=sms", "channel")]
    [InlineData("GET", "/api/v1/dashboard/session?team=x", "team")]
    public async Task A_misspelt_parameter_on_any_feature_is_400_naming_it(string method, string pathAndQuery, string field)
    {
        var (_, client) = await shared.NewTeamAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), pathAndQuery);
        if (method is "POST" or "PUT") request.Content = HeraldServer.Json(new { total_recipients = 3 });
        await Kit.AssertError(await client.SendAsync(request), HttpStatusCode.BadRequest, field: field, code: "invalid_parameter");
        var campaigns = await Kit.GetData(client, "/api/v1/campaigns");
        Assert.Empty(campaigns.AsArray());
    }

    [Fact]
    public async Task A_value_that_does_not_bind_names_the_query_parameter_and_its_range()
    {
        var (_, client) = await shared.NewTeamAsync();
        var error = await Kit.AssertError(await client.GetAsync("/api/delivery-metrics?timeRange=soon"), HttpStatusCode.BadRequest, field: "timeRange");
        Assert.Equal("must be a whole number from 1 to 168", error["details"]![0]!["issue"]!.GetValue<string>());
        error = await Kit.AssertError(await client.GetAsync("/api/v1/analytics/stalled?min_seconds=1e9"), HttpStatusCode.BadRequest, field: "min_seconds");
        Assert.Equal("must be a number from 0 to 86400", error["details"]![0]!["issue"]!.GetValue<string>());
        error = await Kit.AssertError(await client.GetAsync("/api/v1/analytics/aggregations?metric=delivery_time&aggregation=percentile&percentile=high"),
            HttpStatusCode.BadRequest, field: "percentile");
        Assert.Equal("must be a number above 0 and at most 100", error["details"]![0]!["issue"]!.GetValue<string>());
    }

    /// <summary>A schema's type: OpenAPI 3.1 writes a nullable one as a list (["integer", "null"]).</summary>
    private static string? TypeName(System.Text.Json.Nodes.JsonNode? type) => type switch
    {
        System.Text.Json.Nodes.JsonArray list => list.Select(v => v!.GetValue<string>()).FirstOrDefault(v => v != "null"),
        null => null,
        _ => type.GetValue<string>(),
    };
}
