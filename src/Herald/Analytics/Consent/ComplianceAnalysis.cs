using Herald.Domain;
using Herald.Storage;
using static Herald.Ingestion.EventParser;

namespace Herald.Analytics.Consent;

public sealed record ConsentVerification(
    long TotalMessagesSent, long ConsentVerifiedCount, double ComplianceRate, long MessagesToOptedOutContacts, long ContactsAffected,
    IReadOnlyList<ComplianceViolation> Examples);

public sealed record QuietHoursDto(string Start, string End);
public sealed record QuietHoursDefaultDto(string TimeZone, QuietHoursDto? QuietHours);
public sealed record QuietHoursViolation(string? Recipient, string ItemId, string SentAt, string LocalTime, string TimeZone, QuietHoursDto QuietHours, string Setting);
public sealed record QuietHoursCompliance(
    long TotalMessagesSent, long MessagesDuringQuietHours, long? MessagesRescheduled, double ComplianceRate, long ContactsWithOwnSettings,
    QuietHoursDefaultDto TeamDefault, IReadOnlyList<QuietHoursViolation> Examples);

public sealed record AccountRateLimit(string Account, double TpsLimit, long RateLimitViolations, double AverageSendRate, double? PeakSendRate, string ComplianceStatus);
public sealed record RateLimitViolation(string Account, string Minute, double SendRate, double TpsLimit);
public sealed record RateLimitAdherence(
    long RateLimitViolations, double AverageSendRate, double PeakSendRate, string ComplianceStatus, int AccountsWithLimits,
    IReadOnlyList<AccountRateLimit> Accounts, IReadOnlyList<RateLimitViolation> Examples);

public sealed record ComplianceMetrics(ConsentVerification ConsentVerification, QuietHoursCompliance QuietHoursCompliance, RateLimitAdherence RateLimitAdherence);

/// <summary>Seed 003's compliance monitoring; the first fields are the route's earlier answer, kept for its clients.</summary>
public sealed record ComplianceReport(
    string From, string To, long MessagesToOptedOutContacts, long ContactsAffected, IReadOnlyList<ComplianceViolation> Examples,
    ComplianceMetrics ComplianceMetrics);

