using System.Text.Json.Serialization;
using Herald.Analytics.Failures;
using Herald.Domain;
using Herald.Storage;
using Herald.Engine;

namespace Herald.Analytics.Consent;

/// <summary>One change of a contact's consent: a keyword it sent (<see cref="Source"/> <c>inbound_keyword</c>), or one recorded through the API (<see cref="Keyword"/> null).</summary>
public sealed record ConsentChange(string State, string? Keyword, DateTimeOffset At, string Source);
public sealed record ContactConsent(string Recipient, string State, DateTimeOffset? Since, IReadOnlyList<ConsentChange> History);

public sealed record ConsentRates(double OptInRate, double OptOutRate, double StopRate);

/// <summary>Opt-outs (opt-out and stop changes) in the 24 hours ending at the window's end and the 24 hours before; fewer is <c>improving</c>.</summary>
public sealed record DailyOptOuts(long Today, long Yesterday, string Trend);

public sealed record ConsentTrends(DailyOptOuts DailyOptOuts, [property: JsonPropertyName("stop_commands_24h")] long StopCommands24h);

/// <summary>Seed 003's <c>consent_analytics</c>: the contacts by state at the window's end, their shares, and the last two days' opt-outs.</summary>
public sealed record ConsentAnalytics(long OptInUsers, long OptOutUsers, long StopUsers, ConsentRates ConsentRates, ConsentTrends ConsentTrends);

public sealed record ConsentSummary(
    DateTimeOffset From, DateTimeOffset To, long ContactsWithConsent, long OptedIn, long OptedOut, long Stopped, double OptInRatePercent,
    long OptInsInWindow, long OptOutsInWindow, long StopsInWindow, long HelpRequestsInWindow, ConsentAnalytics ConsentAnalytics);

/// <summary>Seed 003's <c>volume_metrics</c>: <c>peak_hour</c> is the busiest UTC hour of the window as <c>14:00-15:00</c>.</summary>
public sealed record InboundVolume(long TotalInbound, long UniqueSenders, double MessagesPerUserAvg, string? PeakHour, long PeakVolume);

/// <summary>
/// Seed 003's <c>content_analysis</c>: stop requests are the STOP and opt-out keywords, help requests HELP and INFO, order
/// inquiries the other texts that ask about an order (<see cref="InboundContent"/>), general messages the rest. The seed's
/// own names (<c>stop_commands</c>, <c>general_responses</c>) stand beside the same counts.
/// </summary>
public sealed record InboundContentAnalysis(long StopRequests, long HelpRequests, long OrderInquiries, long GeneralMessages)
{
    public long StopCommands => StopRequests;
    public long GeneralResponses => GeneralMessages;
}

public sealed record InboundSummary(
    DateTimeOffset From, DateTimeOffset To, long Messages, long UniqueSenders, DateTimeOffset? PeakHour, long PeakHourMessages,
    IReadOnlyDictionary<string, long> KeywordClasses, IReadOnlyList<long> MessagesByHourOfDay, InboundVolume VolumeMetrics,
    InboundContentAnalysis ContentAnalysis, ResponsePatternsSummary? ResponsePatterns);

/// <summary>
/// Consent from inbound keywords (<see cref="ConsentKeywords"/>): a contact's state is the one its latest STOP/opt-out/START
/// keyword left (contacts that never sent one have no recorded consent). The writer records every keyword inbound in
/// <c>consent_changes</c> in the transaction of its raw event, so these answers read that table, never the raw events;
/// the state at a time is a replay of the keywords by time (at equal times the more restrictive state wins), whatever
/// order they arrived in (compliance judges sends against the same replay: <see cref="ComplianceAnalysis"/>).
/// </summary>
public sealed class ConsentAnalysis(IConsentReader reader, ResponsePatterns? responses = null)
{
    public const string KeywordSource = "inbound_keyword";
    private const long DayMs = 86_400_000L;

    public ContactConsent Contact(int teamId, string recipient, long nowMs)
    {
        var history = new List<ConsentChange>();
        ConsentRow? last = null;
        foreach (var row in reader.ContactConsent(teamId, recipient, nowMs + 86_400_000L))
        {
            if (row.State == ConsentKeywords.HelpCode) continue;
            history.Add(new ConsentChange(ConsentKeywords.StateName(row.State), row.Keyword, Instants.At(row.OccurredAtMs), row.Source ?? KeywordSource));
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
        var today = fromMs == toMs - DayMs ? changes : reader.ConsentChanges(teamId, toMs - DayMs, toMs);
        var yesterday = reader.ConsentChanges(teamId, toMs - 2 * DayMs, toMs - DayMs);
        static long OptOuts(IReadOnlyDictionary<int, long> c) => c.GetValueOrDefault(ConsentKeywords.OptOutCode) + c.GetValueOrDefault(ConsentKeywords.StoppedCode);
        var (todayOptOuts, yesterdayOptOuts) = (OptOuts(today), OptOuts(yesterday));
        var trend = FailureTrend.Of(todayOptOuts, yesterdayOptOuts).Trend switch
        {
            FailureTrend.Increasing => "worsening",
            FailureTrend.Decreasing => "improving",
            _ => "stable",
        };
        var analytics = new ConsentAnalytics(optedIn, optedOut, stopped,
            new ConsentRates(MetricTotals.Percent(optedIn, with), MetricTotals.Percent(optedOut, with), MetricTotals.Percent(stopped, with)),
            new ConsentTrends(new DailyOptOuts(todayOptOuts, yesterdayOptOuts, trend), today.GetValueOrDefault(ConsentKeywords.StoppedCode)));
        return new ConsentSummary(Instants.At(fromMs), Instants.At(toMs), with, optedIn, optedOut, stopped,
            MetricTotals.Percent(optedIn, with), changes.GetValueOrDefault(ConsentKeywords.OptInCode),
            changes.GetValueOrDefault(ConsentKeywords.OptOutCode), changes.GetValueOrDefault(ConsentKeywords.StoppedCode),
            changes.GetValueOrDefault(ConsentKeywords.HelpCode), analytics);
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
        foreach (var (code, count) in reader.ConsentKeywordsReceived(teamId, fromMs, toMs))
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
        long other = classes[ConsentKeywords.Name(KeywordClass.Other)] = Math.Max(0, counts.Messages - keywords);

        long orders = 0;
        reader.ForEachInboundText(teamId, fromMs, toMs, text =>
        {
            if (InboundContent.IsOrderInquiry(text) && ConsentKeywords.Classify(text) == KeywordClass.Other) orders++;
        });
        orders = Math.Min(orders, other);
        long stops = classes[ConsentKeywords.Name(KeywordClass.Stop)] + classes[ConsentKeywords.Name(KeywordClass.OptOut)];
        var content = new InboundContentAnalysis(stops, classes[ConsentKeywords.Name(KeywordClass.Help)], orders,
            Math.Max(0, counts.Messages - stops - classes[ConsentKeywords.Name(KeywordClass.Help)] - orders));
        var volume = new InboundVolume(counts.Messages, counts.UniqueSenders,
            counts.UniqueSenders == 0 ? 0 : Math.Round((double)counts.Messages / counts.UniqueSenders, 2),
            peak < 0 ? null : $"{peak % 24:00}:00-{(peak + 1) % 24:00}:00", peakCount);
        return new InboundSummary(Instants.At(fromMs), Instants.At(toMs), counts.Messages, counts.UniqueSenders,
            peak < 0 ? null : Instants.At(peak * 3_600_000L), peakCount, classes, byHourOfDay, volume, content,
            responses?.Of(teamId, fromMs, toMs, keywords));
    }
}
