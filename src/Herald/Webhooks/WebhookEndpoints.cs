using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Herald.Api;
using Herald.Api.Auth;
using Herald.Api.Events;
using Herald.Api.Parameters;
using Herald.Calls;
using Herald.Domain;
using Herald.Hosting;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Herald.Engine;
using Herald.Tenancy;

namespace Herald.Webhooks;

public sealed record WebhookResultDto(int Accepted, int Duplicates, IReadOnlyList<RejectedEventDto> Rejected);
/// <param name="Url">The whole URL under <c>Herald:PublicBaseUrl</c>; without it, the path alone (see <paramref name="Note"/>).</param>
public sealed record WebhookConfigDto(
    string Provider, string Url, bool PublicBaseUrlConfigured, bool SecretConfigured, bool VerifyTokenConfigured, DateTimeOffset? UpdatedAt, string? Note);
public sealed record WebhookTokenDto(string Id, string WebhookToken);
public sealed record SetWebhookSecretRequest(string? Secret, string? VerifyToken);

/// <summary>
/// Provider callbacks at <c>/webhooks/{provider}/{team_token}</c>, in each provider's own format, mapped to events and
/// written through the same queue as <c>POST /api/v1/events</c>; and, under <c>/api/v1/teams/{id}</c>, the team's
/// webhook token rotation and per-provider secrets. The path token is the credential of a callback: no API key.
/// </summary>
public static class WebhookEndpoints
{
    public const string PathOnlyNote =
        "Herald:PublicBaseUrl is not set, so url is the path alone: put the address providers reach Herald at in front of it, or set Herald__PublicBaseUrl to list whole URLs";
    // Provider callbacks nest a few levels (Meta's entry → changes → value → statuses → errors → error_data).
    private const int MaxJsonDepth = 64;
    public const string EmptyTwiml = """<?xml version="1.0" encoding="UTF-8"?><Response></Response>""";

    public static IServiceCollection AddHeraldWebhooks(this IServiceCollection services) =>
        services.AddSingleton<WebhookSecrets>().AddSingleton<WebhookStats>();

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/webhooks").WithTags("Webhooks");
        // A provider's callback URL may carry query parameters of the operator's own (they are part of what Twilio signs).
        hooks.AddEndpointFilterFactory(QueryParameterRules.Factory).AcceptsAnyQuery();
        hooks.MapPost("/{provider}/{token}", Receive).AcceptsLargeBodies()
            .WithSummary("A provider's callback (twilio, twilio-voice, whatsapp, smpp, email) in its own format; the path token names the team")
            .Produces<ErrorEnvelope>(StatusCodes.Status401Unauthorized).Produces<ErrorEnvelope>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ErrorEnvelope>(StatusCodes.Status429TooManyRequests);
        hooks.MapGet("/whatsapp/{token}", VerifyWhatsApp)
            .WithSummary("Meta's webhook verification handshake: answers hub.challenge when hub.verify_token matches")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");

