using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Net.Mail;
using System.Text.Json;
using Herald.Alerts;
using Herald.Api.Auth;
using Herald.Api.Parameters;
using Herald.Dashboard;
using Herald.Domain;
using Herald.Otp;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Herald.Tenancy;

namespace Herald.Api.Alerts;

public sealed record AlertRuleDto(
    string RuleId, string RuleName, string MetricName, string Condition, double Threshold, int Duration, string Severity,
    IReadOnlyList<string> NotificationChannels, IReadOnlyDictionary<string, string[]> Filters, long MinVolume, bool Enabled, bool IsDefault,
    string CreatedAt, string UpdatedAt, IReadOnlyList<string> Escalation)
{
    public static AlertRuleDto From(AlertRuleRecord r) => new(r.RuleId, r.RuleName, r.MetricName, r.Condition, r.Threshold, r.DurationSeconds,
        r.Severity, r.NotificationChannels, r.Filters, r.MinVolume, r.Enabled, r.IsDefault, Timestamps.Iso(r.CreatedAtMs)!, Timestamps.Iso(r.UpdatedAtMs)!,
        r.EscalationPath);
}

public sealed record AcknowledgeRequest(string? By);
public sealed record WebhookChannelRequest(string? Url, string? Secret, bool? Enabled);
public sealed record EmailChannelRequest(string[]? Recipients, Dictionary<string, string>? Settings, bool? Enabled);
public sealed record SmsChannelRequest(string[]? Recipients, string? Sender, Dictionary<string, string>? Settings, bool? Enabled);
public sealed record AlertChannelDto(string Channel, bool Enabled, JsonElement Config, string UpdatedAt);
public sealed record AlertDetailDto(AlertView Alert, IReadOnlyList<AlertNotificationDto> Notifications);
public sealed record AlertNotificationDto(string Channel, string Event, string SentAt, bool Ok, int Attempts, string? Error);

public sealed class AlertHistoryParameters : OneTeamParameters
{
    public const int DefaultLimit = 100;

    [FromQuery(Name = "from"), Description("Only alerts that fired at or after this instant (ISO 8601).")]
    public DateTimeOffset? From { get; init; }

    [FromQuery(Name = "to"), Description("Only alerts that fired before this instant (ISO 8601).")]
    public DateTimeOffset? To { get; init; }

    [FromQuery(Name = "limit"), Description("At most this many alerts, newest first. Default: 100.")]
    [Range(1, 1000)]
    public int? Limit { get; init; }
}

/// <summary>
/// Alert rules (CRUD), active alerts and history, acknowledge and resolve, and the team's notification channels. Reading
/// needs <c>metrics:read</c>; changing needs <c>alerts:write</c>. An admin key names the team with <c>?team=</c>.
/// </summary>
public static class AlertsEndpoints
{
    public const int MaxAcknowledgedByLength = 200;

