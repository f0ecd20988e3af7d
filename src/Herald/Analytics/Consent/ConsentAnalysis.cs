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
/// keyword left (contacts that never sent one have no recorded consent). The writer records every keyword inbound in
/// <c>consent_changes</c> in the transaction of its raw event, so these answers read that table, never the raw events;
/// the state at a time is a replay of the keywords by time (at equal times the more restrictive state wins), whatever
/// order they arrived in. Compliance counts outbound items whose earliest event came while their recipient was stopped or
/// opted out.
/// </summary>
public sealed class ConsentAnalysis(IConsentReader reader, PendingRollups pending, DimensionRegistry registry)
{
    public const int MaxExamples = 20;

    public ContactConsent Contact(int teamId, string recipient, long nowMs)
    {
        var history = new List<ConsentChange>();
        ConsentRow? last = null;
        foreach (var row in reader.ContactConsent(teamId, recipient, nowMs + 86_400_000L))
        {
            if (row.State == ConsentKeywords.HelpCode) continue;
            history.Add(new ConsentChange(ConsentKeywords.StateName(row.State), row.Keyword, FormatTimestamp(row.OccurredAtMs)));
            last = row;
        }
        return last is { } l
            ? new ContactConsent(recipient, ConsentKeywords.StateName(l.State), FormatTimestamp(l.OccurredAtMs), history)
            : new ContactConsent(recipient, "unknown", null, history);
    }

    public ConsentSummary Summary(int teamId, long fromMs, long toMs)
    {
        var states = reader.ConsentStates(teamId, toMs);
        var changes = reader.ConsentChanges(teamId, fromMs, toMs);
        long optedIn = states.GetValueOrDefault(ConsentKeywords.OptInCode), optedOut = states.GetValueOrDefault(ConsentKeywords.OptOutCode),
            stopped = states.GetValueOrDefault(ConsentKeywords.StoppedCode);
        long with = optedIn + optedOut + stopped;
        return new ConsentSummary(FormatTimestamp(fromMs), FormatTimestamp(toMs), with, optedIn, optedOut, stopped,
            MetricTotals.Percent(optedIn, with), changes.GetValueOrDefault(ConsentKeywords.OptInCode),
            changes.GetValueOrDefault(ConsentKeywords.OptOutCode), changes.GetValueOrDefault(ConsentKeywords.StoppedCode),
            changes.GetValueOrDefault(ConsentKeywords.HelpCode));
    }

