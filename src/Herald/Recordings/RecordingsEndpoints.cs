using System.ComponentModel;
using System.Text.Json;
using Herald.Api;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Audit;
using Herald.Deliveries;
using Herald.Domain;
using Herald.Hosting;
using Herald.Storage;
using Herald.Tenancy;
using Herald.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Recordings;

/// <summary>A call recording with the seed's fields; audio_url is where Herald serves the stored audio.</summary>
public sealed record RecordingDto(
    string Id, string CallLogId, string DeliveryId, string RecordingSid, string RecordingUrl, string? AudioUrl, int Duration, long? FileSize,
    string? Format, TranscriptionDto? Transcription, JsonElement? AiAnalysis, string ProcessingStatus, int ProcessingAttempts,
    DateTimeOffset? LastProcessedAt, string? ErrorMessage, int AccessCount, DateTimeOffset? LastAccessedAt, DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The answer for a stored recording.</summary>
    public static RecordingDto Of(RecordingRecord r) => new(
        r.PublicId, r.CallPublicId, r.DeliveryPublicId, r.RecordingSid, r.SourceUrl, r.AudioKey is null ? null : $"/api/v1/recordings/{r.PublicId}/audio",
        r.Duration, r.FileSize, r.Format, r.TranscriptionJson is null ? null : JsonSerializer.Deserialize<TranscriptionDto>(r.TranscriptionJson, RecordingPipeline.Json),
        r.AiAnalysisJson is null ? null : JsonSerializer.Deserialize<JsonElement>(r.AiAnalysisJson), r.ProcessingStatus, r.ProcessingAttempts,
        Instants.At(r.LastProcessedAtMs), r.ErrorMessage, r.AccessCount, Instants.At(r.LastAccessedAtMs), Instants.At(r.CreatedAtMs), Instants.At(r.UpdatedAtMs));
}

/// <summary>A page of recordings, newest first.</summary>
public sealed record RecordingPageDto(IReadOnlyList<RecordingDto> Recordings, string? NextCursor);

/// <summary>The filters of <c>GET /api/v1/recordings</c>.</summary>
public sealed class RecordingListParameters : PageParameters
{
    /// <summary>pending, processing, completed or failed.</summary>
    [FromQuery(Name = "processing_status"), Description("Only recordings in this processing status: pending, processing, completed or failed.")]
    public string? ProcessingStatus { get; init; }

    /// <summary>A delivery's id.</summary>
    [FromQuery(Name = "delivery_id"), Description("Only the recordings of this delivery.")]
    public string? DeliveryId { get; init; }
}

/// <summary>The path of Twilio's recording callback.</summary>
public sealed class RecordingWebhookParameters
{
    /// <summary>The team's webhook token.</summary>
    [FromRoute(Name = "token"), Description("The team's webhook token.")]
    public string Token { get; init; } = "";
}