    public static IEndpointRouteBuilder MapAlertsEndpoints(this IEndpointRouteBuilder app)
    {
        var alerts = app.MapGroup("/api/v1/alerts").WithTags("Alerts");
        alerts.MapGet("/metrics", () => ApiResults.Ok(AlertMetrics.All.Select(m => new
        {
            name = m.Name, source = m.Source switch { MetricSource.Rollups => "rollups", MetricSource.Compliance => "compliance", _ => "system" }, unit = m.Unit, is_rate = m.IsRate, description = m.Description,
        }).ToList())).RequireScope(Scopes.MetricsRead).WithSummary("The metrics a rule can watch");
        alerts.MapGet("/rules", ListRules).RequireScope(Scopes.MetricsRead).WithSummary("The team's alert rules (the built-in ones included)");
        alerts.MapPost("/rules", CreateRule).RequireScope(Scopes.AlertsWrite).WithSummary("Add an alert rule");
        alerts.MapGet("/rules/{ruleId}", GetRule).RequireScope(Scopes.MetricsRead).WithSummary("One alert rule");
        alerts.MapPut("/rules/{ruleId}", UpdateRule).RequireScope(Scopes.AlertsWrite).WithSummary("Change an alert rule (omitted fields keep their value)");
        alerts.MapDelete("/rules/{ruleId}", DeleteRule).RequireScope(Scopes.AlertsWrite).WithSummary("Delete an alert rule");
        alerts.MapGet("/channels", ListChannels).RequireScope(Scopes.MetricsRead).WithSummary("The team's notification channels (secrets masked)");
        alerts.MapPut("/channels/webhook", PutWebhook).RequireScope(Scopes.AlertsWrite).WithSummary("Set the webhook alerts are POSTed to, signed with the secret");
        alerts.MapPut("/channels/email", PutEmail).RequireScope(Scopes.AlertsWrite).WithSummary("Set the SMTP settings and recipients of alert mail");
        alerts.MapPut("/channels/sms", PutSms).RequireScope(Scopes.AlertsWrite)
            .WithSummary("Set the SMS sender (twilio, phone-email), its settings and the phone numbers (E.164) alerts are texted to");
        alerts.MapDelete("/channels/{channel}", DeleteChannel).RequireScope(Scopes.AlertsWrite).WithSummary("Remove a notification channel");
        alerts.MapGet("", Active).RequireScope(Scopes.MetricsRead).WithSummary("Active alerts (pending and firing) with current value against threshold");
        alerts.MapGet("/incident-management", IncidentManagement).RequireScope(Scopes.MetricsRead)
            .WithSummary("Seed 003's incident management: severity levels, response times per severity, the rules' escalation paths");
        alerts.MapGet("/history", History).RequireScope(Scopes.MetricsRead).WithSummary("Alerts that fired, newest first");
        alerts.MapGet("/{alertId}", GetAlert).RequireScope(Scopes.MetricsRead).WithSummary("One alert with its notifications");
        alerts.MapPost("/{alertId}/acknowledge", Acknowledge).RequireScope(Scopes.AlertsWrite).AllowDashboardWrites()
            .WithSummary("Acknowledge an alert (stops reminders); also from the dashboard session with its X-Herald-CSRF token");
        alerts.MapPost("/{alertId}/resolve", Resolve).RequireScope(Scopes.AlertsWrite).AllowDashboardWrites()
            .WithSummary("Resolve an alert by hand (notifies the resolution); also from the dashboard session with its X-Herald-CSRF token");
        return app;
    }

    private static string TeamName(TeamDirectory teams, int id) => teams.ById(id)?.Name ?? id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The alert as the API shows it, with where it stands against its response target now.</summary>
    private static AlertView View(AlertRecord a, TeamDirectory teams, int teamId, IncidentPolicy incidents, TimeProvider time) =>
        AlertView.From(a, TeamName(teams, teamId)) with { Incident = incidents.View(a, time.GetUtcNow().ToUnixTimeMilliseconds()) };

    private static Ok<SuccessEnvelope<IncidentManagementDto>> IncidentManagement(
        [AsParameters] OneTeamParameters parameters, HttpContext http, AlertRules rules, IncidentPolicy incidents) =>
        ApiResults.Ok(incidents.Management(rules.List(parameters.TeamId(http))));

    private static Ok<SuccessEnvelope<List<AlertRuleDto>>> ListRules([AsParameters] OneTeamParameters parameters, HttpContext http, AlertRules rules) =>
        ApiResults.Ok(rules.List(parameters.TeamId(http)).Select(AlertRuleDto.From).ToList());

    private static Results<Created<SuccessEnvelope<AlertRuleDto>>, BadRequest<ErrorEnvelope>, Conflict<ErrorEnvelope>> CreateRule(
        AlertRuleRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, AlertRules rules)
    {
        int teamId = parameters.TeamId(http);
        var (rule, field, issue) = AlertRules.Build(body, null);
        if (rule is null) return ApiResults.BadRequest(field!, issue!);
        if (!rules.Create(teamId, rule))
            return ApiResults.Conflict("conflict", $"rule_id: the team already has a rule '{rule.RuleId}'",
                new ErrorDetail("rule_id", "already exists"));
        var stored = rules.Find(teamId, rule.RuleId)!;
        return TypedResults.Created($"/api/v1/alerts/rules/{stored.RuleId}", new SuccessEnvelope<AlertRuleDto>(AlertRuleDto.From(stored)));
    }

    private static Results<Ok<SuccessEnvelope<AlertRuleDto>>, NotFound<ErrorEnvelope>> GetRule(
        string ruleId, [AsParameters] OneTeamParameters parameters, HttpContext http, AlertRules rules) =>
        rules.Find(parameters.TeamId(http), ruleId) is { } rule ? ApiResults.Ok(AlertRuleDto.From(rule)) : ApiResults.NotFound($"no alert rule '{ruleId}'");

