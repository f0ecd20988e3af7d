using Herald.Domain;
using Herald.Storage;
using Herald.Engine;

namespace Herald.Analytics.Consent;

public sealed record ComplianceViolation(string Recipient, string ItemId, DateTimeOffset SentAt, string State, DateTimeOffset StateSince);

public sealed record ConsentVerification(
    long TotalMessagesSent, long ConsentVerifiedCount, double ComplianceRate, long MessagesToOptedOutContacts, long ContactsAffected,
    IReadOnlyList<ComplianceViolation> Examples);

public sealed record QuietHoursDto(string Start, string End);
public sealed record QuietHoursDefaultDto(string TimeZone, QuietHoursDto? QuietHours);
public sealed record QuietHoursViolation(string? Recipient, string ItemId, DateTimeOffset SentAt, string LocalTime, string TimeZone, QuietHoursDto QuietHours, string Setting);
public sealed record QuietHoursCompliance(
    long TotalMessagesSent, long MessagesDuringQuietHours, long? MessagesRescheduled, double ComplianceRate, long ContactsWithOwnSettings,
    QuietHoursDefaultDto TeamDefault, IReadOnlyList<QuietHoursViolation> Examples);

public sealed record AccountRateLimit(string Account, double TpsLimit, long RateLimitViolations, double AverageSendRate, double? PeakSendRate, string ComplianceStatus);
public sealed record RateLimitViolation(string Account, UtcMinute Minute, double SendRate, double TpsLimit);
public sealed record RateLimitAdherence(
    long RateLimitViolations, double AverageSendRate, double PeakSendRate, string ComplianceStatus, int AccountsWithLimits,
    IReadOnlyList<AccountRateLimit> Accounts, IReadOnlyList<RateLimitViolation> Examples);

/// <summary>
/// Whether every event counted in the window still has its raw record (the audit trail: what was reported, when it
/// arrived, its id and metadata). <c>events_logged</c> are the accepted events of the window (rollup cells);
/// <c>missing_audit_entries</c> those whose raw record raw-event retention has deleted (events before its horizon).
/// </summary>
public sealed record AuditTrailCompleteness(long EventsLogged, long MissingAuditEntries, double AuditCoverage, UtcMinute? RawEventsKeptFrom);

public sealed record ComplianceMetrics(
    ConsentVerification ConsentVerification, QuietHoursCompliance QuietHoursCompliance, RateLimitAdherence RateLimitAdherence,
    AuditTrailCompleteness AuditTrailCompleteness);

/// <summary>Seed 003's compliance monitoring; the first fields are the route's earlier answer, kept for its clients.</summary>
public sealed record ComplianceReport(
    UtcMinute From, UtcMinute To, long MessagesToOptedOutContacts, long ContactsAffected, IReadOnlyList<ComplianceViolation> Examples,
    ComplianceMetrics ComplianceMetrics);

