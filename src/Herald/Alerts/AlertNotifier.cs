using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Herald.Domain;
using Herald.Outbound;
using Herald.Senders;
using Herald.Storage;
using Polly;
using Polly.Retry;

namespace Herald.Alerts;

/// <summary>A team's webhook channel: alerts are POSTed as JSON to <see cref="Url"/>, signed with <see cref="Secret"/>.</summary>
public sealed record WebhookChannelConfig(string Url, string Secret);

/// <summary>A team's e-mail channel: Herald's SMTP sender with these settings (as for an OTP smtp service), to these recipients.</summary>
public sealed record EmailChannelConfig(IReadOnlyList<string> Recipients, IReadOnlyDictionary<string, string> Settings);

/// <summary>
/// A team's SMS channel: a text to each recipient (E.164) through the Herald sender of kind <see cref="Sender"/> (one that
/// sends sms: twilio, phone-email) with these settings, as for an OTP service.
/// </summary>
public sealed record SmsChannelConfig(IReadOnlyList<string> Recipients, string Sender, IReadOnlyDictionary<string, string> Settings);

/// <summary>What a notification says: <c>firing</c>, <c>reminder</c>, <c>escalated</c> or <c>resolved</c>, and the alert as the API shows it.</summary>
public sealed record AlertNotification(string Event, AlertView Alert, string SentAt);

/// <summary>
/// Sends alert notifications: a JSON POST signed <c>X-Herald-Signature: sha256=&lt;hex HMAC-SHA256(secret, body)&gt;</c>,
/// mail through <see cref="SmtpSender"/>, and texts through an SMS sender (<see cref="SmsChannelConfig"/>). Each is tried <see cref="AlertOptions.NotificationAttempts"/> times with
/// exponential backoff (Polly); every outcome is logged in the store. The same <c>X-Herald-Delivery</c> id is sent on every
/// retry of one notification, so a receiver can drop a repeat it already handled. Webhooks go through the outbound guard
/// (<see cref="OutboundHttp"/>); the notification log says what kind of failure happened, never what answered.
/// </summary>
public sealed class AlertNotifier(
    IAlertStore store, SenderRegistry senders, IHttpClientFactory httpClients, AlertOptions options, IncidentPolicy incidents, TimeProvider time,
    ILogger<AlertNotifier> logger)
{
    public const string SignatureHeader = "X-Herald-Signature";
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>An attempt's outcome: <see cref="Error"/> is what the team's notification log shows, <see cref="Cause"/> is for the operator's log.</summary>
    private sealed record Attempt(bool Ok, string? Error, Exception? Cause = null);

    public async Task NotifyAsync(AlertRecord alert, string teamName, string eventName, IReadOnlyList<string> channels, CancellationToken ct)
    {
        var configured = store.ListAlertChannels(alert.TeamId).Where(c => c.Enabled).ToDictionary(c => c.Channel);
        var view = AlertView.From(alert, teamName) with { Incident = incidents.View(alert, time.GetUtcNow().ToUnixTimeMilliseconds()) };
        var tasks = new List<Task>();
        foreach (var channel in channels)
        {
            if (!configured.TryGetValue(channel, out var config)) continue;
            tasks.Add(SendOneAsync(alert, channel, config, new AlertNotification(eventName, view, Timestamps.Iso(time.GetUtcNow())), ct));
        }
        await Task.WhenAll(tasks);
    }

    private async Task SendOneAsync(AlertRecord alert, string channel, AlertChannelRecord config, AlertNotification n, CancellationToken ct)
    {
        int attempts = 0;
        string delivery = Guid.NewGuid().ToString("n");
        var pipeline = new ResiliencePipelineBuilder<Attempt>()
            .AddRetry(new RetryStrategyOptions<Attempt>
            {
                MaxRetryAttempts = Math.Max(0, options.NotificationAttempts - 1),
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.NotificationBackoff,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder<Attempt>().HandleResult(r => !r.Ok),
            })
            .Build();
        Attempt result;
        try
        {
            result = await pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                try
                {
                    return channel switch
                    {
                        AlertChannels.Webhook => await PostAsync(JsonSerializer.Deserialize<WebhookChannelConfig>(config.ConfigJson, Json)!, n, delivery, token),
                        AlertChannels.Sms => await TextAsync(JsonSerializer.Deserialize<SmsChannelConfig>(config.ConfigJson, Json)!, n, token),
                        _ => await MailAsync(JsonSerializer.Deserialize<EmailChannelConfig>(config.ConfigJson, Json)!, n, token),
                    };
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !token.IsCancellationRequested)
                {
                    return new Attempt(false, e is TaskCanceledException ? $"timed out after {options.WebhookTimeout.TotalMilliseconds:0} ms" : OutboundFailure.Describe(e), e);
                }
                catch (JsonException e)
                {
                    return new Attempt(false, "the channel's stored configuration could not be read", e);
                }
            }, ct);
        }
        catch (OperationCanceledException)
        {
            result = new Attempt(false, "stopped before the notification went out");
        }
        if (!result.Ok)
            logger.LogWarning(result.Cause, "alert {Alert} ({Event}) could not be notified by {Channel} after {Attempts} attempts: {Error}",
                alert.PublicId, n.Event, channel, attempts, result.Error);
        try
        {
            store.RecordAlertNotification(alert.Id, new AlertNotificationRecord(channel, n.Event, time.GetUtcNow().ToUnixTimeMilliseconds(), result.Ok, attempts, result.Error));
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "could not log a notification of alert {Alert}", alert.PublicId);
        }
    }

    private async Task<Attempt> PostAsync(WebhookChannelConfig config, AlertNotification n, string delivery, CancellationToken ct)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(n, Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, config.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(config.Secret, body));
        request.Headers.TryAddWithoutValidation("X-Herald-Event", n.Event);
        request.Headers.TryAddWithoutValidation("X-Herald-Delivery", delivery);
        request.Headers.UserAgent.ParseAdd("Herald-Alerts/1");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.WebhookTimeout);
        using var response = await httpClients.CreateClient(OutboundHttp.ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        return response.IsSuccessStatusCode ? new Attempt(true, null) : new Attempt(false, $"HTTP {(int)response.StatusCode}");
    }

    private async Task<Attempt> MailAsync(EmailChannelConfig config, AlertNotification n, CancellationToken ct)
    {
        var smtp = senders.Get("smtp");
        var a = n.Alert;
        string subject = $"[Herald] {n.Event.ToUpperInvariant()} {a.Severity}: {a.RuleName} ({a.Team})";
        var errors = new List<string>();
        foreach (var to in config.Recipients)
        {
            var result = await smtp.SendAsync(new OutboundMessage("email", to, subject, Body(n)), config.Settings, ct);
            if (!result.Success) errors.Add($"{to}: {result.ErrorCode}: {result.ErrorMessage}");
        }
        return errors.Count == 0 ? new Attempt(true, null) : new Attempt(false, string.Join("; ", errors));
    }

    /// <summary>One text per recipient; the attempt fails when any recipient's does (the retry resends to all).</summary>
    private async Task<Attempt> TextAsync(SmsChannelConfig config, AlertNotification n, CancellationToken ct)
    {
        if (!senders.TryGet(config.Sender, out var sender) || !sender.Supports("sms"))
            return new Attempt(false, $"the sender '{config.Sender}' cannot send sms");
        string text = ShortBody(n);
        var errors = new List<string>();
        foreach (var to in config.Recipients)
        {
            var result = await sender.SendAsync(new OutboundMessage("sms", to, "", text), config.Settings, ct);
            if (!result.Success) errors.Add($"{to}: {result.ErrorCode}: {result.ErrorMessage}");
        }
        return errors.Count == 0 ? new Attempt(true, null) : new Attempt(false, string.Join("; ", errors));
    }

    /// <summary>The alert in one short line for a text message: what happened, the rule, the value against the threshold, the id.</summary>
    public static string ShortBody(AlertNotification n)
    {
        var a = n.Alert;
        string value = a.CurrentValue?.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) ?? "n/a";
        string threshold = a.Threshold.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
        return $"[Herald] {n.Event.ToUpperInvariant()} {a.Severity}: {a.RuleName} ({a.Team}): {a.MetricName} {value} {AlertConditions.Symbol(a.Condition)} {threshold}. {a.Id}";
    }

    private static string Body(AlertNotification n)
    {
        var a = n.Alert;
        var sb = new StringBuilder();
        sb.Append(n.Event switch
        {
            "resolved" => "Resolved",
            "reminder" => "Still firing",
            "escalated" => $"Escalated (not acknowledged within {a.Incident?.ResponseTarget ?? "its response target"})",
            _ => "Firing",
        }).Append(": ").AppendLine(a.RuleName).AppendLine();
        sb.AppendLine(a.Message).AppendLine();
        sb.AppendLine($"team:       {a.Team}");
        sb.AppendLine($"rule:       {a.RuleId}");
        sb.AppendLine($"metric:     {a.MetricName} {AlertConditions.Symbol(a.Condition)} {a.Threshold}");
        sb.AppendLine($"value:      {a.CurrentValue?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "n/a"}");
        sb.AppendLine($"severity:   {a.Severity}");
        sb.AppendLine($"fired at:   {a.FiredAt ?? "-"}");
        if (a.ResolvedAt is not null) sb.AppendLine($"resolved:   {a.ResolvedAt} ({a.Resolution})");
        if (a.Incident?.RespondBy is { } by) sb.AppendLine($"respond by: {by}");
        sb.AppendLine($"alert id:   {a.Id}");
        return sb.ToString();
    }

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256 of the body under the secret.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}