        var teams = app.MapGroup("/api/v1/teams/{id}").RequireScope(Scopes.EventsWrite).WithTags("Webhooks");
        teams.MapPost("/webhook-token/rotate", RotateToken).WithSummary("Give the team a new webhook token; the old one stops working at once");
        teams.MapGet("/webhooks", ListConfigs).WithSummary("Which providers have a secret or verify token configured (never the secrets)");
        teams.MapGet("/webhooks/{provider}", GetConfig).WithSummary("One provider's webhook URL and whether its secret is configured");
        teams.MapPut("/webhooks/{provider}", SetConfig).WithSummary("Set the provider's secret (and WhatsApp's verify token); callbacks must then be signed");
        teams.MapDelete("/webhooks/{provider}", DeleteConfig).WithSummary("Remove the provider's secret: unsigned callbacks are accepted again");
        return app;
    }

    // ---- Callbacks ----

    private static async Task<Results<ContentHttpResult, Ok, Ok<SuccessEnvelope<WebhookResultDto>>, NotFound<ErrorEnvelope>, BadRequest<ErrorEnvelope>,
        JsonHttpResult<ErrorEnvelope>>> Receive(string provider, string token, [AsParameters] WebhookQueryParameters parameters, HttpContext http,
        TeamDirectory teams, WebhookSecrets secrets, IngestQueue queue, WebhookStats stats, RequestBodies bodies, IngestOptions ingest,
        HeraldOptions options, TimeProvider time, ILoggerFactory loggers, CallService calls)
    {
        int index = WebhookProviders.IndexOf(provider);
        if (index < 0) return ApiResults.NotFound($"no webhook provider '{provider}'; one of {string.Join(", ", WebhookProviders.All)}");
        long started = Stopwatch.GetTimestamp();
        bool ok = false;
        try
        {
            var result = await Handle(provider, token, parameters, http, teams, secrets, queue, bodies, ingest, options, time, loggers.CreateLogger("Herald.Webhooks"), calls);
            ok = result.Result is not IStatusCodeHttpResult { StatusCode: >= 400 };
            return result;
        }
        finally
        {
            stats.Record(index, ok, Stopwatch.GetTimestamp() - started);
        }
    }

    private static async Task<Results<ContentHttpResult, Ok, Ok<SuccessEnvelope<WebhookResultDto>>, NotFound<ErrorEnvelope>, BadRequest<ErrorEnvelope>,
        JsonHttpResult<ErrorEnvelope>>> Handle(string provider, string token, WebhookQueryParameters query, HttpContext http, TeamDirectory teams,
        WebhookSecrets secrets, IngestQueue queue, RequestBodies bodies, IngestOptions ingest, HeraldOptions options, TimeProvider time, ILogger logger,
        CallService calls)
    {
        var team = teams.ByWebhookToken(token);
        if (team is null) return ApiResults.NotFound("no webhook endpoint at this URL: the team token is unknown or was rotated");
        var read = await bodies.ReadAsync(http, team.Id);
        if (read.Error is { } refused) return refused;
        using var body = read.Body!;

        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        int maxEvents = ingest.MaxEventsPerRequest;
        var overrides = new WebhookOverrides(WebhookText.Clean(query.Provider), WebhookText.Clean(query.Account), WebhookText.Clean(query.Route),
            WebhookText.Clean(query.Campaign), WebhookText.Clean(query.To));
        string? secret = secrets.SecretFor(team.Id, provider);
        if (secret is null) secrets.NoticeUnsigned(team.Id, team.PublicId, provider);

        WebhookParse parsed;
        switch (provider)
        {
            case WebhookProviders.Twilio:
            case WebhookProviders.TwilioVoice:
            {
                var form = WebhookForm.Parse(body.Bytes);
                if (secret is not null && !WebhookSignatures.VerifyTwilio(secret, Header(http, WebhookSignatures.TwilioHeader), CalledUrl(http, options), form.Pairs))
                    return BadSignature(WebhookSignatures.TwilioHeader);
                parsed = provider == WebhookProviders.Twilio
                    ? TwilioMapper.Map(form, now, overrides)
                    : TwilioVoiceMapper.Map(form, now, overrides, calls.ApplyCallback(team.Id, form, now));
                break;
            }
            case WebhookProviders.WhatsApp:
            {
                if (secret is not null && !WebhookSignatures.VerifyMeta(secret, Header(http, WebhookSignatures.MetaHeader), body.Bytes))
                    return BadSignature(WebhookSignatures.MetaHeader);
                if (!body.TryParseJson(MaxJsonDepth, out var document, out var problem)) return ApiResults.InvalidJson(problem);
                using (document) parsed = WhatsAppMapper.Map(document.RootElement, now, overrides, maxEvents);
                break;
            }
            case WebhookProviders.Smpp:
            {
                if (secret is not null && !WebhookSignatures.VerifyHerald(secret, Header(http, WebhookSignatures.HeraldHeader), body.Bytes))
                    return BadSignature(WebhookSignatures.HeraldHeader);
                var lines = new List<string>();
                if (http.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
                {
                    var form = WebhookForm.Parse(body.Bytes);
                    foreach (var receipt in form.GetAll("receipt")) lines.AddRange(receipt.Split('\n'));
                    overrides = overrides with { To = overrides.To ?? form.Get("to") ?? form.Get("source_addr") };
                }
                else
                {
                    lines.AddRange(Encoding.UTF8.GetString(body.Bytes).Split('\n'));
                }
                parsed = SmppMapper.Map(lines, now, overrides, maxEvents);
                break;
            }
            default:
            {
                if (secret is not null && !WebhookSignatures.VerifyHerald(secret, Header(http, WebhookSignatures.HeraldHeader), body.Bytes))
                    return BadSignature(WebhookSignatures.HeraldHeader);
                if (!body.TryParseJson(MaxJsonDepth, out var document, out var problem)) return ApiResults.InvalidJson(problem);
                using (document) parsed = SendGridMapper.Map(document.RootElement, now, overrides, maxEvents, string.Equals(WebhookText.Clean(query.ItemId), "full", StringComparison.Ordinal));
                break;
            }
        }
        if (parsed.IsTooMany)
            return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, "too_many_events",
                $"a callback may carry at most {maxEvents} events (Herald:Ingest:MaxEventsPerRequest); nothing of it was stored: send it in parts",
                new ErrorDetail("body", $"must carry at most {maxEvents} events"));
        if (parsed.IsError) return ApiResults.BadRequest(parsed.Field!, parsed.Issue!);

        int accepted = 0, duplicates = 0;
        var rejected = new List<RejectedEventDto>();
        foreach (var (index, error) in parsed.Rejected)
        {
            rejected.Add(new RejectedEventDto(index, error));
            logger.LogInformation("webhook {Provider} of team {Team}: entry {Index} rejected: {Error}", provider, team.PublicId, index, error);
        }
        if (parsed.Events.Count > 0)
        {
            var batch = new IngestBatch(team.Id, parsed.Events.ToArray());
            var tally = await queue.SubmitAsync(batch);
            if (tally is null)
            {
                http.Response.Headers.RetryAfter = "1";
                return ApiResults.Error(StatusCodes.Status429TooManyRequests, "queue_full",
                    "the ingest queue is full; nothing of this callback was accepted, retry after 1 s");
            }
            (accepted, duplicates) = (tally.Accepted, tally.Duplicates);
            foreach (var (i, error) in tally.Rejected)
            {
                rejected.Add(new RejectedEventDto(parsed.SourceOf(i), error));
                logger.LogInformation("webhook {Provider} of team {Team}: event of item {Item} rejected: {Error}", provider, team.PublicId, batch.Events[i].ItemId, error);
            }
            rejected.Sort((a, b) => a.Index.CompareTo(b.Index));
        }
        return provider switch
        {
            WebhookProviders.Twilio or WebhookProviders.TwilioVoice => TypedResults.Content(EmptyTwiml, "text/xml"),
            WebhookProviders.WhatsApp => TypedResults.Ok(),
            _ => ApiResults.Ok(new WebhookResultDto(accepted, duplicates, rejected)),
        };
    }

    private static Results<ContentHttpResult, NotFound<ErrorEnvelope>, ErrorResult<ErrorStatus.Forbidden>> VerifyWhatsApp(
        string token, [AsParameters] WhatsAppVerifyParameters query, TeamDirectory teams, WebhookSecrets secrets)
    {
        var team = teams.ByWebhookToken(token);
        if (team is null) return ApiResults.NotFound("no webhook endpoint at this URL: the team token is unknown or was rotated");
        string? mode = query.Mode, presented = query.VerifyToken, challenge = query.Challenge;
        string? expected = secrets.Stored(team.Id, WebhookProviders.WhatsApp)?.VerifyToken;
        if (mode == "subscribe" && expected is not null && presented is not null && !string.IsNullOrEmpty(challenge)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected)))
            return TypedResults.Content(challenge, "text/plain");
        return ApiResults.Forbidden("hub.mode must be subscribe and hub.verify_token must match the verify token configured for whatsapp");
    }

    /// <summary>The 401 of a callback whose signature header is missing or wrong.</summary>
    internal static JsonHttpResult<ErrorEnvelope> BadSignature(string header) =>
        ApiResults.Error(StatusCodes.Status401Unauthorized, "invalid_signature",
            $"the {header} header is missing or does not match the secret configured for this provider; nothing was stored",
            new ErrorDetail(header, "missing or does not match"));

    /// <summary>
    /// The URL the provider called: <c>Herald:PublicBaseUrl</c> (the address in front of a proxy) and the request's path
    /// and query, else the request's own scheme, host, path and query.
    /// </summary>
    public static string CalledUrl(HttpContext http, HeraldOptions options)
    {
        var r = http.Request;
        string pathAndQuery = r.PathBase.ToUriComponent() + r.Path.ToUriComponent() + r.QueryString.ToUriComponent();
        return string.IsNullOrWhiteSpace(options.PublicBaseUrl)
            ? $"{r.Scheme}://{r.Host.ToUriComponent()}{pathAndQuery}"
            : options.PublicBaseUrl.TrimEnd('/') + pathAndQuery;
    }

    private static string? Header(HttpContext http, string name) => http.Request.Headers.TryGetValue(name, out var v) ? v.ToString() : null;


    // ---- Team token and secrets ----

    /// <summary>An admin key reaches every team; a team's key (events:write) only its own, as everywhere in the API.</summary>
    private static TeamRecord Authorize(HttpContext http, TeamRecord team)
    {
        if (http.Caller().TeamId is { } own && own != team.Id) throw new ForbiddenTeamException();
        return team;
    }

    private static Results<Ok<SuccessEnvelope<WebhookTokenDto>>, NotFound<ErrorEnvelope>> RotateToken(string id, HttpContext http, TeamDirectory teams)
    {
        if (teams.ByPublicIdOrName(id) is not { } found) return ApiResults.NotFound($"no team '{id}'");
        var team = Authorize(http, found);
        var rotated = teams.RotateWebhookToken(team.Id);
        if (rotated is null) return ApiResults.NotFound($"no team '{id}'");
        return ApiResults.Ok(new WebhookTokenDto(rotated.PublicId, rotated.WebhookToken));
    }

    private static Results<Ok<SuccessEnvelope<IReadOnlyList<WebhookConfigDto>>>, NotFound<ErrorEnvelope>> ListConfigs(
        string id, HttpContext http, TeamDirectory teams, WebhookSecrets secrets, HeraldOptions options)
    {
        if (teams.ByPublicIdOrName(id) is not { } found) return ApiResults.NotFound($"no team '{id}'");
        var team = Authorize(http, found);
        var stored = secrets.List(team.Id);
        var list = new List<WebhookConfigDto>();
        foreach (var provider in WebhookProviders.All)
            list.Add(ToDto(http, options, team, provider, stored.FirstOrDefault(s => s.Provider == provider)));
        return ApiResults.Ok<IReadOnlyList<WebhookConfigDto>>(list);
    }

    private static Results<Ok<SuccessEnvelope<WebhookConfigDto>>, NotFound<ErrorEnvelope>> GetConfig(
        string id, string provider, HttpContext http, TeamDirectory teams, WebhookSecrets secrets, HeraldOptions options)
    {
        if (teams.ByPublicIdOrName(id) is not { } found) return ApiResults.NotFound($"no team '{id}'");
        var team = Authorize(http, found);
        if (WebhookProviders.IndexOf(provider) < 0) return UnknownProvider(provider);
        return ApiResults.Ok(ToDto(http, options, team, provider, secrets.Stored(team.Id, provider)));
    }

    private static Results<Ok<SuccessEnvelope<WebhookConfigDto>>, NotFound<ErrorEnvelope>, BadRequest<ErrorEnvelope>> SetConfig(
        string id, string provider, SetWebhookSecretRequest body, HttpContext http, TeamDirectory teams, WebhookSecrets secrets, HeraldOptions options)
    {
        if (teams.ByPublicIdOrName(id) is not { } found) return ApiResults.NotFound($"no team '{id}'");
        var team = Authorize(http, found);
        if (WebhookProviders.IndexOf(provider) < 0) return UnknownProvider(provider);
        string? secret = body.Secret, verifyToken = body.VerifyToken;
        if (secret is not null && (secret.Length is 0 or > 512 || secret.Trim() != secret))
            return ApiResults.BadRequest("secret", "must be 1 to 512 characters without leading or trailing spaces");
        if (verifyToken is not null && provider != WebhookProviders.WhatsApp)
            return ApiResults.BadRequest("verify_token", "is only for whatsapp (Meta's verification handshake)");
        if (verifyToken is not null && (verifyToken.Length is 0 or > 512 || verifyToken.Trim() != verifyToken))
            return ApiResults.BadRequest("verify_token", "must be 1 to 512 characters without leading or trailing spaces");
        if (secret is null && verifyToken is null)
            return ApiResults.BadRequest("secret", provider == WebhookProviders.WhatsApp ? "give secret, verify_token or both" : "is required");
        var record = secrets.Set(team.Id, provider, secret, verifyToken);
        return ApiResults.Ok(ToDto(http, options, team, provider, record));
    }

    private static Results<Ok<SuccessEnvelope<object>>, NotFound<ErrorEnvelope>> DeleteConfig(string id, string provider, HttpContext http, TeamDirectory teams, WebhookSecrets secrets)
    {
        if (teams.ByPublicIdOrName(id) is not { } found) return ApiResults.NotFound($"no team '{id}'");
        var team = Authorize(http, found);
        if (WebhookProviders.IndexOf(provider) < 0) return UnknownProvider(provider);
        return secrets.Delete(team.Id, provider)
            ? ApiResults.Ok<object>(new { provider, deleted = true })
            : ApiResults.NotFound($"no secret configured for {provider}");
    }

    private static NotFound<ErrorEnvelope> UnknownProvider(string provider) =>
        ApiResults.NotFound($"no webhook provider '{provider}'; one of {string.Join(", ", WebhookProviders.All)}");

    private static WebhookConfigDto ToDto(HttpContext http, HeraldOptions options, TeamRecord team, string provider, WebhookSecretRecord? record)
    {
        // The Host header is whatever the caller sent: only the operator's base URL makes a whole URL worth handing out.
        bool configured = !string.IsNullOrWhiteSpace(options.PublicBaseUrl);
        string root = configured ? options.PublicBaseUrl!.TrimEnd('/') : http.Request.PathBase.ToUriComponent();
        return new WebhookConfigDto(provider, $"{root}/webhooks/{provider}/{team.WebhookToken}", configured, record?.Secret is not null,
            record?.VerifyToken is not null, Instants.At(record?.UpdatedAtMs), configured ? null : PathOnlyNote);
    }
}