    private static Results<Ok<SuccessEnvelope<AlertRuleDto>>, BadRequest<ErrorEnvelope>, NotFound<ErrorEnvelope>> UpdateRule(
        string ruleId, AlertRuleRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, AlertRules rules)
    {
        int teamId = parameters.TeamId(http);
        var existing = rules.Find(teamId, ruleId);
        if (existing is null) return ApiResults.NotFound($"no alert rule '{ruleId}'");
        var (rule, field, issue) = AlertRules.Build(body, existing);
        if (rule is null) return ApiResults.BadRequest(field!, issue!);
        if (!rules.Update(teamId, rule)) return ApiResults.NotFound($"no alert rule '{ruleId}'");
        return ApiResults.Ok(AlertRuleDto.From(rules.Find(teamId, ruleId)!));
    }

    private static Results<NoContent, NotFound<ErrorEnvelope>> DeleteRule(string ruleId, [AsParameters] OneTeamParameters parameters, HttpContext http, AlertRules rules) =>
        rules.Delete(parameters.TeamId(http), ruleId) ? TypedResults.NoContent() : ApiResults.NotFound($"no alert rule '{ruleId}'");

    private static Ok<SuccessEnvelope<List<AlertView>>> Active([AsParameters] OneTeamParameters parameters, HttpContext http, IAlertStore store, TeamDirectory teams,
        IncidentPolicy incidents, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        return ApiResults.Ok(store.ListOpenAlerts(teamId).Select(a => View(a, teams, teamId, incidents, time)).ToList());
    }

    private static Results<Ok<SuccessEnvelope<List<AlertView>>>, BadRequest<ErrorEnvelope>> History(
        [AsParameters] AlertHistoryParameters parameters, HttpContext http, IAlertStore store, TeamDirectory teams, IncidentPolicy incidents, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        long since = parameters.From?.ToUnixTimeMilliseconds() ?? long.MinValue, before = parameters.To?.ToUnixTimeMilliseconds() ?? long.MaxValue;
        if (since >= before) return ApiResults.BadRequest("from", "must be before to");
        return ApiResults.Ok(store.ListAlertHistory(teamId, since, before, parameters.Limit ?? AlertHistoryParameters.DefaultLimit).Select(a => View(a, teams, teamId, incidents, time)).ToList());
    }

    private static Results<Ok<SuccessEnvelope<AlertDetailDto>>, NotFound<ErrorEnvelope>> GetAlert(
        string alertId, [AsParameters] OneTeamParameters parameters, HttpContext http, IAlertStore store, TeamDirectory teams, IncidentPolicy incidents,
        TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        var alert = store.FindAlert(teamId, alertId);
        if (alert is null) return ApiResults.NotFound($"no alert '{alertId}'");
        var notifications = store.ListAlertNotifications(alert.Id)
            .Select(n => new AlertNotificationDto(n.Channel, n.Event, Timestamps.Iso(n.SentAtMs)!, n.Ok, n.Attempts, n.Error)).ToList();
        return ApiResults.Ok(new AlertDetailDto(View(alert, teams, teamId, incidents, time), notifications));
    }

    private static async Task<Results<Ok<SuccessEnvelope<AlertView>>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>, BadRequest<ErrorEnvelope>,
        ErrorResult<ErrorStatus.UnsupportedMediaType>, JsonHttpResult<ErrorEnvelope>>> Acknowledge(
        string alertId, [AsParameters] OneTeamParameters parameters, HttpContext http, AlertEngine engine, TeamDirectory teams, RequestBodies bodies,
        IncidentPolicy incidents, TimeProvider time, CancellationToken ct)
    {
        int teamId = parameters.TeamId(http);
        AcknowledgeRequest? body = null;
        if (http.Request.ContentLength > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            if (!http.Request.HasJsonContentType()) return ApiResults.UnsupportedMediaType();
            var read = await bodies.ReadAsync(http, teamId);
            if (read.Error is { } refused) return refused;
            using var raw = read.Body!;
            if (!raw.TryDeserialize(AlertNotifier.Json, out body, out var problem)) return ApiResults.InvalidJson(problem);
        }
        string by = body?.By is { } named ? IdentifierParameter.Require("by", named.Trim(), MaxAcknowledgedByLength) : $"key:{http.Caller().KeyId}";
        var alert = await engine.AcknowledgeAsync(teamId, alertId, by, ct);
        if (alert is null) return ApiResults.NotFound($"no alert '{alertId}'");
        if (alert.State == "resolved") return ApiResults.Conflict("conflict", "the alert is already resolved");
        return ApiResults.Ok(View(alert, teams, teamId, incidents, time));
    }

