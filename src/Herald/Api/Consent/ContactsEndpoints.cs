using System.Text.Json;
using Herald.Analytics.Consent;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Domain;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Herald.Engine;

namespace Herald.Api.Consent;

public sealed record ContactDto(
    string Recipient, string? TimeZone, QuietHoursDto? QuietHours, string EffectiveTimeZone, QuietHoursDto? EffectiveQuietHours,
    string ConsentState, DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt);

public sealed record ComplianceSettingsDto(string TimeZone, QuietHoursDto? QuietHours, DateTimeOffset? UpdatedAt);

/// <summary>
/// A contact's time zone and quiet hours, and the team's defaults (seed 003's quiet hours). Body of both PUTs:
/// <c>{"time_zone":"America/New_York","quiet_hours":{"start":"21:00","end":"08:00"}}</c>; an omitted or null field takes the
/// team's (for the team: UTC, no quiet hours). A bad field is a 400 naming it, and nothing is stored.
/// </summary>
public static class ContactsEndpoints
{
    public static IEndpointRouteBuilder MapContactsEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1").WithTags("Consent and inbound");
        g.MapPut("/contacts/{recipient}", Put).RequireScope(Scopes.EventsWrite).WithSummary("Set a contact's time zone (IANA) and quiet hours");
        g.MapGet("/contacts/{recipient}", Get).RequireScope(Scopes.MetricsRead).WithSummary("A contact's settings, the ones in force, and its consent state");
        g.MapDelete("/contacts/{recipient}", Delete).RequireScope(Scopes.EventsWrite).WithSummary("Forget a contact's own settings (the team's apply)");
        g.MapPut("/compliance/settings", PutTeam).RequireScope(Scopes.EventsWrite).WithSummary("The team's default time zone and quiet hours");
        g.MapGet("/compliance/settings", GetTeam).RequireScope(Scopes.MetricsRead).WithSummary("The team's default time zone and quiet hours");
        return app;
    }

    private sealed record Settings(string? TimeZone, int? Start, int? End);

    /// <summary>Reads and checks a settings body; throws <see cref="BadParameterException"/> naming the field.</summary>
    private static Settings Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new BadParameterException("body", "must be a JSON object");
        string? zone = null;
        int? start = null, end = null;
        foreach (var p in body.EnumerateObject())
        {
            switch (p.Name)
            {
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
                    throw new BadParameterException(p.Name, "unknown field; allowed: time_zone, quiet_hours");
            }
        }
        return new Settings(zone, start, end);
    }

    private static int Time(JsonElement quiet, string name) =>
        quiet.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && QuietWindow.ParseTime(v.GetString()) is { } minute
            ? minute
            : throw new BadParameterException($"quiet_hours.{name}", "must be a local time HH:mm from 00:00 to 23:59");

    private static QuietHoursDto? Quiet(int? start, int? end) =>
        QuietWindow.Of(start, end) is { } w ? new QuietHoursDto(QuietWindow.Format(w.StartMinute), QuietWindow.Format(w.EndMinute)) : null;

    private static Ok<SuccessEnvelope<ContactDto>> Put(string recipient, JsonElement body, [AsParameters] OneTeamParameters parameters, HttpContext http,
        IContactSettingsStore store, ConsentAnalysis consent, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        IdentifierParameter.Require("recipient", recipient, Domain.Identifier.MaxDimensionLength);
        var s = Parse(body);
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        store.UpsertContact(teamId, recipient, s.TimeZone, s.Start, s.End, now);
        return ApiResults.Ok(Dto(teamId, recipient, store, consent, now));
    }

    private static Ok<SuccessEnvelope<ContactDto>> Get(string recipient, [AsParameters] OneTeamParameters parameters, HttpContext http,
        IContactSettingsStore store, ConsentAnalysis consent, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        return ApiResults.Ok(Dto(teamId, recipient, store, consent, time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    private static Results<Ok<SuccessEnvelope<object>>, NotFound<ErrorEnvelope>> Delete(
        string recipient, [AsParameters] OneTeamParameters parameters, HttpContext http, IContactSettingsStore store)
    {
        int teamId = parameters.TeamId(http);
        return store.DeleteContact(teamId, recipient)
            ? ApiResults.Ok<object>(new { recipient, deleted = true })
            : ApiResults.NotFound($"contact '{recipient}' has no settings of its own");
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
            Instants.At(c?.CreatedAtMs), Instants.At(c?.UpdatedAtMs));
    }
}
