using Herald.Domain;
using Herald.Storage;
using Herald.Engine;

namespace Herald.Analytics.Consent;

public sealed record ConsentChange(string State, string Keyword, DateTimeOffset At);
public sealed record ContactConsent(string Recipient, string State, DateTimeOffset? Since, IReadOnlyList<ConsentChange> History);

public sealed record ConsentSummary(
    DateTimeOffset From, DateTimeOffset To, long ContactsWithConsent, long OptedIn, long OptedOut, long Stopped, double OptInRatePercent,
    long OptInsInWindow, long OptOutsInWindow, long StopsInWindow, long HelpRequestsInWindow);

public sealed record InboundSummary(
    DateTimeOffset From, DateTimeOffset To, long Messages, long UniqueSenders, DateTimeOffset? PeakHour, long PeakHourMessages,
    IReadOnlyDictionary<string, long> KeywordClasses, IReadOnlyList<long> MessagesByHourOfDay);

/// <summary>
/// Consent from inbound keywords (<see cref="ConsentKeywords"/>): a contact's state is the one its latest STOP/opt-out/START
/// keyword left (contacts that never sent one have no recorded consent). The writer records every keyword inbound in
/// <c>consent_changes</c> in the transaction of its raw event, so these answers read that table, never the raw events;
/// the state at a time is a replay of the keywords by time (at equal times the more restrictive state wins), whatever
/// order they arrived in (compliance judges sends against the same replay: <see cref="ComplianceAnalysis"/>).
/// </summary>
public sealed class ConsentAnalysis(IConsentReader reader)
{
    public ContactConsent Contact(int teamId, string recipient, long nowMs)
    {
        var history = new List<ConsentChange>();
        ConsentRow? last = null;
        foreach (var row in reader.ContactConsent(teamId, recipient, nowMs + 86_400_000L))
        {
            if (row.State == ConsentKeywords.HelpCode) continue;
            history.Add(new ConsentChange(ConsentKeywords.StateName(row.State), row.Keyword, Instants.At(row.OccurredAtMs)));
            last = row;
        }
        return last is { } l
            ? new ContactConsent(recipient, ConsentKeywords.StateName(l.State), Instants.At(l.OccurredAtMs), history)
            : new ContactConsent(recipient, "unknown", null, history);
    }

    public ConsentSummary Summary(int teamId, long fromMs, long toMs)
    {
        var states = reader.ConsentStates(teamId, toMs);
        var changes = reader.ConsentChanges(teamId, fromMs, toMs);
        long optedIn = states.GetValueOrDefault(ConsentKeywords.OptInCode), optedOut = states.GetValueOrDefault(ConsentKeywords.OptOutCode),
            stopped = states.GetValueOrDefault(ConsentKeywords.StoppedCode);
        long with = optedIn + optedOut + stopped;
        return new ConsentSummary(Instants.At(fromMs), Instants.At(toMs), with, optedIn, optedOut, stopped,
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
        return new InboundSummary(Instants.At(fromMs), Instants.At(toMs), counts.Messages, counts.UniqueSenders,
            peak < 0 ? null : Instants.At(peak * 3_600_000L), peakCount, classes, byHourOfDay);
    }
}
