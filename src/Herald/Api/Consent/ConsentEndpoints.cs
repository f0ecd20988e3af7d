using Herald.Analytics.Consent;
using Herald.Api.Auth;
using Herald.Api.Metrics;
using Herald.Domain;
using Microsoft.AspNetCore.Http.HttpResults;

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

    private static Ok<SuccessEnvelope<ContactConsent>> Contact(string recipient, HttpContext http, ConsentAnalysis consent, TimeProvider time)
    {
        int teamId = QueryParameters.OneTeam(http);
        return ApiResults.Ok(consent.Contact(teamId, recipient, time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    private static Ok<SuccessEnvelope<ConsentSummary>> Summary(HttpContext http, ConsentAnalysis consent, TimeProvider time)
    {
        var (team, from, to) = Window(http, time);
        return ApiResults.Ok(consent.Summary(team, from, to));
    }

    private static Ok<SuccessEnvelope<InboundSummary>> Inbound(HttpContext http, ConsentAnalysis consent, TimeProvider time)
    {
        var (team, from, to) = Window(http, time);
        return ApiResults.Ok(consent.Inbound(team, from, to));
    }

    private static Ok<SuccessEnvelope<ComplianceReport>> Compliance(HttpContext http, ComplianceAnalysis compliance, TimeProvider time)
    {
        var (team, from, to) = Window(http, time);
        return ApiResults.Ok(compliance.Report(team, from, to));
    }

    /// <summary>The metrics API's window (<c>from</c>/<c>to</c>, default the last 24 hours) for one team; no dimension filters.</summary>
    private static (int Team, long FromMs, long ToMs) Window(HttpContext http, TimeProvider time)
    {
        var r = MetricsRequest.Parse(http.Request.Query, time.GetUtcNow(), "team");
        if (!r.Filter.IsEmpty)
            foreach (var d in Dimensions.All)
                if (d != Dimension.Team && http.Request.Query.ContainsKey(Dimensions.Name(d)))
                    throw new BadParameterException(Dimensions.Name(d), "this endpoint takes no dimension filters");
        return (TeamScope.ResolveOne(http, r.Team), r.From.ToUnixMillis(), r.To.ToUnixMillis());
    }
}
