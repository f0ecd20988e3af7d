using System.Text.Json;
using Herald.Analytics.Insights;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Domain;
using Herald.Storage;
using Herald.Storage.Encryption;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Api.Segments;

/// <summary>A segment as the API shows it: its rule as given (recipients or filter).</summary>
public sealed record SegmentDto(string SegmentId, string Name, JsonElement Rule, IReadOnlyList<string> Campaigns, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// Segments (seed 003's campaign effectiveness by segment): <c>PUT /segments/{id}</c> with <c>{"name", "rule"}</c>, where the
/// rule is <c>{"recipients": [...]}</c> or <c>{"filter": {...}}</c> (see <see cref="SegmentRule"/>). A campaign names its
/// segment with <c>segment_id</c>; a segment a campaign names cannot be deleted (409 naming the campaigns).
/// </summary>
public static class SegmentsEndpoints
{
    public const int MaxNameLength = 200;

    public static IEndpointRouteBuilder MapSegmentsEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1").WithTags("Segments");
        g.MapPut("/segments/{segmentId}", Put).RequireScope(Scopes.EventsWrite)
            .WithSummary("Declare a segment: an explicit recipient list or a filter on contact attributes");
        g.MapGet("/segments", List).RequireScope(Scopes.MetricsRead).WithSummary("The team's segments");
        g.MapGet("/segments/{segmentId}", Get).RequireScope(Scopes.MetricsRead).WithSummary("One segment and the campaigns that name it");
        g.MapDelete("/segments/{segmentId}", Delete).RequireScope(Scopes.EventsWrite).WithSummary("Forget a segment no campaign names");
        return app;
    }

    private static Results<Ok<SuccessEnvelope<SegmentDto>>, BadRequest<ErrorEnvelope>> Put(
        string segmentId, JsonElement body, [AsParameters] OneTeamParameters parameters, HttpContext http, ICampaignStore store, TimeProvider time,
        RecipientPrivacy privacy)
    {
        int teamId = parameters.TeamId(http);
        IdentifierParameter.Require("segment_id", segmentId, Identifier.MaxDimensionLength);
        if (body.ValueKind != JsonValueKind.Object) return ApiResults.BadRequest("body", "must be a JSON object with name and rule");
        foreach (var p in body.EnumerateObject())
            if (p.Name is not ("name" or "rule")) return ApiResults.BadRequest(p.Name, "is not a segment field (name, rule)");
        string name = segmentId;
        if (body.TryGetProperty("name", out var n) && n.ValueKind != JsonValueKind.Null)
        {
            if (n.ValueKind != JsonValueKind.String) return ApiResults.BadRequest("name", "must be a string");
            if (SegmentRule.Text(n, "name").Trim() is { Length: > 0 } given) name = given;
        }
        if (name.Length > MaxNameLength) return ApiResults.BadRequest("name", $"at most {MaxNameLength} characters");
        if (!body.TryGetProperty("rule", out var rule)) return ApiResults.BadRequest("rule", "is required: {\"recipients\": [...]} or {\"filter\": {...}}");
        var parsed = SegmentRule.Parse(rule);
        // With hashed recipients a listed number is kept (and shown) in its stored form, as the items it selects hold it.
        string ruleJson = privacy.IsHashed && parsed.Recipients is { } listed
            ? JsonSerializer.Serialize(new { recipients = listed.Select(privacy.Stored) })
            : rule.GetRawText();
        var saved = store.UpsertSegment(teamId, segmentId, name, ruleJson, time.GetUtcNow().ToUnixTimeMilliseconds());
        return ApiResults.Ok(Dto(saved, store.CampaignsOfSegment(teamId, segmentId)));
    }

    private static Ok<SuccessEnvelope<IReadOnlyList<SegmentDto>>> List([AsParameters] OneTeamParameters parameters, HttpContext http, ICampaignStore store)
    {
        int teamId = parameters.TeamId(http);
        return ApiResults.Ok<IReadOnlyList<SegmentDto>>(store.ListSegments(teamId).Select(s => Dto(s, store.CampaignsOfSegment(teamId, s.SegmentId))).ToList());
    }

    private static Results<Ok<SuccessEnvelope<SegmentDto>>, NotFound<ErrorEnvelope>> Get(
        string segmentId, [AsParameters] OneTeamParameters parameters, HttpContext http, ICampaignStore store)
    {
        int teamId = parameters.TeamId(http);
        return store.FindSegment(teamId, segmentId) is { } s
            ? ApiResults.Ok(Dto(s, store.CampaignsOfSegment(teamId, segmentId)))
            : ApiResults.NotFound($"no segment '{segmentId}'");
    }

    private static Results<Ok<SuccessEnvelope<object>>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>> Delete(
        string segmentId, [AsParameters] OneTeamParameters parameters, HttpContext http, ICampaignStore store)
    {
        int teamId = parameters.TeamId(http);
        var naming = store.CampaignsOfSegment(teamId, segmentId);
        if (naming.Count > 0)
            return ApiResults.Conflicting("segment_id", $"campaigns name this segment: {string.Join(", ", naming)}; declare them without it first");
        if (!store.DeleteSegment(teamId, segmentId)) return ApiResults.NotFound($"no segment '{segmentId}'");
        return ApiResults.Ok<object>(new { segment_id = segmentId, deleted = true });
    }

    private static SegmentDto Dto(SegmentRecord s, IReadOnlyList<string> campaigns)
    {
        using var rule = JsonDocument.Parse(s.RuleJson);
        return new SegmentDto(s.SegmentId, s.Name, rule.RootElement.Clone(), campaigns, Instants.At(s.CreatedAtMs), Instants.At(s.UpdatedAtMs));
    }
}
