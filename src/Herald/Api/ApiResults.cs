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

    public static JsonHttpResult<ErrorEnvelope> NotFound(string what) =>
        Error(StatusCodes.Status404NotFound, "not_found", what);

    public static JsonHttpResult<ErrorEnvelope> Forbidden(string message) =>
        Error(StatusCodes.Status403Forbidden, "forbidden", message);

    // Typed per status, for handlers that declare each outcome in Results<...> (and so in the OpenAPI document).

    public static Created<SuccessEnvelope<T>> Created<T>(string location, T data) => TypedResults.Created(location, new SuccessEnvelope<T>(data));

    public static BadRequest<ErrorEnvelope> Invalid(string field, string issue) =>
        TypedResults.BadRequest(Envelope("invalid_parameter", $"{field}: {issue}", new ErrorDetail(field, issue)));

    public static NotFound<ErrorEnvelope> Missing(string message) => TypedResults.NotFound(Envelope("not_found", message));

    /// <summary>409: the request is well formed but the record's state (or another record's) refuses it; the field says which.</summary>
    public static Conflict<ErrorEnvelope> Conflicting(string field, string message) =>
        TypedResults.Conflict(Envelope("conflict", message, new ErrorDetail(field, message)));

    private static ErrorEnvelope Envelope(string code, string message, params ErrorDetail[] details) => new(new ErrorBody(code, message, details));
}

/// <summary>Thrown by parameter parsing; turned into a 400 naming the parameter.</summary>
public sealed class BadParameterException(string parameter, string issue) : Exception($"{parameter}: {issue}")
{
    public string Parameter { get; } = parameter;
    public string Issue { get; } = issue;
}
