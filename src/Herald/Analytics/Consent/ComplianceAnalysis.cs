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
/// recipient's time zone (a contact's own settings, else the team's). Every item is first counted by the team's rule from
/// the rollup cells (the team window's UTC minute ranges in the window; outbound = all less inbound); contacts with their
/// own settings are grouped by the zone and window in force, and their items are counted in SQLite from the covering
/// recipient index: those in their own quiet ranges added, those in the team's ranges taken out.</item>
/// <item>Rate limits: per account with a <c>tps_limit</c>, the minutes whose events per second (the account route's
/// <c>current_tps</c>) exceeded it, from minute cells read one hour at a time (<see cref="AccountMinutes"/>).</item>
/// </list>
/// </summary>
public sealed class ComplianceAnalysis(
    ConsentAnalysis consent, MetricsQuery metrics, AccountMinutes minutes, IContactSettingsStore contacts, IConsentReader items,
    IDirectoryStore directory, PendingRollups pending, DimensionRegistry registry)
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
        var teamRule = QuietRule.OfTeam(contacts.ComplianceSettings(teamId));
        string teamZoneId = teamRule.ZoneId;
        var teamZone = teamRule.Zone;
        var teamWindow = teamRule.Window;
        long fromMs = from.ToUnixMillis(), toMs = to.ToUnixMillis();
        static List<(long, long)> Ms(List<(long Start, long End)> minutes) =>
            minutes.Select(r => (r.Start * UtcMinute.MillisPerMinute, r.End * UtcMinute.MillisPerMinute)).ToList();

        // Every item by the team's rule, from the cells: outbound items in the team window's UTC ranges.
        long count = 0;
        var teamRanges = teamWindow is { } tw && from < to ? TimeZones.QuietRanges(teamZone, tw, from.Value, to.Value) : [];
        foreach (var (s, e) in teamRanges) count += Outbound(teamId, new UtcMinute(s), new UtcMinute(e));
        long byTeamRule = count; // less the items of contacts with their own settings, below

        // Contacts with their own settings, grouped by the zone and window in force: their items in their own quiet ranges
        // are counted, and taken out of the team rule's count. The writer's unflushed states replace their stored rows.
        var own = new Dictionary<string, (TimeZoneInfo Zone, string ZoneId, QuietWindow? Window)>(StringComparer.Ordinal);
        foreach (var c in contacts.ListContacts(teamId))
        {
            var rule = QuietRule.For(c, teamRule);
            own[c.Recipient] = (rule.Zone, rule.ZoneId, rule.Window);
        }
        var examples = new List<(string? Recipient, long Ref, string? ItemId, long At, string ZoneId, int Local, QuietWindow Window, string Setting)>();
        if (own.Count > 0)
        {
            var inbound = consent.InboundSets(teamId);
            var pendingRefs = new List<long>();
            foreach (var item in pending.ItemsOfTeam(teamId))
            {
                pendingRefs.Add(item.Id);
                if (item.Recipient is not { } r || !own.TryGetValue(r, out var o) || item.EarliestAtMs < fromMs || item.EarliestAtMs >= toMs
                    || IsInbound(item.DimensionSetId)) continue;
                if (o.Window is { } w && TimeZones.LocalMinuteOfDay(o.Zone, item.EarliestAtMs) is var local && w.Contains(local))
                {
                    count++;
                    if (examples.Count < MaxExamples) examples.Add((r, item.Id, item.ItemId, item.EarliestAtMs, o.ZoneId, local, w, "contact"));
                }
                if (teamWindow is { } t && t.Contains(TimeZones.LocalMinuteOfDay(teamZone, item.EarliestAtMs)))
                {
                    count--;
                    byTeamRule--;
                }
            }
            if (teamRanges.Count > 0)
            {
                long theirs = contacts.CountItemsInRanges(teamId, own.Keys, Ms(teamRanges), inbound, pendingRefs);
                count -= theirs;
                byTeamRule -= theirs;
            }
            foreach (var group in own.Where(o => o.Value.Window is not null).GroupBy(o => (o.Value.ZoneId, o.Value.Window!.Value)))
            {
                var (zoneId, window) = group.Key;
                var zone = group.First().Value.Zone;
                var ranges = Ms(TimeZones.QuietRanges(zone, window, from.Value, to.Value));
                var recipients = group.Select(o => o.Key).ToList();
                long n = contacts.CountItemsInRanges(teamId, recipients, ranges, inbound, pendingRefs);
                count += n;
                if (n > 0 && examples.Count < MaxExamples)
                    foreach (var row in contacts.ItemsInRanges(teamId, recipients, ranges, inbound, pendingRefs, MaxExamples - examples.Count))
                        examples.Add((row.Recipient, row.ItemRef, null, row.EarliestAtMs, zoneId, TimeZones.LocalMinuteOfDay(zone, row.EarliestAtMs), window, "contact"));
            }
        }

        // Examples under the team's setting: the first items of its ranges (stored rows) that no own setting covers.
        if (teamWindow is { } tWindow && byTeamRule > 0)
        {
            foreach (var (s, e) in teamRanges)
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
        var limited = new List<(string Name, double Limit, double Threshold)>();
        foreach (var account in directory.ListAccounts(teamId))
            if (account.TpsLimit is > 0 and var limit) limited.Add((account.Name, limit, limit * 60)); // events in one minute above this exceed it
        var events = new long[limited.Count];
        var over = new long[limited.Count];
        var peaks = new long[limited.Count];
        var examples = new List<RateLimitViolation>();
        long teamEvents = 0, peak = 0;
        for (var hour = from.Floor(Granularity.Hour); hour < to; hour = hour.Next(Granularity.Hour))
        {
            var data = minutes.Of(teamId, hour);
            int lo = (int)Math.Max(0, from.Value - hour.Value), hi = (int)Math.Min(60, to.Value - hour.Value);
            for (int i = lo; i < hi; i++)
            {
                teamEvents += data.Team[i];
                peak = Math.Max(peak, data.Team[i]);
            }
            for (int a = 0; a < limited.Count; a++)
            {
                if (!data.ByAccount.TryGetValue(limited[a].Name, out var perMinute)) continue;
                for (int i = lo; i < hi; i++)
                {
                    long n = perMinute[i];
                    events[a] += n;
                    peaks[a] = Math.Max(peaks[a], n);
                    if (n <= limited[a].Threshold) continue;
                    over[a]++;
                    if (examples.Count < MaxExamples)
                        examples.Add(new RateLimitViolation(limited[a].Name, FormatTimestamp((hour.Value + i) * UtcMinute.MillisPerMinute),
                            Math.Round(n / 60.0, 4), limited[a].Limit));
                }
            }
        }
        var accounts = new List<AccountRateLimit>();
        long violations = 0;
        string worst = "excellent";
        for (int a = 0; a < limited.Count; a++)
        {
            string status = Status(over[a], windowMinutes);
            if (Rank(status) > Rank(worst)) worst = status;
            violations += over[a];
            accounts.Add(new AccountRateLimit(limited[a].Name, limited[a].Limit, over[a], Math.Round(events[a] / seconds, 4),
                Math.Round(peaks[a] / 60.0, 4), status));
        }
        return new RateLimitAdherence(violations, Math.Round(teamEvents / seconds, 4), Math.Round(peak / 60.0, 4), worst, accounts.Count,
            accounts, examples);
    }

    private static string Status(long violatingMinutes, long windowMinutes) =>
        violatingMinutes == 0 ? "excellent" : violatingMinutes <= GoodViolationShare * windowMinutes ? "good" : "poor";

    private static int Rank(string status) => status switch { "excellent" => 0, "good" => 1, _ => 2 };
}