/// <summary>
/// Recordings of calls: Twilio's RecordingStatusCallback at <c>/webhooks/twilio-recording/{team_token}</c> queues one,
/// <c>/api/v1/recordings</c> reads them, serves their audio and queues them again.
/// </summary>
public static class RecordingsEndpoints
{
    /// <summary>The routes of recordings.</summary>
    public static IEndpointRouteBuilder MapRecordingsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/twilio-recording/{token}", Receive).WithTags("Webhooks")
            .AddEndpointFilterFactory(QueryParameterRules.Factory).AcceptsAnyQuery()
            .WithSummary("Twilio's RecordingStatusCallback (form): a completed recording of a call Herald placed is queued for processing")
            .Produces<ErrorEnvelope>(StatusCodes.Status413PayloadTooLarge).Produces<ErrorEnvelope>(StatusCodes.Status503ServiceUnavailable);
        var g = app.MapGroup("/api/v1/recordings").WithTags("Recordings");
        g.MapGet("", List).RequireScope(Scopes.DeliveriesRead).WithSummary("Recordings newest first, by processing status and delivery");
        g.MapGet("/{id}", Get).RequireScope(Scopes.DeliveriesRead).WithSummary("One recording with its transcription and analysis");
        g.MapGet("/{id}/audio", Audio).RequireScope(Scopes.DeliveriesRead).AuditsReads()
            .WithSummary("The recording's audio (HTTP ranges supported); each request counts in access_count")
            .Produces(StatusCodes.Status200OK, responseType: null, contentType: "audio/wav")
            .Produces(StatusCodes.Status206PartialContent, responseType: null, contentType: "audio/wav")
            .Produces(StatusCodes.Status416RangeNotSatisfiable);
        g.MapPost("/{id}/reprocess", Reprocess).RequireScope(Scopes.DeliveriesWrite)
            .WithSummary("Queue the recording again (attempts start over; downloaded audio is kept)");
        return app;
    }

    private static async Task<Results<ContentHttpResult, NotFound<ErrorEnvelope>, BadRequest<ErrorEnvelope>, JsonHttpResult<ErrorEnvelope>>> Receive(
        [AsParameters] RecordingWebhookParameters parameters, HttpContext http, TeamDirectory teams, WebhookSecrets secrets, RequestBodies bodies,
        HeraldOptions options, RecordingPipeline pipeline)
    {
        var team = teams.ByWebhookToken(parameters.Token);
        if (team is null) return ApiResults.NotFound("no webhook endpoint at this URL: the team token is unknown or was rotated");
        var read = await bodies.ReadAsync(http, team.Id);
        if (read.Error is { } refused) return refused;
        using var body = read.Body!;
        var form = WebhookForm.Parse(body.Bytes);
        // Twilio signs recording callbacks with the account's auth token, as it signs the call's status callbacks.
        if (secrets.SecretFor(team.Id, WebhookProviders.TwilioVoice) is { } secret
            && !WebhookSignatures.VerifyTwilio(secret, http.Request.Headers[WebhookSignatures.TwilioHeader].ToString(), WebhookEndpoints.CalledUrl(http, options), form.Pairs))
            return WebhookEndpoints.BadSignature(WebhookSignatures.TwilioHeader);
        var (_, refusal) = await pipeline.ReceiveAsync(team.Id, form);
        if (refusal is { Refusal: Refusal.NotFound }) return ApiResults.NotFound(refusal.Message!);
        if (refusal is not null) return ApiResults.BadRequest(refusal.Field!, refusal.Message!);
        return TypedResults.Content(WebhookEndpoints.EmptyTwiml, "text/xml");
    }

    private static Results<Ok<SuccessEnvelope<RecordingPageDto>>, BadRequest<ErrorEnvelope>> List(
        [AsParameters] RecordingListParameters p, HttpContext http, ICallStore calls, IDeliveryStore deliveries)
    {
        int team = p.TeamId(http);
        if (p.ProcessingStatus is { } status && !RecordingStatuses.All.Contains(status))
            return ApiResults.BadRequest("processing_status", $"must be one of {string.Join(", ", RecordingStatuses.All)}");
        long? deliveryId = null;
        if (p.DeliveryId is { } d)
        {
            // A delivery the team does not have has no recordings.
            if (deliveries.FindDelivery(team, IdentifierParameter.Require("delivery_id", d)) is not { } delivery)
                return ApiResults.Ok(new RecordingPageDto([], null));
            deliveryId = delivery.Id;
        }
        long? before = p.Cursor is { } cursor ? Cursors.Decode("cursor", cursor).First : null;
        int limit = p.Limit ?? PageParameters.DefaultSize;
        var rows = calls.ListRecordings(new RecordingListQuery(team, p.ProcessingStatus, deliveryId, before, limit + 1));
        string? next = rows.Count > limit ? Cursors.Encode(rows[limit - 1].Id, rows[limit - 1].PublicId) : null;
        return ApiResults.Ok(new RecordingPageDto(rows.Take(limit).Select(RecordingDto.Of).ToList(), next));
    }

    private static Results<Ok<SuccessEnvelope<RecordingDto>>, NotFound<ErrorEnvelope>> Get(
        string id, [AsParameters] OneTeamParameters parameters, HttpContext http, ICallStore calls) =>
        calls.FindRecording(parameters.TeamId(http), Answers.Id(id)) is { } r ? ApiResults.Ok(RecordingDto.Of(r)) : ApiResults.NotFound($"no recording '{id}'");

    private static async Task<Results<FileStreamHttpResult, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>>> Audio(
        string id, [AsParameters] OneTeamParameters parameters, HttpContext http, ICallStore calls, IAudioStore audio, TimeProvider time)
    {
        if (calls.FindRecording(parameters.TeamId(http), Answers.Id(id)) is not { } r) return ApiResults.NotFound($"no recording '{id}'");
        if (r.AudioKey is null)
            return ApiResults.Conflict("audio_not_ready", $"recording {r.PublicId} has not been downloaded yet (processing_status {r.ProcessingStatus})");
        if (await audio.OpenReadAsync(r.AudioKey, http.RequestAborted) is not { } stream) return ApiResults.NotFound($"the audio of recording {r.PublicId} is gone");
        calls.CountRecordingAccess(r.Id, time.GetUtcNow().ToUnixTimeMilliseconds());
        return TypedResults.File(stream, "audio/wav", $"{r.PublicId}.wav", enableRangeProcessing: true);
    }

    private static Results<Ok<SuccessEnvelope<RecordingDto>>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>> Reprocess(
        string id, [AsParameters] OneTeamParameters parameters, HttpContext http, ICallStore calls, RecordingPipeline pipeline, TimeProvider time)
    {
        if (calls.FindRecording(parameters.TeamId(http), Answers.Id(id)) is not { } r) return ApiResults.NotFound($"no recording '{id}'");
        if (!calls.ReprocessRecording(r.Id, time.GetUtcNow().ToUnixTimeMilliseconds()))
            return ApiResults.Conflicting("processing_status", $"recording {r.PublicId} is being processed now; reprocess it once it is done");
        pipeline.Signal();
        return ApiResults.Ok(RecordingDto.Of(calls.FindRecordingById(r.Id)!));
    }
}