    private static async Task<Results<Ok<SuccessEnvelope<AlertView>>, NotFound<ErrorEnvelope>, Conflict<ErrorEnvelope>>> Resolve(
        string alertId, [AsParameters] OneTeamParameters parameters, HttpContext http, AlertEngine engine, IAlertStore store, TeamDirectory teams,
        IncidentPolicy incidents, TimeProvider time, CancellationToken ct)
    {
        int teamId = parameters.TeamId(http);
        var before = store.FindAlert(teamId, alertId);
        if (before is null) return ApiResults.NotFound($"no alert '{alertId}'");
        if (before.State == "resolved") return ApiResults.Conflict("conflict", "the alert is already resolved");
        var alert = await engine.ResolveAsync(teamId, alertId, ct);
        return ApiResults.Ok(View(alert ?? before, teams, teamId, incidents, time));
    }

    private static Ok<SuccessEnvelope<List<AlertChannelDto>>> ListChannels([AsParameters] OneTeamParameters parameters, HttpContext http, IAlertStore store) =>
        ApiResults.Ok(store.ListAlertChannels(parameters.TeamId(http)).Select(Dto).ToList());

    private static AlertChannelDto Dto(AlertChannelRecord c)
    {
        object shown = c.Channel switch
        {
            AlertChannels.Webhook => JsonSerializer.Deserialize<WebhookChannelConfig>(c.ConfigJson, AlertNotifier.Json)! with { Secret = "********" },
            AlertChannels.Sms => JsonSerializer.Deserialize<SmsChannelConfig>(c.ConfigJson, AlertNotifier.Json) is { } t
                ? t with { Settings = OtpServices.Masked(t.Settings) }
                : new { },
            _ => JsonSerializer.Deserialize<EmailChannelConfig>(c.ConfigJson, AlertNotifier.Json) is { } e
                ? e with { Settings = OtpServices.Masked(e.Settings) }
                : new { },
        };
        return new AlertChannelDto(c.Channel, c.Enabled, JsonSerializer.SerializeToElement(shown, AlertNotifier.Json), Timestamps.Iso(c.UpdatedAtMs)!);
    }

    private static Results<Ok<SuccessEnvelope<AlertChannelDto>>, BadRequest<ErrorEnvelope>> PutWebhook(
        WebhookChannelRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, IAlertStore store, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        var existing = store.ListAlertChannels(teamId).FirstOrDefault(c => c.Channel == AlertChannels.Webhook);
        var old = existing is null ? null : JsonSerializer.Deserialize<WebhookChannelConfig>(existing.ConfigJson, AlertNotifier.Json);
        string? url = body.Url?.Trim() ?? old?.Url;
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return ApiResults.BadRequest("url", "an absolute http or https URL is required");
        string? secret = body.Secret == "********" ? old?.Secret : body.Secret ?? old?.Secret;
        if (string.IsNullOrEmpty(secret) || secret.Length < 8) return ApiResults.BadRequest("secret", "is required (at least 8 characters): notifications are signed with it");
        var record = new AlertChannelRecord(teamId, AlertChannels.Webhook,
            JsonSerializer.Serialize(new WebhookChannelConfig(url, secret), AlertNotifier.Json), body.Enabled ?? existing?.Enabled ?? true,
            time.GetUtcNow().ToUnixTimeMilliseconds());
        store.UpsertAlertChannel(record);
        return ApiResults.Ok(Dto(record));
    }