/// <summary>
/// Seed 003's compliance metrics for one team and window. "Messages sent" are the outbound items (every direction but
/// inbound) whose earliest event is in the window.
/// <list type="bullet">
/// <item>Consent: those sent while their recipient was stopped or opted out (<see cref="ConsentAnalysis"/>).</item>
/// <item>Quiet hours: those whose earliest event came at a local time inside the recipient's quiet window, in the
/// recipient's time zone (a contact's own settings, else the team's). Items of contacts without their own settings are
/// counted from the rollup cells: the team window's UTC minute ranges in the window, outbound items = all less inbound;
/// items of contacts with their own settings are read one by one from the covering recipient index, judged by their own
/// settings and taken out of the team-default count if it held them.</item>
/// <item>Rate limits: per account with a <c>tps_limit</c>, the minutes whose events per second (the account route's
/// <c>current_tps</c>) exceeded it, from minute cells; an hour whose events stay within 60 × limit cannot hold such a
/// minute, so only the other hours' minute cells are read.</item>
/// </list>
/// </summary>
public sealed class ComplianceAnalysis(
    ConsentAnalysis consent, MetricsQuery metrics, IContactSettingsStore contacts, IConsentReader items, IDirectoryStore directory,
    PendingRollups pending, DimensionRegistry registry)
{
    public const int MaxExamples = 20;
    /// <summary>Violating minutes up to this share of the window's minutes rate "good"; none is "excellent"; more is "poor".</summary>
    public const double GoodViolationShare = 0.01;

    public ComplianceReport Report(int teamId, long fromMs, long toMs)
    {
        var from = UtcMinute.FromUnixMillis(fromMs);
        var to = UtcMinute.FromUnixMillis(toMs);
        using (pending.Read())
        {
            long sent = Outbound(teamId, from, to);
            var c = consent.Compliance(teamId, fromMs, toMs);
            var verification = new ConsentVerification(sent, sent - c.MessagesToOptedOutContacts, Rate(sent, c.MessagesToOptedOutContacts),
                c.MessagesToOptedOutContacts, c.ContactsAffected, c.Examples);
            var quiet = QuietHours(teamId, from, to, sent);
            var rates = RateLimits(teamId, from, to);
            return new ComplianceReport(c.From, c.To, c.MessagesToOptedOutContacts, c.ContactsAffected, c.Examples,
                new ComplianceMetrics(verification, quiet, rates));
        }
    }

    private static double Rate(long total, long violations) => total == 0 ? 100.0 : Math.Round((total - violations) * 100.0 / total, 2);

    private static readonly MetricFilter InboundOnly = new MetricFilter().Allow(Dimension.Direction, ["inbound"]);

    /// <summary>Items whose earliest event is in [from, to), less the inbound ones.</summary>
    private long Outbound(int teamId, UtcMinute from, UtcMinute to) =>
        from >= to ? 0 : metrics.Summary([teamId], MetricFilter.None, from, to).Total - metrics.Summary([teamId], InboundOnly, from, to).Total;

    private bool IsInbound(int dimensionSetId) => registry.Get(dimensionSetId).Direction == "inbound";

    private QuietHoursCompliance QuietHours(int teamId, UtcMinute from, UtcMinute to, long sent)
    {
        var settings = contacts.ComplianceSettings(teamId);
        string teamZoneId = settings?.TimeZone ?? "UTC";
        var teamZone = TimeZones.Find(teamZoneId) ?? TimeZoneInfo.Utc;
        var teamWindow = QuietWindow.Of(settings?.QuietStart, settings?.QuietEnd);
        long fromMs = from.ToUnixMillis(), toMs = to.ToUnixMillis();

        // Items of contacts without their own settings: the team window's UTC ranges, from the cells.
        long count = 0;
        var ranges = teamWindow is { } tw && from < to ? TimeZones.QuietRanges(teamZone, tw, from.Value, to.Value) : [];
        foreach (var (s, e) in ranges) count += Outbound(teamId, new UtcMinute(s), new UtcMinute(e));

        // Contacts with their own settings, item by item; the writer's unflushed states replace their stored rows.
        var own = new Dictionary<string, (TimeZoneInfo Zone, string ZoneId, QuietWindow? Window)>(StringComparer.Ordinal);
        foreach (var c in contacts.ListContacts(teamId))
        {
            string zoneId = c.TimeZone ?? teamZoneId;
            own[c.Recipient] = (TimeZones.Find(zoneId) ?? TimeZoneInfo.Utc, zoneId, QuietWindow.Of(c.QuietStart, c.QuietEnd) ?? teamWindow);
        }
        var examples = new List<(string? Recipient, long Ref, string? ItemId, long At, string ZoneId, int Local, QuietWindow Window, string Setting)>();
        void Judge(string recipient, long itemRef, string? itemId, long at, int dims)
        {
            if (IsInbound(dims)) return;
            var (zone, zoneId, window) = own[recipient];
            if (window is { } w && TimeZones.LocalMinuteOfDay(zone, at) is var local && w.Contains(local))
            {
                count++;
                if (examples.Count < MaxExamples) examples.Add((recipient, itemRef, itemId, at, zoneId, local, w, "contact"));
            }
            // The cells counted it by the team's rule: it is not the team's to judge.
            if (teamWindow is { } t && t.Contains(TimeZones.LocalMinuteOfDay(teamZone, at))) count--;
        }
        if (own.Count > 0)
        {
            var pendingRefs = new HashSet<long>();
            foreach (var item in pending.ItemsOfTeam(teamId))
            {
                pendingRefs.Add(item.Id);
                if (item.Recipient is { } r && own.ContainsKey(r) && item.EarliestAtMs >= fromMs && item.EarliestAtMs < toMs)
                    Judge(r, item.Id, item.ItemId, item.EarliestAtMs, item.DimensionSetId);
            }
            contacts.ForEachItemOfContacts(teamId, fromMs, toMs, row =>
            {
                if (!pendingRefs.Contains(row.ItemRef)) Judge(row.Recipient, row.ItemRef, null, row.EarliestAtMs, row.DimensionSetId);
            });
        }

        // Examples under the team's setting: the first items of its ranges (stored rows) that no own setting covers.
        if (teamWindow is { } tWindow)
        {
            foreach (var (s, e) in ranges)
            {
                if (examples.Count >= MaxExamples) break;
                foreach (var item in contacts.SampleItems(teamId, s * UtcMinute.MillisPerMinute, e * UtcMinute.MillisPerMinute, 200))
                {
                    if (examples.Count >= MaxExamples) break;
                    if (IsInbound(item.DimensionSetId) || (item.Recipient is { } r && own.ContainsKey(r))) continue;
                    examples.Add((item.Recipient, item.Id, item.ItemId, item.EarliestAtMs, teamZoneId,
                        TimeZones.LocalMinuteOfDay(teamZone, item.EarliestAtMs), tWindow, "team"));
                }
            }
        }
        var ids = items.ItemIdsOf(examples.Where(x => x.ItemId is null).Select(x => x.Ref).ToList());
        var list = examples.OrderBy(x => x.At).ThenBy(x => x.Recipient, StringComparer.Ordinal)
            .Select(x => new QuietHoursViolation(x.Recipient, x.ItemId ?? ids.GetValueOrDefault(x.Ref, ""), FormatTimestamp(x.At),
                QuietWindow.Format(x.Local), x.ZoneId, Dto(x.Window), x.Setting))
            .ToList();
        return new QuietHoursCompliance(sent, count, null, Rate(sent, count), own.Count,
            new QuietHoursDefaultDto(teamZoneId, teamWindow is { } d ? Dto(d) : null), list);
    }

    private static QuietHoursDto Dto(QuietWindow w) => new(QuietWindow.Format(w.StartMinute), QuietWindow.Format(w.EndMinute));

    private RateLimitAdherence RateLimits(int teamId, UtcMinute from, UtcMinute to)
    {
        long windowMinutes = Math.Max(0, to.Value - from.Value);
        double seconds = Math.Max(1, windowMinutes * 60.0);
        var perMinute = metrics.EventsPerMinute(teamId, MetricFilter.None, from, to);
        long teamEvents = 0, peak = 0;
        foreach (long n in perMinute)
        {
            teamEvents += n;
            if (n > peak) peak = n;
        }

        var accounts = new List<AccountRateLimit>();
        var examples = new List<RateLimitViolation>();
        long violations = 0;
        string worst = "excellent";
        foreach (var account in directory.ListAccounts(teamId))
        {
            if (account.TpsLimit is not (> 0 and var limit)) continue;
            var filter = new MetricFilter().Allow(Dimension.Account, [account.Name]);
            double threshold = limit * 60; // events in one minute above this exceed the limit
            long events = 0, over = 0, accountPeak = -1;
            bool allRead = true;
            foreach (var (hour, totals) in metrics.Timeseries([teamId], filter, from, to, Granularity.Hour))
            {
                events += totals.Events;
                if (totals.Events <= threshold)
                {
                    if (totals.Events > 0) allRead = false;
                    continue;
                }
                var start = hour < from ? from : hour;
                var end = hour.Next(Granularity.Hour) > to ? to : hour.Next(Granularity.Hour);
                var minutes = metrics.EventsPerMinute(teamId, filter, start, end);
                for (int i = 0; i < minutes.Length; i++)
                {
                    accountPeak = Math.Max(accountPeak, minutes[i]);
                    if (minutes[i] <= threshold) continue;
                    over++;
                    if (examples.Count < MaxExamples)
                        examples.Add(new RateLimitViolation(account.Name, FormatTimestamp((start.Value + i) * UtcMinute.MillisPerMinute),
                            Math.Round(minutes[i] / 60.0, 4), limit));
                }
            }
            string status = Status(over, windowMinutes);
            if (Rank(status) > Rank(worst)) worst = status;
            violations += over;
            // The peak is known only when every hour with traffic was read minute by minute.
            accounts.Add(new AccountRateLimit(account.Name, limit, over, Math.Round(events / seconds, 4),
                allRead ? Math.Round(Math.Max(0, accountPeak) / 60.0, 4) : null, status));
        }
        return new RateLimitAdherence(violations, Math.Round(teamEvents / seconds, 4), Math.Round(peak / 60.0, 4), worst, accounts.Count,
            accounts, examples);
    }

    private static string Status(long violatingMinutes, long windowMinutes) =>
        violatingMinutes == 0 ? "excellent" : violatingMinutes <= GoodViolationShare * windowMinutes ? "good" : "poor";

    private static int Rank(string status) => status switch { "excellent" => 0, "good" => 1, _ => 2 };
}