/// <summary>
/// Seed 003's compliance metrics for one team and window (whole minutes). "Messages sent" are the outbound items (every
/// direction but inbound) whose earliest event is in the window, counted from the rollup cells.
/// <list type="bullet">
/// <item>Consent: those sent while their recipient was stopped or opted out (the replay of its keywords,
/// <see cref="ConsentTimelines"/>).</item>
/// <item>Quiet hours: those whose earliest event came at a local time inside the recipient's quiet window, in the
/// recipient's time zone (a contact's own settings, else the team's; <see cref="QuietRules"/>).</item>
/// <item>Rate limits: per account with a <c>tps_limit</c>, the minutes whose events per second (the account route's
/// <c>current_tps</c>) exceeded it, from minute cells read one hour at a time (<see cref="AccountMinutes"/>).</item>
/// <item>Audit trail: the window's events (rollup cells) and how many of them are before the raw events' retention
/// horizon (<see cref="RetentionHorizons.RawEvents"/>), so their raw records are gone.</item>
/// </list>
/// Consent and quiet hours are judged send by send, per hour of sends (<see cref="ComplianceHours"/>, which keeps the
/// tallies of whole hours until something they depend on changes).
/// </summary>
public sealed class ComplianceAnalysis(
    ComplianceHours hours, MetricsQuery metrics, AccountMinutes minutes, IContactSettingsStore contacts, IConsentReader items,
    IDirectoryStore directory, PendingRollups pending, RetentionHorizons? horizons = null)
{
    public const int MaxExamples = ComplianceTally.MaxExamples;
    /// <summary>Violating minutes up to this share of the window's minutes rate "good"; none is "excellent"; more is "poor".</summary>
    public const double GoodViolationShare = 0.01;

    public ComplianceReport Report(int teamId, long fromMs, long toMs)
    {
        var from = UtcMinute.FromUnixMillis(fromMs);
        var to = UtcMinute.FromUnixMillis(toMs);
        var rules = new QuietRules(contacts.ComplianceSettings(teamId), contacts.ListContacts(teamId));
        using (pending.Read())
        {
            var (sent, events) = SentAndEvents(teamId, from, to);
            var tallies = hours.Tallies(teamId, from, to, rules, out var consent);
            var ids = ItemIdsOfExamples(tallies);
            var c = ConsentOf(tallies, consent, ids);
            var verification = new ConsentVerification(sent, sent - c.Count, Rate(sent, c.Count), c.Count, c.Contacts, c.Examples);
            var quiet = QuietHours(tallies, rules, sent, ids);
            var rates = RateLimits(teamId, from, to);
            var audit = AuditTrail(teamId, from, to, events);
            return new ComplianceReport(from, to, c.Count, c.Contacts, c.Examples, new ComplianceMetrics(verification, quiet, rates, audit));
        }
    }

    private AuditTrailCompleteness AuditTrail(int teamId, UtcMinute from, UtcMinute to, long logged)
    {
        var kept = horizons?.RawEvents ?? new UtcMinute(long.MinValue);
        var gone = kept < to ? kept : to;
        long missing = from < gone ? metrics.Summary([teamId], MetricFilter.None, from, gone).Events : 0;
        return new AuditTrailCompleteness(logged, missing, Rate(logged, missing),
            kept.Value == long.MinValue ? null : kept);
    }

    /// <summary>
    /// The outbound items of [from, to) and how many of them went to stopped or opted-out contacts and inside quiet hours:
    /// the report's counts without its examples (what alert rules watch).
    /// </summary>
    public (long Sent, long OptedOut, long QuietHours) Violations(int teamId, UtcMinute from, UtcMinute to)
    {
        var rules = new QuietRules(contacts.ComplianceSettings(teamId), contacts.ListContacts(teamId));
        using (pending.Read())
        {
            long optedOut = 0, quiet = 0;
            foreach (var t in hours.Tallies(teamId, from, to, rules, out _))
            {
                optedOut += t.OptedOut;
                quiet += t.Quiet;
            }
            return (SentAndEvents(teamId, from, to).Sent, optedOut, quiet);
        }
    }

    /// <summary>
    /// Minutes of [from, to) in which an account sent more events per second than its <c>tps_limit</c>, summed over the
    /// team's accounts (the report's <c>rate_limit_violations</c>, what alert rules watch); 0 without any limit, read nothing then.
    /// </summary>
    public long RateLimitViolations(int teamId, UtcMinute from, UtcMinute to) =>
        directory.ListAccounts(teamId).Any(a => a.TpsLimit > 0) ? RateLimits(teamId, from, to).RateLimitViolations : 0;

    private static double Rate(long total, long violations) => total == 0 ? 100.0 : Math.Round((total - violations) * 100.0 / total, 2);

    private static readonly MetricFilter InboundOnly = new MetricFilter().Allow(Dimension.Direction, ["inbound"]);

    /// <summary>Items whose earliest event is in [from, to), less the inbound ones; and the window's events.</summary>
    private (long Sent, long Events) SentAndEvents(int teamId, UtcMinute from, UtcMinute to)
    {
        if (from >= to) return (0, 0);
        var all = metrics.Summary([teamId], MetricFilter.None, from, to);
        return (all.Total - metrics.Summary([teamId], InboundOnly, from, to).Total, all.Events);
    }

    /// <summary>The item ids of the stored items among the examples the answer shows (the first ones in time order).</summary>
    private IReadOnlyDictionary<long, string> ItemIdsOfExamples(List<ComplianceTally> tallies)
    {
        var refs = new List<long>();
        int consent = 0, quiet = 0;
        foreach (var t in tallies)
        {
            foreach (var e in t.ConsentExamples)
                if (consent++ < MaxExamples && e.ItemId is null) refs.Add(e.ItemRef);
            foreach (var e in t.QuietExamples)
                if (quiet++ < MaxExamples && e.ItemId is null) refs.Add(e.ItemRef);
        }
        return items.ItemIdsOf(refs);
    }

    private static (long Count, long Contacts, List<ComplianceViolation> Examples) ConsentOf(
        List<ComplianceTally> tallies, TeamConsent consent, IReadOnlyDictionary<long, string> ids)
    {
        long count = 0, distinct = 0;
        var seen = new bool[consent.Count];
        var examples = new List<ComplianceViolation>();
        foreach (var t in tallies)
        {
            count += t.OptedOut;
            foreach (int contact in t.Contacts)
                if (!seen[contact])
                {
                    seen[contact] = true;
                    distinct++;
                }
            foreach (var e in t.ConsentExamples)
                if (examples.Count < MaxExamples)
                    examples.Add(new ComplianceViolation(e.Contact.Recipient, e.ItemId ?? ids.GetValueOrDefault(e.ItemRef, ""), Instants.At(e.AtMs),
                        ConsentKeywords.StateName(e.State), Instants.At(e.SinceMs)));
        }
        return (count, distinct, examples);
    }

    private static QuietHoursCompliance QuietHours(List<ComplianceTally> tallies, QuietRules rules, long sent, IReadOnlyDictionary<long, string> ids)
    {
        long count = 0;
        var examples = new List<QuietHoursViolation>();
        foreach (var t in tallies)
        {
            count += t.Quiet;
            foreach (var e in t.QuietExamples)
            {
                if (examples.Count >= MaxExamples) break;
                var rule = rules[e.Rule];
                examples.Add(new QuietHoursViolation(e.Recipient, e.ItemId ?? ids.GetValueOrDefault(e.ItemRef, ""), Instants.At(e.AtMs),
                    QuietWindow.Format(TimeZones.LocalMinuteOfDay(rule.Zone, e.AtMs)), rule.ZoneId, Dto(rule.Window), rule.Setting));
            }
        }
        var team = rules.Team;
        return new QuietHoursCompliance(sent, count, null, Rate(sent, count), rules.ContactsWithOwnSettings,
            new QuietHoursDefaultDto(team.ZoneId, team.Window is { } d ? Dto(d) : null), examples);
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
                        examples.Add(new RateLimitViolation(limited[a].Name, new UtcMinute(hour.Value + i),
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
