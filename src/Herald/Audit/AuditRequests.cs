using System.Security.Claims;
using System.Text.Json;
using Herald.Api.Auth;
using Herald.Storage;
using Herald.Storage.Encryption;
using Herald.Tenancy;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Herald.Audit;

/// <summary>Who an audit entry names as its actor.</summary>
public static class AuditActors
{
    public const string Cli = "cli";
    public const string Anonymous = "anonymous";
    public const string System = "system";

    public static string Of(ClaimsPrincipal user)
    {
        if (user.FindFirst(HeraldClaims.AgentPublicId)?.Value is { } agent) return "agent:" + agent;
        if (user.FindFirst(HeraldClaims.KeyPublicId)?.Value is { } key) return "key:" + key;
        if (user.FindFirst(HeraldClaims.KeyId)?.Value is { } keyId) return "key:#" + keyId;
        return Anonymous;
    }
}

/// <summary>Marks a route whose reads are audited too (they show personal data or a recording).</summary>
public sealed class AuditReadsMetadata
{
    public static readonly AuditReadsMetadata Instance = new();
}

/// <summary>Names a route's audited resource type and action where the route's path does not say them well.</summary>
public sealed record AuditNameMetadata(string ResourceType, string Action);

public static class AuditEndpointConventions
{
    /// <summary>Audits the route's reads as well as its writes.</summary>
    public static TBuilder AuditsReads<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AuditReadsMetadata.Instance);

    /// <summary>Records the route's calls as <paramref name="action"/> on <paramref name="resourceType"/>.</summary>
    public static TBuilder AuditsAs<TBuilder>(this TBuilder builder, string resourceType, string action) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuditNameMetadata(resourceType, action));
}

/// <summary>
/// Turns an answered request into its audit entry. The resource is the route's literal path after <c>/api/v1</c> up to its
/// first parameter (<c>alerts/rules</c>), the id is that parameter's value, and the action is the literal path after the
/// last parameter (<c>assign</c>) or else the method's verb: create, update or delete (read for audited reads).
/// </summary>
public static class AuditRequests
{
    /// <summary>A write's body is kept in memory up to this size to name the fields it set; past it, in a temporary file.</summary>
    public const int BodyBytesHeldInMemory = 64 * 1024;
    private const int MaxFieldDepth = 3;
    private const int MaxFields = 64;

    public static bool IsWrite(string method) => !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));

    /// <summary>The entry for this request, or null when it reached no route.</summary>
    public static AuditEntry? EntryOf(HttpContext http, int status, long atMs, IReadOnlyList<string>? changes)
    {
        if (http.GetEndpoint() is not RouteEndpoint endpoint) return null;
        var (resourceType, resourceId, action) = NameOf(http, endpoint.RoutePattern, IsWrite(http.Request.Method));
        if (endpoint.Metadata.GetMetadata<AuditNameMetadata>() is { } named) (resourceType, action) = (named.ResourceType, named.Action);
        // A create names what it made only in its answer's Location.
        if (resourceId is null && http.Response.Headers.Location.FirstOrDefault() is { Length: > 0 } location)
            resourceId = location[(location.TrimEnd('/').LastIndexOf('/') + 1)..].TrimEnd('/');
        return new AuditEntry(atMs, TeamOf(http), AuditActors.Of(http.User), RemoteIp(http), action, resourceType, resourceId, status, changes);
    }

    public static string? RemoteIp(HttpContext http)
    {
        var ip = http.Connection.RemoteIpAddress;
        if (ip is null) return null;
        return (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();
    }

    private static (string Type, string? Id, string Action) NameOf(HttpContext http, RoutePattern pattern, bool write)
    {
        var resource = new List<string>();
        var trailing = new List<string>();
        string? id = null;
        bool afterParameter = false;
        foreach (var segment in pattern.PathSegments)
        {
            if (segment.Parts is [RoutePatternLiteralPart literal])
            {
                if (afterParameter) trailing.Add(literal.Content);
                else resource.Add(literal.Content);
                continue;
            }
            if (!afterParameter && segment.Parts.OfType<RoutePatternParameterPart>().FirstOrDefault() is { } parameter)
            {
                id = http.GetRouteValue(parameter.Name)?.ToString();
                // A recipient in a path is a phone number: the trail names it as the store does (hashed recipients: its HMAC).
                if (parameter.Name == "recipient") id = http.RequestServices.GetService<RecipientPrivacy>()?.Stored(id) ?? id;
            }
            afterParameter = true;
            trailing.Clear();
        }
        int skip = resource.Count >= 2 && resource[0] == "api" && resource[1].StartsWith('v') ? 2 : 0;
        string type = string.Join('/', resource.Skip(skip));
        string action = trailing.Count > 0 ? string.Join('/', trailing)
            : !write ? "read"
            : HttpMethods.IsPost(http.Request.Method) ? "create"
            : HttpMethods.IsDelete(http.Request.Method) ? "delete"
            : "update";
        return (type, id, action);
    }

    /// <summary>The team the request acted for: the caller's own, or the one an admin key named with <c>team</c>.</summary>
    private static int? TeamOf(HttpContext http)
    {
        if (http.User.FindFirst(HeraldClaims.TeamId)?.Value is { } own && int.TryParse(own, out int team)) return team;
        string? named = http.GetRouteValue("team")?.ToString() ?? http.Request.Query["team"].FirstOrDefault();
        if (named is null) return null;
        return http.RequestServices.GetService<TeamDirectory>()?.ByPublicIdOrName(named)?.Id;
    }

    /// <summary>
    /// The names of the fields a JSON body set, as dotted paths (<c>twilio.auth_token</c>), never their values; null when the
    /// body is not a JSON object.
    /// </summary>
    public static IReadOnlyList<string>? FieldNames(ReadOnlySpan<byte> json)
    {
        var names = new List<string>();
        var path = new List<string>();
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            string? pending = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pending = reader.GetString();
                        break;
                    case JsonTokenType.StartObject when pending is not null && path.Count + 1 < MaxFieldDepth:
                        path.Add(pending);
                        pending = null;
                        break;
                    case JsonTokenType.EndObject:
                        if (path.Count > 0) path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        Add(names, path, pending);
                        pending = null;
                        reader.Skip();
                        break;
                    default:
                        Add(names, path, pending);
                        pending = null;
                        break;
                }
                if (names.Count >= MaxFields) break;
            }
        }
        catch (JsonException)
        {
            // A body the endpoint refused as JSON changed nothing; a partial list is still the truth about what was named.
        }
        return names;
    }

    private static void Add(List<string> names, List<string> path, string? name)
    {
        if (name is null) return;
        // Names are stored comma-separated and never need to be long.
        name = name.Length > 100 ? name[..100].Replace(',', '_') : name.Replace(',', '_');
        names.Add(path.Count == 0 ? name : string.Join('.', path) + "." + name);
    }
}
