using System.Text.Json;
using Herald.Engine;

namespace Herald.Api;

/// <summary>Turns the API's expected failures into the error envelope with the right status code.</summary>
public sealed class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
            // Minimal APIs answer a body of the wrong content type with a bare 415.
            if (http.Response.StatusCode == StatusCodes.Status415UnsupportedMediaType && !http.Response.HasStarted)
                await Write(http, ApiResults.UnsupportedMediaType());
            // The server refused a body over its size limit while the framework read it (and answered nothing yet).
            else if (http.Response.StatusCode == StatusCodes.Status413PayloadTooLarge && !http.Response.HasStarted)
                await Write(http, ApiResults.Error(StatusCodes.Status413PayloadTooLarge, "payload_too_large",
                    "the body is larger than this route takes; nothing was stored", new ErrorDetail("body", "too large")));
            // An API path no endpoint serves: still the envelope, not an empty 404.
            else if (http.Response.StatusCode == StatusCodes.Status404NotFound && !http.Response.HasStarted && http.GetEndpoint() is null
                     && http.Request.Path.StartsWithSegments("/api"))
                await Write(http, ApiResults.Error(StatusCodes.Status404NotFound, "not_found", $"no endpoint {http.Request.Method} {http.Request.Path}; see /docs"));
        }
        catch (BadParameterException e)
        {
            await Write(http, ApiResults.BadRequest(e.Parameter, e.Issue));
        }
        catch (ForbiddenTeamException e)
        {
            await Write(http, ApiResults.Forbidden(e.Message));
        }
        catch (IngestUnavailableException e)
        {
            logger.LogError(e.InnerException, "ingest failed");
            http.Response.Headers.RetryAfter = "5";
            await Write(http, ApiResults.Error(StatusCodes.Status503ServiceUnavailable, "store_unavailable", "the events could not be stored; nothing was accepted, retry"));
        }
        catch (Herald.Storage.Postgres.NotAvailableOnPostgresException e) when (!http.Response.HasStarted)
        {
            await Write(http, ApiResults.Error(StatusCodes.Status501NotImplemented, "not_available_on_postgres", e.Message,
                new ErrorDetail("feature", $"{e.Feature}: not ported to PostgreSQL yet")));
        }
        catch (Herald.Deliveries.DeliveryUnavailableException e)
        {
            logger.LogError(e.InnerException, "delivery change failed");
            http.Response.Headers.RetryAfter = "5";
            await Write(http, ApiResults.Error(StatusCodes.Status503ServiceUnavailable, "store_unavailable", e.Message));
        }
        catch (BadHttpRequestException e) when (BindingFailure.Match(e.Message) is { Success: true } m)
        {
            // A query or route value that does not parse as its declared type: name the parameter and say what it takes.
            string member = m.Groups["name"].Value;
            var query = http.GetEndpoint()?.Metadata.GetMetadata<System.Reflection.MethodInfo>() is { } handler
                ? Parameters.QueryParameterRules.BindingFailure(handler, member)
                : null;
            string field = query?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(member);
            string issue = query?.Issue ?? Expected(m.Groups["type"].Value, m.Groups["value"].Value);
            await Write(http, ApiResults.BadRequest(field, issue));
        }
        catch (BadHttpRequestException e)
        {
            // A JSON body with a value of the wrong type names its property ("$.threshold" → threshold).
            string field = e.InnerException is JsonException { Path: { Length: > 2 } path } && path.StartsWith("$.", StringComparison.Ordinal)
                ? path[2..]
                : FieldOf(e.Message);
            string code = e.StatusCode switch
            {
                StatusCodes.Status408RequestTimeout => "request_timeout",
                StatusCodes.Status413PayloadTooLarge => "payload_too_large",
                StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
                _ => "invalid_parameter",
            };
            await Write(http, ApiResults.Error(e.StatusCode, code, e.Message, new ErrorDetail(field, e.InnerException?.Message ?? e.Message)));
        }
        catch (JsonException e)
        {
            await Write(http, ApiResults.Error(StatusCodes.Status400BadRequest, "invalid_json", e.Message));
        }
        catch (InvalidDataException e)
        {
            // A form body over the framework's form limits (a key or value too long, too many fields).
            await Write(http, ApiResults.BadRequest("body", e.Message));
        }
    }

    /// <summary>The parameter a binding failure names ('Failed to bind parameter "int? limit" from "abc"' names limit).</summary>
    private static readonly System.Text.RegularExpressions.Regex BindingFailure =
        new("^Failed to bind parameter \"(?<type>[^\"]+) (?<name>\\w+)\" from \"(?<value>.*)\"\\.$", System.Text.RegularExpressions.RegexOptions.Singleline);

    /// <summary>What a parameter of this declared type takes, for the 400 that names it.</summary>
    private static string Expected(string type, string value)
    {
        string bare = type.StartsWith("Nullable<", StringComparison.Ordinal) ? type[9..^1] : type;
        return bare switch
        {
            "Timestamp" => "must be an RFC 3339 timestamp with a time zone, like 2026-11-22T10:00:00Z",
            "Int32" or "Int64" or "int" or "long" => "must be a whole number",
            "Double" or "Decimal" or "double" or "decimal" => "must be a number",
            "Boolean" or "bool" => "must be true or false",
            _ => $"'{value}' is not a valid value",
        };
    }

    private static string FieldOf(string message)
    {
        var m = System.Text.RegularExpressions.Regex.Match(message, "parameter \"[^\"]*?(\\w+)\"");
        if (!m.Success) return "body";
        string name = m.Groups[1].Value;
        return name is "body" ? "body" : System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
    }

    private static Task Write(HttpContext http, IResult result) => http.Response.HasStarted ? Task.CompletedTask : result.ExecuteAsync(http);
}
