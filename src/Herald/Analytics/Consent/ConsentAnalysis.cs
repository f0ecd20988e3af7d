using Herald.Domain;
using Herald.Storage;
using static Herald.Ingestion.EventParser;

namespace Herald.Analytics.Consent;

public sealed record ConsentChange(string State, string Keyword, string At);
public sealed record ContactConsent(string Recipient, string State, string? Since, IReadOnlyList<ConsentChange> History);

public sealed record ConsentSummary(
    string From, string To, long ContactsWithConsent, long OptedIn, long OptedOut, long Stopped, double OptInRatePercent,
    long OptInsInWindow, long OptOutsInWindow, long StopsInWindow, long HelpRequestsInWindow);

public sealed record InboundSummary(
    string From, string To, long Messages, long UniqueSenders, string? PeakHour, long PeakHourMessages,
    IReadOnlyDictionary<string, long> KeywordClasses, IReadOnlyList<long> MessagesByHourOfDay);

public sealed record ComplianceViolation(string Recipient, string ItemId, string SentAt, string State, string StateSince);
public sealed record ComplianceSummary(
    string From, string To, long MessagesToOptedOutContacts, long ContactsAffected, IReadOnlyList<ComplianceViolation> Examples);

/// <summary>
/// Consent from inbound keywords (<see cref="ConsentKeywords"/>): a contact's state is the one its latest STOP/opt-out/START
/// keyword left (contacts that never sent one have no recorded consent). Read from the raw events through partial indexes
/// of short texts, so it always agrees with what was accepted. Compliance counts outbound items whose earliest event came
/// while their recipient was stopped or opted out.
/// </summary>
public sealed class ConsentAnalysis(IConsentReader reader, IItemReader items, PendingRollups pending, DimensionRegistry registry)
{
    public const int MaxExamples = 20;
    private const int ItemsPerContact = 1_000;

    private sealed record Transition(long AtMs, string State, string Keyword);

    /// <summary>Each contact's consent transitions before <paramref name="untilMs"/>, oldest first.</summary>
    private Dictionary<string, List<Transition>> Timelines(int teamId, long untilMs, string? recipient = null)
    {
        var timelines = new Dictionary<string, List<Transition>>(StringComparer.Ordinal);
        foreach (var e in reader.KeywordEvents(teamId, untilMs, recipient))
        {
            var c = ConsentKeywords.Classify(e.Text);
            if (ConsentKeywords.StateAfter(c) is not { } state || e.Recipient is null) continue;
            (timelines.TryGetValue(e.Recipient, out var list) ? list : timelines[e.Recipient] = []).Add(new Transition(e.OccurredAtMs, state, e.Text.Trim()));
        }
        return timelines;
    }

    public ContactConsent Contact(int teamId, string recipient, long nowMs)
    {
        var list = Timelines(teamId, nowMs + 86_400_000L, recipient).GetValueOrDefault(recipient) ?? [];
        var history = list.Select(t => new ConsentChange(t.State, t.Keyword, FormatTimestamp(t.AtMs))).ToList();
        return list.Count == 0
            ? new ContactConsent(recipient, "unknown", null, history)
            : new ContactConsent(recipient, list[^1].State, FormatTimestamp(list[^1].AtMs), history);
    }

    public ConsentSummary Summary(int teamId, long fromMs, long toMs)
    {
        long optedIn = 0, optedOut = 0, stopped = 0, ins = 0, outs = 0, stops = 0, help = 0;
        foreach (var e in reader.KeywordEvents(teamId, toMs))
            if (e.OccurredAtMs >= fromMs && ConsentKeywords.Classify(e.Text) == KeywordClass.Help) help++;
        foreach (var (_, list) in Timelines(teamId, toMs))
        {
            switch (list[^1].State)
            {
                case "opt-in": optedIn++; break;
                case "opt-out": optedOut++; break;
                default: stopped++; break;
            }
            foreach (var t in list)
            {
                if (t.AtMs < fromMs) continue;
                if (t.State == "opt-in") ins++;
                else if (t.State == "opt-out") outs++;
                else stops++;
            }
        }
        long with = optedIn + optedOut + stopped;
        return new ConsentSummary(FormatTimestamp(fromMs), FormatTimestamp(toMs), with, optedIn, optedOut, stopped,
            MetricTotals.Percent(optedIn, with), ins, outs, stops, help);
    }

    public InboundSummary Inbound(int teamId, long fromMs, long toMs)
    {
        var texts = reader.InboundTexts(teamId, fromMs, toMs);
        var senders = new HashSet<string>(StringComparer.Ordinal);
        var byHour = new Dictionary<long, long>();
        var byHourOfDay = new long[24];
        var classes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var c in Enum.GetValues<KeywordClass>()) classes[ConsentKeywords.Name(c)] = 0;
        foreach (var t in texts)
        {
            if (t.Recipient is not null) senders.Add(t.Recipient);
            long hour = t.OccurredAtMs / 3_600_000L;
            byHour[hour] = byHour.GetValueOrDefault(hour) + 1;
            byHourOfDay[(int)(hour % 24)]++;
            classes[ConsentKeywords.Name(ConsentKeywords.Classify(t.Text))]++;
        }
        long peak = -1, peakCount = 0;
        foreach (var (hour, count) in byHour)
            if (count > peakCount || (count == peakCount && hour < peak)) (peak, peakCount) = (hour, count);
        return new InboundSummary(FormatTimestamp(fromMs), FormatTimestamp(toMs), texts.Count, senders.Count,
            peak < 0 ? null : FormatTimestamp(peak * 3_600_000L), peakCount, classes, byHourOfDay);
    }

    public ComplianceSummary Compliance(int teamId, long fromMs, long toMs)
    {
        long count = 0, contacts = 0;
        var examples = new List<ComplianceViolation>();
        foreach (var (recipient, list) in Timelines(teamId, toMs))
        {
            if (!list.Exists(t => t.State != "opt-in")) continue;
            bool affected = false;
            foreach (var item in ItemsOf(teamId, recipient))
            {
                long at = item.EarliestAtMs;
                if (at < fromMs || at >= toMs || registry.Get(item.DimensionSetId).Direction == "inbound") continue;
                var state = StateAt(list, at);
                if (state is null || state.State == "opt-in") continue;
                count++;
                affected = true;
                if (examples.Count < MaxExamples)
                    examples.Add(new ComplianceViolation(recipient, item.ItemId, FormatTimestamp(at), state.State, FormatTimestamp(state.AtMs)));
            }
            if (affected) contacts++;
        }
        return new ComplianceSummary(FormatTimestamp(fromMs), FormatTimestamp(toMs), count, contacts, examples);
    }

    private static Transition? StateAt(List<Transition> list, long atMs)
    {
        Transition? current = null;
        foreach (var t in list)
        {
            if (t.AtMs > atMs) break;
            current = t;
        }
        return current;
    }

    /// <summary>A recipient's items as they are now: the writer's unflushed state wins over the stored rows.</summary>
    private List<ItemRecord> ItemsOf(int teamId, string recipient)
    {
        var latest = new Dictionary<string, ItemRecord>(StringComparer.Ordinal);
        using (pending.Read())
        {
            foreach (var item in items.RecipientHistory(teamId, recipient, ItemsPerContact)) latest[item.ItemId] = item;
            foreach (var item in pending.ItemsOfRecipient(teamId, recipient)) latest[item.ItemId] = item;
        }
        return latest.Values.ToList();
    }
}