    private static Results<Ok<SuccessEnvelope<AlertChannelDto>>, BadRequest<ErrorEnvelope>> PutEmail(
        EmailChannelRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, IAlertStore store, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        var existing = store.ListAlertChannels(teamId).FirstOrDefault(c => c.Channel == AlertChannels.Email);
        var old = existing is null ? null : JsonSerializer.Deserialize<EmailChannelConfig>(existing.ConfigJson, AlertNotifier.Json);
        var recipients = body.Recipients?.Select(r => r?.Trim() ?? "").ToArray() ?? old?.Recipients.ToArray();
        if (recipients is null || recipients.Length is 0 or > 50) return ApiResults.BadRequest("recipients", "1-50 e-mail addresses are required");
        foreach (var r in recipients)
            if (!MailAddress.TryCreate(r, out var parsed) || parsed.Address != r) return ApiResults.BadRequest("recipients", $"'{r}' is not an e-mail address");
        var settings = body.Settings is null ? old?.Settings.ToDictionary(p => p.Key, p => p.Value) : OtpServices.MergeMasked(body.Settings, old?.Settings);
        if (settings is null) return ApiResults.BadRequest("settings", "the SMTP settings are required (host, from, port, ...)");
        foreach (var required in new[] { "host", "from" })
            if (!settings.TryGetValue(required, out var v) || string.IsNullOrWhiteSpace(v)) return ApiResults.BadRequest("settings", $"'{required}' is required");
        var record = new AlertChannelRecord(teamId, AlertChannels.Email,
            JsonSerializer.Serialize(new EmailChannelConfig(recipients, settings), AlertNotifier.Json), body.Enabled ?? existing?.Enabled ?? true,
            time.GetUtcNow().ToUnixTimeMilliseconds());
        store.UpsertAlertChannel(record);
        return ApiResults.Ok(Dto(record));
    }

    /// <summary>E.164: a plus, a country code that does not start with 0, and 7 to 15 digits in all.</summary>
    private static readonly System.Text.RegularExpressions.Regex E164 = new(@"^\+[1-9][0-9]{6,14}$");

    private static Results<Ok<SuccessEnvelope<AlertChannelDto>>, BadRequest<ErrorEnvelope>> PutSms(
        SmsChannelRequest body, [AsParameters] OneTeamParameters parameters, HttpContext http, IAlertStore store, Senders.SenderRegistry senders, TimeProvider time)
    {
        int teamId = parameters.TeamId(http);
        var existing = store.ListAlertChannels(teamId).FirstOrDefault(c => c.Channel == AlertChannels.Sms);
        var old = existing is null ? null : JsonSerializer.Deserialize<SmsChannelConfig>(existing.ConfigJson, AlertNotifier.Json);
        var recipients = body.Recipients?.Select(r => r?.Trim() ?? "").ToArray() ?? old?.Recipients.ToArray();
        if (recipients is null || recipients.Length is 0 or > 20) return ApiResults.BadRequest("recipients", "1-20 phone numbers (E.164, like +447700900123) are required");
        foreach (var r in recipients)
            if (!E164.IsMatch(r)) return ApiResults.BadRequest("recipients", $"'{r}' is not an E.164 phone number (like +447700900123)");
        string? sender = body.Sender?.Trim().ToLowerInvariant() ?? old?.Sender;
        var smsKinds = senders.Kinds.Where(k => senders.Get(k).Supports("sms")).ToList();
        if (sender is null || !smsKinds.Contains(sender)) return ApiResults.BadRequest("sender", $"one of {string.Join(", ", smsKinds)} (the Herald sender the texts go through)");
        var settings = body.Settings is null ? old?.Settings.ToDictionary(p => p.Key, p => p.Value) : OtpServices.MergeMasked(body.Settings, old?.Settings);
        if (settings is null) return ApiResults.BadRequest("settings", $"the {sender} sender's settings are required (as for an OTP service of that kind)");
        var record = new AlertChannelRecord(teamId, AlertChannels.Sms,
            JsonSerializer.Serialize(new SmsChannelConfig(recipients, sender, settings), AlertNotifier.Json), body.Enabled ?? existing?.Enabled ?? true,
            time.GetUtcNow().ToUnixTimeMilliseconds());
        store.UpsertAlertChannel(record);
        return ApiResults.Ok(Dto(record));
    }

    private static Results<NoContent, NotFound<ErrorEnvelope>> DeleteChannel(string channel, [AsParameters] OneTeamParameters parameters, HttpContext http, IAlertStore store) =>
        store.DeleteAlertChannel(parameters.TeamId(http), channel) ? TypedResults.NoContent() : ApiResults.NotFound($"no '{channel}' channel");
}
