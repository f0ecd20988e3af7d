using System.Text.Json;
using Herald.Ingestion;

namespace Herald.Api;

/// <summary>Turns the API's expected failures into the error envelope with the right status code.</summary>
public sealed class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
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
        catch (BadHttpRequestException e)
        {
            await Write(http, ApiResults.Error(e.StatusCode, "bad_request", e.Message));
        }
        catch (JsonException e)
        {
            await Write(http, ApiResults.Error(StatusCodes.Status400BadRequest, "invalid_json", e.Message));
        }
    }

    private static Task Write(HttpContext http, IResult result) => http.Response.HasStarted ? Task.CompletedTask : result.ExecuteAsync(http);
}