/// <summary>An alert as the API and notifications show it: current value against the threshold.</summary>
public sealed record AlertView(
    string Id, string Team, string RuleId, string RuleName, string MetricName, string Condition, double Threshold, double? CurrentValue,
    long? SampleSize, string Severity, string State, string Message, string PendingSince, string? FiredAt, string? ResolvedAt,
    string? Resolution, string? AcknowledgedAt, string? AcknowledgedBy, string? LastNotifiedAt, int NotificationsSent, string LastEvaluatedAt)
{
    /// <summary>Seed 003's name for <see cref="Id"/>.</summary>
    public string AlertId => Id;

    /// <summary>Seed 003's name for <see cref="FiredAt"/>; for a pending alert, when its condition started holding.</summary>
    public string TriggeredAt => FiredAt ?? PendingSince;

    /// <summary>The alert against its response target and escalation path; set where the API or a notification shows it.</summary>
    public IncidentView? Incident { get; init; }

    public static AlertView From(AlertRecord a, string team) => new(
        a.PublicId, team, a.RuleId, a.RuleName, a.MetricName, a.Condition, a.Threshold, a.CurrentValue, a.SampleSize, a.Severity, a.State,
        a.Message, Timestamps.Iso(a.PendingSinceMs)!, Timestamps.Iso(a.FiredAtMs), Timestamps.Iso(a.ResolvedAtMs), a.Resolution,
        Timestamps.Iso(a.AcknowledgedAtMs), a.AcknowledgedBy, Timestamps.Iso(a.LastNotifiedAtMs), a.NotificationsSent,
        Timestamps.Iso(a.LastEvaluatedAtMs)!);
}
