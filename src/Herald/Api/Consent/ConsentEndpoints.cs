using System.ComponentModel;
using Herald.Analytics.Consent;
using Herald.Api.Auth;
using Herald.Api.Metrics;
using Herald.Api.Parameters;
using Herald.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Herald.Storage.Encryption;

namespace Herald.Api.Consent;

/// <summary>Consent driven by inbound keywords, inbound analytics, and the consent side of compliance (seed 003).</summary>
public static class ConsentEndpoints
{
    public static IEndpointRouteBuilder MapConsentEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1").RequireScope(Scopes.MetricsRead).WithTags("Consent and inbound");
        g.MapGet("/contacts/{recipient}/consent", Contact).WithSummary("A contact's consent state and the keywords that set it");
        g.MapGet("/analytics/consent", Summary).WithSummary("Contacts by consent state at the end of the window, opt-in rate, changes in the window");
        g.MapGet("/analytics/inbound", Inbound).WithSummary("Inbound messages: volume, unique senders, peak hour, keyword classes");
        g.MapGet("/analytics/compliance", Compliance).WithSummary("Seed 003's compliance: messages to opted-out contacts, inside quiet hours, and minutes over an account's TPS limit");
        return app;
    }

    private static Ok<SuccessEnvelope<ContactConsent>> Contact(
        string recipient, [AsParameters] OneTeamParameters parameters, HttpContext http, ConsentAnalysis consent, TimeProvider time,
        RecipientPrivacy privacy)
    {
        int teamId = parameters.TeamId(http);
        return ApiResults.Ok(consent.Contact(teamId, privacy.Stored(recipient), time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    private static Ok<SuccessEnvelope<ConsentSummary>> Summary([AsParameters] ConsentWindowParameters parameters, HttpContext http, ConsentAnalysis consent, TimeProvider time)
    {
        var (team, from, to) = parameters.Window(http, time.GetUtcNow());
        return ApiResults.Ok(consent.Summary(team, from, to));
    }

    private static Ok<SuccessEnvelope<InboundSummary>> Inbound([AsParameters] ConsentWindowParameters parameters, HttpContext http, ConsentAnalysis consent, TimeProvider time)
    {
        var (team, from, to) = parameters.Window(http, time.GetUtcNow());
        return ApiResults.Ok(consent.Inbound(team, from, to));
    }

    private static Ok<SuccessEnvelope<ComplianceReport>> Compliance([AsParameters] ConsentWindowParameters parameters, HttpContext http, ComplianceAnalysis compliance, TimeProvider time)
    {
        var (team, from, to) = parameters.Window(http, time.GetUtcNow());
        return ApiResults.Ok(compliance.Report(team, from, to));
    }
}

/// <summary>The metrics API's window (<c>from</c>/<c>to</c>, default the last 24 hours) for one team; no dimension filters.</summary>
public sealed class ConsentWindowParameters : OneTeamParameters
{
    [FromQuery(Name = "from"), Description(MetricsWindow.FromText)]
    public Timestamp? From { get; init; }

    [FromQuery(Name = "to"), Description(MetricsWindow.ToText)]
    public Timestamp? To { get; init; }

    public (int Team, long FromMs, long ToMs) Window(HttpContext http, DateTimeOffset now)
    {
        var (from, to) = MetricsWindow.Of(From, To, now);
        return (TeamId(http), from.ToUnixMillis(), to.ToUnixMillis());
    }
}
