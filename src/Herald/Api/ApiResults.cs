using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Api;

/// <summary>The envelope of every answer: <c>{"status":"success","data":...}</c> or <c>{"status":"error","error":{...}}</c>.</summary>
public sealed record SuccessEnvelope<T>(T Data)
{
    [System.Text.Json.Serialization.JsonPropertyOrder(-1)]
    public string Status => "success";
}

public sealed record ErrorBody(string Code, string Message, IReadOnlyList<ErrorDetail> Details);

public sealed record ErrorDetail(string Field, string Issue);

public sealed record ErrorEnvelope(ErrorBody Error)
{
    [System.Text.Json.Serialization.JsonPropertyOrder(-1)]
    public string Status => "error";
}

public static class ApiResults
{
    public static Ok<SuccessEnvelope<T>> Ok<T>(T data) => TypedResults.Ok(new SuccessEnvelope<T>(data));

    public static JsonHttpResult<ErrorEnvelope> Error(int status, string code, string message, params ErrorDetail[] details) =>
        TypedResults.Json(new ErrorEnvelope(new ErrorBody(code, message, details)), statusCode: status);

    public static JsonHttpResult<ErrorEnvelope> BadRequest(string field, string issue) =>
        Error(StatusCodes.Status400BadRequest, "invalid_parameter", $"{field}: {issue}", new ErrorDetail(field, issue));

    /// <summary>A body that is not JSON (or not UTF-8): 400 <c>invalid_json</c> saying where.</summary>
    public static JsonHttpResult<ErrorEnvelope> InvalidJson(string issue) =>
        Error(StatusCodes.Status400BadRequest, "invalid_json", $"body: {issue}", new ErrorDetail("body", issue));

    public static JsonHttpResult<ErrorEnvelope> UnsupportedMediaType() =>
        Error(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
            "the body must be JSON with Content-Type: application/json", new ErrorDetail("content-type", "must be application/json"));

    public static JsonHttpResult<ErrorEnvelope> NotFound(string what) =>
        Error(StatusCodes.Status404NotFound, "not_found", what);

    public static JsonHttpResult<ErrorEnvelope> Forbidden(string message) =>
        Error(StatusCodes.Status403Forbidden, "forbidden", message);
}

/// <summary>Thrown by parameter parsing; turned into a 400 naming the parameter.</summary>
public sealed class BadParameterException(string parameter, string issue) : Exception($"{parameter}: {issue}")
{
    public string Parameter { get; } = parameter;
    public string Issue { get; } = issue;
}
