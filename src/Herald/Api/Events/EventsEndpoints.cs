using System.Text.Json;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Microsoft.AspNetCore.Http.HttpResults;
using Herald.Engine;

namespace Herald.Api.Events;

public sealed record RejectedEventDto(int Index, string Error);

public sealed record IngestResultDto(int Accepted, int Duplicates, IReadOnlyList<RejectedEventDto> Rejected);

/// <summary><c>POST /api/v1/events</c>: parse, validate each event alone, queue for the single writer, answer once durable.</summary>
public static class EventsEndpoints
{
    public static IEndpointRouteBuilder MapEventsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/events", Ingest)
            .AcceptsLargeBodies()
            .RequireScope(Scopes.EventsWrite)
            .WithTags("Events")
            .WithSummary("Report events (a JSON array or one object); 202 once what is accepted is durable")
            .Accepts<object>("application/json");
        return app;
    }

    private static async Task<Results<Accepted<SuccessEnvelope<IngestResultDto>>, BadRequest<ErrorEnvelope>, ErrorResult<ErrorStatus.PayloadTooLarge>,
        ErrorResult<ErrorStatus.TooManyRequests>, JsonHttpResult<ErrorEnvelope>>> Ingest([AsParameters] OneTeamParameters parameters, HttpContext http,
        IngestQueue queue, IngestOptions options, RequestBodies bodies, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        var read = await bodies.ReadAsync(http, teamId);
        if (read.Error is { } refused) return refused;
        // Held until the answer: the bytes count against the buffered total while their events wait for the writer.
        using var body = read.Body!;
        if (body.Utf8Problem() is { } notUtf8) return ApiResults.InvalidJson(notUtf8);
        EventParser.Result parsed;
        try
        {
            parsed = EventParser.Parse(body.Bytes, time.GetUtcNow(), options.MaxEventsPerRequest);
        }
        catch (TooManyEventsException e)
        {
            return ApiResults.Error<ErrorStatus.PayloadTooLarge>("too_many_events", e.Message);
        }
        catch (JsonException e)
        {
            return ApiResults.InvalidJson(e.Message);
        }
        if (parsed.Count == 0) return ApiResults.BadRequest("body", "the array holds no events");

        var rejected = new List<RejectedEventDto>(parsed.Rejected.Count);
        foreach (var (i, error) in parsed.Rejected) rejected.Add(new RejectedEventDto(i, error));
        int accepted = 0, duplicates = 0;
        if (parsed.Valid.Count > 0)
        {
            var events = new Domain.IncomingEvent[parsed.Valid.Count];
            for (int i = 0; i < events.Length; i++) events[i] = parsed.Valid[i].Event;
            var tally = await queue.SubmitAsync(new IngestBatch(teamId, events));
            if (tally is null)
            {
                http.Response.Headers.RetryAfter = "1";
                return ApiResults.Error<ErrorStatus.TooManyRequests>("queue_full",
                    "the ingest queue is full; nothing of this request was accepted, retry after 1 s");
            }
            (accepted, duplicates) = (tally.Accepted, tally.Duplicates);
            foreach (var (i, error) in tally.Rejected) rejected.Add(new RejectedEventDto(parsed.Valid[i].Index, error));
            rejected.Sort((a, b) => a.Index.CompareTo(b.Index));
        }
        return TypedResults.Accepted((string?)null, new SuccessEnvelope<IngestResultDto>(new IngestResultDto(accepted, duplicates, rejected)));
    }
}