    /// <summary>
    /// Inbound volume, distinct senders and the peak UTC hour from the index of texts; keyword classes from the keywords the
    /// writer recorded (consent_changes) plus the keyword texts that came without a sender; <c>other</c> is the rest.
    /// </summary>
    public InboundSummary Inbound(int teamId, long fromMs, long toMs)
    {
        var counts = reader.Inbound(teamId, fromMs, toMs);
        var byHourOfDay = new long[24];
        long peak = -1, peakCount = 0;
        foreach (var (hour, count) in counts.ByHour)
        {
            byHourOfDay[(int)(hour % 24)] += count;
            if (count > peakCount || (count == peakCount && hour < peak)) (peak, peakCount) = (hour, count);
        }
        var classes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var c in Enum.GetValues<KeywordClass>()) classes[ConsentKeywords.Name(c)] = 0;
        long keywords = 0;
        foreach (var (code, count) in reader.ConsentChanges(teamId, fromMs, toMs))
        {
            classes[ConsentKeywords.Name(ConsentKeywords.ClassOf(code))] += count;
            keywords += count;
        }
        foreach (var text in counts.ShortTextsWithoutSender)
            if (ConsentKeywords.Classify(text) is var c and not KeywordClass.Other)
            {
                classes[ConsentKeywords.Name(c)]++;
                keywords++;
            }
        // Past the raw events' retention the keywords outlive their texts; the rest is never negative.
        classes[ConsentKeywords.Name(KeywordClass.Other)] = Math.Max(0, counts.Messages - keywords);
        return new InboundSummary(FormatTimestamp(fromMs), FormatTimestamp(toMs), counts.Messages, counts.UniqueSenders,
            peak < 0 ? null : FormatTimestamp(peak * 3_600_000L), peakCount, classes, byHourOfDay);
    }

    public ComplianceSummary Compliance(int teamId, long fromMs, long toMs) => ConsentCompliance(teamId, fromMs, toMs);

    /// <summary>
    /// Outbound items (every direction but inbound) whose earliest event is in the window and came while their recipient was
    /// stopped or opted out: the stored items counted by one merge join in SQLite (opted-out spans × the covering recipient
    /// index), the writer's unflushed item states judged here instead of their stored rows, all under the pending read lock
    /// so no flush moves items between the two halves.
    /// </summary>
    private ComplianceSummary ConsentCompliance(int teamId, long fromMs, long toMs)
    {
        long count = 0;
        var affected = new HashSet<string>(StringComparer.Ordinal);
        var examples = new List<(string Recipient, long Ref, string? ItemId, long At, int State, long Since)>();
        using (pending.Read())
        {
            var inbound = InboundSets(teamId);
            var pendingRefs = new List<long>();
            var pendingItems = new List<ItemRecord>();
            foreach (var item in pending.ItemsOfTeam(teamId))
            {
                pendingRefs.Add(item.Id);
                if (item.Recipient is not null && item.EarliestAtMs >= fromMs && item.EarliestAtMs < toMs && !IsInbound(item.DimensionSetId))
                    pendingItems.Add(item);
            }
            foreach (var (recipient, n) in reader.CountOptedOutItems(teamId, fromMs, toMs, inbound, pendingRefs))
            {
                count += n;
                affected.Add(recipient);
            }
            if (count > 0)
                foreach (var row in reader.OptedOutItems(teamId, fromMs, toMs, inbound, pendingRefs, MaxExamples))
                    examples.Add((row.Recipient, row.ItemRef, null, row.EarliestAtMs, row.State, row.StateSinceMs));
            if (pendingItems.Count > 0)
            {
                var recipients = new HashSet<string>(StringComparer.Ordinal);
                foreach (var item in pendingItems) recipients.Add(item.Recipient!);
                var timelines = reader.ConsentOf(teamId, recipients);
                foreach (var item in pendingItems)
                {
                    if (!timelines.TryGetValue(item.Recipient!, out var timeline) || StateAt(timeline, item.EarliestAtMs) is not { State: >= ConsentKeywords.OptOutCode } state)
                        continue;
                    count++;
                    affected.Add(item.Recipient!);
                    if (examples.Count < MaxExamples) examples.Add((item.Recipient!, item.Id, item.ItemId, item.EarliestAtMs, state.State, state.OccurredAtMs));
                }
            }
        }
        var ids = reader.ItemIdsOf(examples.Where(e => e.ItemId is null).Select(e => e.Ref).ToList());
        var list = examples
            .OrderBy(e => e.At).ThenBy(e => e.Recipient, StringComparer.Ordinal)
            .Select(e => new ComplianceViolation(e.Recipient, e.ItemId ?? ids.GetValueOrDefault(e.Ref, ""), FormatTimestamp(e.At),
                ConsentKeywords.StateName(e.State), FormatTimestamp(e.Since)))
            .ToList();
        return new ComplianceSummary(FormatTimestamp(fromMs), FormatTimestamp(toMs), count, affected.Count, list);
    }

    /// <summary>The team's dimension sets whose direction is inbound. Caller holds the pending read lock.</summary>
    internal List<int> InboundSets(int teamId)
    {
        var sets = new List<int>();
        foreach (int id in registry.SetsOf(teamId))
            if (IsInbound(id)) sets.Add(id);
        return sets;
    }

    private bool IsInbound(int dimensionSetId) => registry.Get(dimensionSetId).Direction == "inbound";

    /// <summary>The change in force at <paramref name="atMs"/> (the last at or before it, in replay order), or null.</summary>
    private static ConsentRow? StateAt(List<ConsentRow> list, long atMs)
    {
        ConsentRow? current = null;
        foreach (var t in list)
        {
            if (t.OccurredAtMs > atMs) break;
            current = t;
        }
        return current;
    }
}
