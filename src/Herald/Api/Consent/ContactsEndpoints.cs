using System.Text.Json;
using Herald.Analytics.Consent;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Domain;
using Herald.Storage;
using Herald.Storage.Encryption;
using Microsoft.AspNetCore.Http.HttpResults;
using Herald.Engine;
using Herald.Analytics.Users;

namespace Herald.Api.Consent;

public sealed record ContactDto(
    string Recipient, string? TimeZone, QuietHoursDto? QuietHours, string EffectiveTimeZone, QuietHoursDto? EffectiveQuietHours,
    string ConsentState, DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt, string? City, string? Tier, DateTimeOffset? SignedUpAt);

public sealed record ComplianceSettingsDto(string TimeZone, QuietHoursDto? QuietHours, DateTimeOffset? UpdatedAt);

/// <summary>
/// A contact's time zone and quiet hours, and the team's defaults (seed 003's quiet hours). Body of both PUTs:
/// <c>{"time_zone":"America/New_York","quiet_hours":{"start":"21:00","end":"08:00"}}</c>; an omitted or null field takes the
/// team's (for the team: UTC, no quiet hours). A contact's PUT also takes its attributes <c>city</c>, <c>tier</c> and
/// <c>signed_up_at</c>: one named is set (null clears it), one left out keeps its value. A bad field is a 400 naming it, and
/// nothing is stored. Consent given outside SMS keywords is recorded with <c>POST /contacts/{recipient}/consent</c>.
/// </summary>
public static class ContactsEndpoints
{
    public static IEndpointRouteBuilder MapContactsEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1").WithTags("Consent and inbound");
        g.MapPut("/contacts/{recipient}", Put).RequireScope(Scopes.EventsWrite).WithSummary("Set a contact's time zone (IANA) and quiet hours");
        g.MapGet("/contacts/{recipient}", Get).RequireScope(Scopes.MetricsRead).WithSummary("A contact's settings, the ones in force, and its consent state");
        g.MapDelete("/contacts/{recipient}", Delete).RequireScope(Scopes.EventsWrite).WithSummary("Forget a contact's own settings (the team's apply)");
        g.MapPost("/contacts/{recipient}/consent", RecordConsent).RequireScope(Scopes.EventsWrite)
            .WithSummary("Record consent given or withdrawn outside SMS keywords (opt-in at signup, opt-out from a form)");
        g.MapPut("/compliance/settings", PutTeam).RequireScope(Scopes.EventsWrite).WithSummary("The team's default time zone and quiet hours");
        g.MapGet("/compliance/settings", GetTeam).RequireScope(Scopes.MetricsRead).WithSummary("The team's default time zone and quiet hours");
        return app;
    }

    public const int MaxTierLength = 64;

    private sealed record Settings(string? TimeZone, int? Start, int? End, ContactAttributeChanges Attributes);

    /// <summary>Reads and checks a settings body (a contact's also takes its attributes); throws <see cref="BadParameterException"/> naming the field.</summary>
    private static Settings Parse(JsonElement body, bool contact = false)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new BadParameterException("body", "must be a JSON object");
        string? zone = null;
        int? start = null, end = null;
        var attributes = ContactAttributeChanges.None;
        foreach (var p in body.EnumerateObject())
        {
            switch (p.Name)
            {
                case "city" when contact:
                    attributes = attributes with { SetCity = true, City = OptionalText(p, Domain.Identifier.MaxDimensionLength) };
                    break;
                case "tier" when contact:
                    attributes = attributes with { SetTier = true, Tier = OptionalText(p, MaxTierLength) };
                    break;
                case "signed_up_at" when contact:
                    attributes = attributes with { SetSignedUp = true, SignedUpAtMs = OptionalTime(p) };
                    break;
                case "time_zone":
                    if (p.Value.ValueKind == JsonValueKind.Null) break;
                    if (p.Value.ValueKind != JsonValueKind.String) throw new BadParameterException("time_zone", "must be an IANA time zone id such as Europe/Paris");
                    zone = p.Value.GetString()!;
                    if (TimeZones.Find(zone) is null)
                        throw new BadParameterException("time_zone", $"unknown time zone '{zone}'; use an IANA id such as Europe/Paris or America/New_York");
                    break;
                case "quiet_hours":
                    if (p.Value.ValueKind == JsonValueKind.Null) break;
                    if (p.Value.ValueKind != JsonValueKind.Object) throw new BadParameterException("quiet_hours", "must be an object {\"start\":\"HH:mm\",\"end\":\"HH:mm\"} or null");
                    start = Time(p.Value, "start");
                    end = Time(p.Value, "end");
                    foreach (var q in p.Value.EnumerateObject())
                        if (q.Name is not ("start" or "end")) throw new BadParameterException($"quiet_hours.{q.Name}", "unknown field; quiet_hours takes start and end");
                    if (start == end) throw new BadParameterException("quiet_hours", "start and end must differ");
                    break;
                default:
                    throw new BadParameterException(p.Name, contact
                        ? "unknown field; allowed: time_zone, quiet_hours, city, tier, signed_up_at"
                        : "unknown field; allowed: time_zone, quiet_hours");
            }
        }
        return new Settings(zone, start, end, attributes);
    }

    private static string? OptionalText(JsonProperty p, int maxLength) => p.Value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => IdentifierParameter.Require(p.Name, p.Value.GetString()!.Trim(), maxLength),
        _ => throw new BadParameterException(p.Name, "must be a string or null"),
    };

    private static long? OptionalTime(JsonProperty p)
    {
        if (p.Value.ValueKind == JsonValueKind.Null) return null;
        if (p.Value.ValueKind != JsonValueKind.String || !EventParser.TryParseRfc3339(p.Value.GetString()!, out var at))
            throw new BadParameterException(p.Name, "must be an RFC 3339 timestamp with a time zone, like 2026-11-22T10:15:30Z, or null");
        return at.ToUnixTimeMilliseconds();
    }

    private static int Time(JsonElement quiet, string name) =>
        quiet.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && QuietWindow.ParseTime(v.GetString()) is { } minute
            ? minute
            : throw new BadParameterException($"quiet_hours.{name}", "must be a local time HH:mm from 00:00 to 23:59");

    private static QuietHoursDto? Quiet(int? start, int? end) =>
        QuietWindow.Of(start, end) is { } w ? new QuietHoursDto(QuietWindow.Format(w.StartMinute), QuietWindow.Format(w.EndMinute)) : null;

    private static Ok<SuccessEnvelope<ContactDto>> Put(string recipient, JsonElement body, [AsParameters] OneTeamParameters parameters, HttpContext http,
        IContactSettingsStore store, ConsentAnalysis consent, UserAnalytics users, TimeProvider time, RecipientPrivacy privacy)
    {
        int teamId = parameters.TeamId(http);
        recipient = privacy.Stored(IdentifierParameter.Require("recipient", recipient, Domain.Identifier.MaxDimensionLength));
        var s = Parse(body, contact: true);
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        store.UpsertContact(teamId, recipient, s.TimeZone, s.Start, s.End, now, s.Attributes);
        users.ContactsChanged(teamId);
        return ApiResults.Ok(Dto(teamId, recipient, store, consent, now));
    }

    private static Ok<SuccessEnvelope<ContactDto>> Get(string recipient, [AsParameters] OneTeamParameters parameters, HttpContext http,
        IContactSettingsStore store, ConsentAnalysis consent, TimeProvider time, RecipientPrivacy privacy)
    {
        int teamId = parameters.TeamId(http);
        return ApiResults.Ok(Dto(teamId, privacy.Stored(recipient), store, consent, time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    private static Results<Ok<SuccessEnvelope<object>>, NotFound<ErrorEnvelope>> Delete(
        string recipient, [AsParameters] OneTeamParameters parameters, HttpContext http, IContactSettingsStore store, UserAnalytics users,
        RecipientPrivacy privacy)
    {
        int teamId = parameters.TeamId(http);
        recipient = privacy.Stored(recipient);
        if (!store.DeleteContact(teamId, recipient)) return ApiResults.NotFound($"contact '{recipient}' has no settings of its own");
        users.ContactsChanged(teamId);
        return ApiResults.Ok<object>(new { recipient, deleted = true });
    }

    /// <summary>
    /// <c>{"state":"opt-in","source":"signup_form","occurred_at":"2026-11-22T10:00:00Z"}</c>: <c>state</c> opt-in or
    /// opt-out (STOP stays the carrier keyword's), <c>source</c> where it was given (required), <c>occurred_at</c> when
    /// (default now). 201 with the contact's consent when recorded; 200 when the same change was recorded already.
    /// </summary>
    private static Results<Created<SuccessEnvelope<ContactConsent>>, Ok<SuccessEnvelope<ContactConsent>>> RecordConsent(
        string recipient, JsonElement body, [AsParameters] OneTeamParameters parameters, HttpContext http, ConsentRecorder recorder,
        ConsentAnalysis consent, TimeProvider time, RecipientPrivacy privacy)
    {
        int teamId = parameters.TeamId(http);
        recipient = privacy.Stored(IdentifierParameter.Require("recipient", recipient, Domain.Identifier.MaxDimensionLength));
        var now = time.GetUtcNow();
        var (state, source, at) = ParseConsent(body, now);
        bool recorded = recorder.Record(teamId, recipient, at.ToUnixTimeMilliseconds(), state, source);
        var answer = consent.Contact(teamId, recipient, now.ToUnixTimeMilliseconds());
        return recorded
            ? TypedResults.Created($"/api/v1/contacts/{Uri.EscapeDataString(recipient)}/consent", new SuccessEnvelope<ContactConsent>(answer))
            : ApiResults.Ok(answer);
    }

    public const int MaxSourceLength = 64;

    private static (int State, string Source, DateTimeOffset At) ParseConsent(JsonElement body, DateTimeOffset now)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new BadParameterException("body", "must be a JSON object");
        int? state = null;
        string? source = null;
        DateTimeOffset at = now;
        foreach (var p in body.EnumerateObject())
        {
            switch (p.Name)
            {
                case "state":
                    state = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()!.Trim().ToLowerInvariant() switch
                    {
                        "opt-in" or "opt_in" => ConsentKeywords.OptInCode,
                        "opt-out" or "opt_out" => ConsentKeywords.OptOutCode,
                        _ => null,
                    } : null;
                    if (state is null) throw new BadParameterException("state", "must be opt-in or opt-out");
                    break;
                case "source":
                    if (p.Value.ValueKind != JsonValueKind.String) throw new BadParameterException("source", "must be a string naming where consent was given, like signup_form");
                    source = IdentifierParameter.Require("source", p.Value.GetString()!.Trim(), MaxSourceLength);
                    break;
                case "occurred_at":
                    if (p.Value.ValueKind != JsonValueKind.String || !EventParser.TryParseRfc3339(p.Value.GetString()!, out at))
                        throw new BadParameterException("occurred_at", "must be an RFC 3339 timestamp with a time zone, like 2026-11-22T10:15:30Z");
                    if (at.Year < 2000) throw new BadParameterException("occurred_at", "must not be before 2000-01-01");
                    if (at > now.AddDays(1)) throw new BadParameterException("occurred_at", "must not be more than 24 hours in the future");
                    break;
                default:
                    throw new BadParameterException(p.Name, "unknown field; allowed: state, source, occurred_at");
            }
        }
        if (state is null) throw new BadParameterException("state", "is required: opt-in or opt-out");
        if (source is null) throw new BadParameterException("source", "is required: where consent was given, like signup_form");
        return (state.Value, source, at);
    }

    private static Ok<SuccessEnvelope<ComplianceSettingsDto>> PutTeam(
        JsonElement body, [AsParameters] OneTeamParameters parameters, HttpContext http, IContactSettingsStore store, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        var s = Parse(body);
        store.SetComplianceSettings(teamId, s.TimeZone, s.Start, s.End, time.GetUtcNow().ToUnixTimeMilliseconds());
        return ApiResults.Ok(TeamDto(store.ComplianceSettings(teamId)));
    }

    private static Ok<SuccessEnvelope<ComplianceSettingsDto>> GetTeam([AsParameters] OneTeamParameters parameters, HttpContext http, IContactSettingsStore store) =>
        ApiResults.Ok(TeamDto(store.ComplianceSettings(parameters.TeamId(http))));

    private static ComplianceSettingsDto TeamDto(ComplianceSettingsRecord? s) =>
        new(s?.TimeZone ?? QuietRule.DefaultZone, Quiet(s?.QuietStart, s?.QuietEnd), Instants.At(s?.UpdatedAtMs));

    private static ContactDto Dto(int teamId, string recipient, IContactSettingsStore store, ConsentAnalysis consent, long nowMs)
    {
        var c = store.FindContact(teamId, recipient);
        var rule = QuietRule.For(c, QuietRule.OfTeam(store.ComplianceSettings(teamId)));
        var effective = rule.Window is { } w ? Quiet(w.StartMinute, w.EndMinute) : null;
        return new ContactDto(recipient, c?.TimeZone, Quiet(c?.QuietStart, c?.QuietEnd), rule.ZoneId, effective, consent.Contact(teamId, recipient, nowMs).State,
            Instants.At(c?.CreatedAtMs), Instants.At(c?.UpdatedAtMs), c?.City, c?.Tier, Instants.At(c?.SignedUpAtMs));
    }
}
