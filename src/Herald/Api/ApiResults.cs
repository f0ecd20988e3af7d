using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

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

/// <summary>
/// The API's answers as typed results, so the OpenAPI document lists every status a route can answer: the framework's
/// where it has one (<see cref="Ok{TValue}"/>, <see cref="BadRequest{TValue}"/>, <see cref="NotFound{TValue}"/>,
/// <see cref="Conflict{TValue}"/>), else <see cref="ErrorResult{TStatus}"/>.
/// </summary>
public static class ApiResults
{
    public static Ok<SuccessEnvelope<T>> Ok<T>(T data) => TypedResults.Ok(new SuccessEnvelope<T>(data));

    public static ErrorEnvelope Envelope(string code, string message, params ErrorDetail[] details) => new(new ErrorBody(code, message, details));

    /// <summary>An error whose status is chosen at run time (the error middleware's); a route answers a typed one.</summary>
    public static JsonHttpResult<ErrorEnvelope> Error(int status, string code, string message, params ErrorDetail[] details) =>
        TypedResults.Json(Envelope(code, message, details), statusCode: status);

    public static ErrorResult<TStatus> Error<TStatus>(string code, string message, params ErrorDetail[] details) where TStatus : IErrorStatus =>
        new(Envelope(code, message, details));

    public static BadRequest<ErrorEnvelope> BadRequest(string field, string issue) =>
        TypedResults.BadRequest(Envelope("invalid_parameter", $"{field}: {issue}", new ErrorDetail(field, issue)));

    /// <summary>A body that is not JSON (or not UTF-8): 400 <c>invalid_json</c> saying where.</summary>
    public static BadRequest<ErrorEnvelope> InvalidJson(string issue) =>
        TypedResults.BadRequest(Envelope("invalid_json", $"body: {issue}", new ErrorDetail("body", issue)));

    public static ErrorResult<ErrorStatus.UnsupportedMediaType> UnsupportedMediaType() =>
        Error<ErrorStatus.UnsupportedMediaType>("unsupported_media_type", "the body must be JSON with Content-Type: application/json",
            new ErrorDetail("content-type", "must be application/json"));

    public static NotFound<ErrorEnvelope> NotFound(string what) => TypedResults.NotFound(Envelope("not_found", what));

    public static Conflict<ErrorEnvelope> Conflict(string code, string message, params ErrorDetail[] details) =>
        TypedResults.Conflict(Envelope(code, message, details));

    /// <summary>409: the request is well formed but the record's state (or another record's) refuses it; the field says which.</summary>
    public static Conflict<ErrorEnvelope> Conflicting(string field, string message) => Conflict("conflict", message, new ErrorDetail(field, message));

    public static Created<SuccessEnvelope<T>> Created<T>(string location, T data) => TypedResults.Created(location, new SuccessEnvelope<T>(data));

    public static ErrorResult<ErrorStatus.Forbidden> Forbidden(string message) => Error<ErrorStatus.Forbidden>("forbidden", message);
}

/// <summary>A status <see cref="ErrorResult{TStatus}"/> answers with.</summary>
public interface IErrorStatus
{
    static abstract int Code { get; }
}

/// <summary>The error statuses the framework has no typed result with a body for.</summary>
public static class ErrorStatus
{
    public sealed class Unauthorized : IErrorStatus { public static int Code => StatusCodes.Status401Unauthorized; }
    public sealed class Forbidden : IErrorStatus { public static int Code => StatusCodes.Status403Forbidden; }
    public sealed class PayloadTooLarge : IErrorStatus { public static int Code => StatusCodes.Status413PayloadTooLarge; }
    public sealed class UnsupportedMediaType : IErrorStatus { public static int Code => StatusCodes.Status415UnsupportedMediaType; }
    public sealed class TooManyRequests : IErrorStatus { public static int Code => StatusCodes.Status429TooManyRequests; }
    public sealed class InternalServerError : IErrorStatus { public static int Code => StatusCodes.Status500InternalServerError; }
    public sealed class BadGateway : IErrorStatus { public static int Code => StatusCodes.Status502BadGateway; }
    public sealed class ServiceUnavailable : IErrorStatus { public static int Code => StatusCodes.Status503ServiceUnavailable; }
}

/// <summary>The error envelope with the fixed status <typeparamref name="TStatus"/>, declared in the OpenAPI document.</summary>
public sealed class ErrorResult<TStatus>(ErrorEnvelope value) : IResult, IStatusCodeHttpResult, IValueHttpResult<ErrorEnvelope>, IValueHttpResult,
    IEndpointMetadataProvider where TStatus : IErrorStatus
{
    public ErrorEnvelope Value { get; } = value;

    object? IValueHttpResult.Value => Value;

    public int StatusCode => TStatus.Code;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public Task ExecuteAsync(HttpContext httpContext) => TypedResults.Json(Value, statusCode: StatusCode).ExecuteAsync(httpContext);

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(TStatus.Code, typeof(ErrorEnvelope), ["application/json"]));
}

/// <summary>Thrown by parameter parsing; turned into a 400 naming the parameter.</summary>
public sealed class BadParameterException(string parameter, string issue) : Exception($"{parameter}: {issue}")
{
    public string Parameter { get; } = parameter;
    public string Issue { get; } = issue;
}
