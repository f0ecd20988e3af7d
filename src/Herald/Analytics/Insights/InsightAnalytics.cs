using System.Globalization;
using Herald.Analytics.Consent;
using Herald.Analytics.Failures;
using Herald.Domain;
using Herald.Engine;
using Herald.Storage;

namespace Herald.Analytics.Insights;

/// <summary>One insight question: a team, a window [from, to) in Unix ms, and the usual dimension filter.</summary>
public sealed record InsightQuery(int TeamId, long FromMs, long ToMs, MetricFilter Filter);

/// <summary>A template's volume and its delivery, read and reply rates with 95 % intervals.</summary>
public sealed record TemplateRow(string Template, long Sent, RateInterval DeliveryRate, RateInterval ReadRate, RateInterval ReplyRate);

/// <summary>A row picked as best or worst on one metric, only when its interval separates from every other row's.</summary>
public sealed record PickedRow(string Metric, string Name, RateInterval Rate);

public sealed record TemplatesInsight(DateTimeOffset From, DateTimeOffset To, long MinVolume, IReadOnlyList<TemplateRow> Templates,
    IReadOnlyList<PickedRow> Best, IReadOnlyList<PickedRow> Worst, string? Reason);

/// <summary>One (campaign, segment) row of seed 003's campaign effectiveness by segment.</summary>
public sealed record SegmentCampaignRow(string CampaignId, string CampaignName, string SegmentId, string SegmentName, bool DeclaredSegment,
    long MessagesSent, long Delivered, RateInterval DeliveryRate);

/// <summary>One segment over every campaign: its size (recipients it holds among those known) and its rates.</summary>
public sealed record SegmentRow(string SegmentId, string SegmentName, long Size, long MessagesSent, RateInterval DeliveryRate, RateInterval ReadRate);

/// <summary>Segments grouped by size: delivery and engagement (read rate) per bucket.</summary>
public sealed record SegmentSizeBucket(string Bucket, long Segments, long MessagesSent, RateInterval DeliveryRate, RateInterval ReadRate);

public sealed record SegmentsInsight(DateTimeOffset From, DateTimeOffset To, long MinVolume, IReadOnlyList<SegmentCampaignRow> Rows,
    IReadOnlyList<SegmentRow> Segments, IReadOnlyList<SegmentSizeBucket> SizeBuckets, string? LowestSegment, string? HighestSegment, string? Reason);

/// <summary>Seed 003's user journey for one consent state: users, messages and responses per user, share who responded.</summary>
public sealed record FunnelRow(string ConsentState, long Users, long MessagesReceived, long Responses, double? AvgMessagesReceived,
    double? AvgResponses, RateInterval EngagementRate);

public sealed record EngagementFunnelInsight(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<FunnelRow> States);

/// <summary>Rates of messages sent in one local hour of one weekday (point values; counts beside them).</summary>
public sealed record SendTimeCell(string Weekday, int Hour, long Sent, long Delivered, long Read, long Replied,
    double? DeliveryRate, double? ReadRate, double? ReplyRate);

/// <summary>A local hour over every weekday, with 95 % intervals.</summary>
public sealed record SendHourRow(int Hour, long Sent, RateInterval DeliveryRate, RateInterval ReadRate, RateInterval ReplyRate);

/// <summary>A recommended local send window: its read rate beats every other hour's pooled, on Bonferroni intervals.</summary>
public sealed record SendWindow(int HourStart, int HourEnd, string Metric, RateInterval Rate, RateInterval Rest);

/// <summary>How each message's local time was found: the contact's own zone, its country's main zone, or the team's.</summary>
public sealed record ZoneSources(long Contact, long Country, long Team);

public sealed record SendTimesInsight(DateTimeOffset From, DateTimeOffset To, string TeamTimeZone, ZoneSources ZoneSources,
    IReadOnlyList<SendTimeCell> Cells, IReadOnlyList<SendHourRow> Hours, SendWindow? Recommendation, string? Reason);

/// <summary>Minutes whose achieved send rate fell in [TpsFrom, TpsTo): their failure rate and the rate_limit share of the failures.</summary>
public sealed record TpsBucket(double TpsFrom, double TpsTo, long Minutes, long Sent, long Failed, long RateLimited,
    RateInterval FailureRate, double? RateLimitShare, bool SignificantlyAboveBaseline);

public sealed record RateLimitRow(string? Route, string? Provider, string? Account, double PeakTps, double? CurrentTpsLimit,
    IReadOnlyList<TpsBucket> Buckets, double? BaselineFailureRate, double? RecommendedMaxTps, string? Reason);

public sealed record RateLimitsInsight(DateTimeOffset From, DateTimeOffset To, long MinVolume, IReadOnlyList<RateLimitRow> Routes);

/// <summary>
/// Seed 003's insights that say what to change (segments, engagement by consent state, templates, send times, rate ceilings).
/// Templates and send times answer from the rollup cells (stored and pending, like the metrics), segments from their
/// members' items read through the index by recipient, the engagement funnel from the index by earliest event alone; rate
/// ceilings read every item of the window (docs/PERFORMANCE.md, "Insights", says what each costs). A rate is a Wilson interval; a recommendation needs <see cref="Significance.MinVolume"/>
/// messages and an interval that separates, so with no effect nothing is recommended, and the answer says why.
/// </summary>
public sealed class InsightAnalytics(InsightItems items, MetricsQuery metrics, DimensionRegistry registry, ICampaignStore campaigns,
    IContactSettingsStore contacts, IDirectoryStore directory, ConsentTimelines consent, PendingRollups pending)
{
    private const long MinuteMs = 60_000;
    private static readonly string[] Weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
    private static readonly (long Below, string Name)[] SizeBuckets = [(100, "1-99"), (1_000, "100-999"), (10_000, "1000-9999"), (long.MaxValue, "10000+")];

    private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private List<InsightItem> Outbound(InsightQuery q) => items.Read(q.TeamId, q.FromMs, q.ToMs, q.Filter).Where(i => !i.Inbound).ToList();

    private static UtcMinute FromMinute(InsightQuery q) => UtcMinute.FromUnixMillis(q.FromMs);
    private static UtcMinute ToMinute(InsightQuery q) => UtcMinute.FromUnixMillis(q.ToMs);

    /// <summary>From the rollup cells (stored and pending) per dimension set: a cell counts its items by current status.</summary>
    public TemplatesInsight Templates(InsightQuery q)
    {
        var byTemplate = new Dictionary<string, Tally>(StringComparer.Ordinal);
        foreach (var (set, cells) in metrics.BySet(q.TeamId, FromMinute(q), ToMinute(q), latency: false))
            if (!set.IsInbound && set.Template is { } t && q.Filter.Matches(set)) Of(byTemplate, t).Add(set.Kind, cells);
        var rows = byTemplate.Select(p => new TemplateRow(p.Key, p.Value.Sent, p.Value.DeliveryRate(), p.Value.ReadRate(), p.Value.ReplyRate()))
            .OrderByDescending(r => r.DeliveryRate.Rate).ThenByDescending(r => r.Sent).ThenBy(r => r.Template, StringComparer.Ordinal).ToList();
        var best = new List<PickedRow>();
        var worst = new List<PickedRow>();
        foreach (var (metric, rate) in new (string, Func<TemplateRow, RateInterval>)[] { ("delivery_rate", r => r.DeliveryRate), ("read_rate", r => r.ReadRate), ("reply_rate", r => r.ReplyRate) })
        {
            var rates = rows.Select(rate).ToList();
            var (b, w) = Separation.Of(rates, Significance.MinVolume);
            if (b is { } bi) best.Add(new PickedRow(metric, rows[bi].Template, rates[bi]));
            if (w is { } wi) worst.Add(new PickedRow(metric, rows[wi].Template, rates[wi]));
        }
        string? reason = best.Count + worst.Count > 0 ? null : Separation.NoRecommendationReason(rows.Select(r => r.DeliveryRate).ToList(), Significance.MinVolume, "templates");
        return new TemplatesInsight(At(q.FromMs), At(q.ToMs), Significance.MinVolume, rows, best, worst, reason);
    }

    /// <summary>
    /// Reads the items of the segments' possible members only, through the index by recipient (see <see cref="Candidates"/>);
    /// every item of the window only when a rule may hold recipients Herald knows from the window alone.
    /// </summary>
    public SegmentsInsight Segments(InsightQuery q)
    {
        var segments = campaigns.ListSegments(q.TeamId).Select(s => (Record: s, Rule: SegmentRule.Parse(System.Text.Json.JsonDocument.Parse(s.RuleJson).RootElement))).ToList();
        var declared = campaigns.ListCampaigns(q.TeamId).ToDictionary(c => c.CampaignId, StringComparer.Ordinal);
        var contactOf = contacts.ListContacts(q.TeamId).ToDictionary(c => c.Recipient, StringComparer.Ordinal);
        var rules = segments.Select(s => s.Rule).ToList();
        var candidates = Candidates(q, rules, contactOf);
        HashSet<string>? wanted = null;
        if (candidates.All(c => c is not null))
        {
            wanted = new HashSet<string>(StringComparer.Ordinal);
            foreach (var c in candidates) wanted.UnionWith(c!);
        }
        var outbound = items.Read(q.TeamId, q.FromMs, q.ToMs, q.Filter, wanted).Where(i => !i.Inbound).ToList();
        var members = Members(q, rules, candidates, contactOf, outbound.Select(i => i.Recipient));

        var cells = new Dictionary<(string Campaign, int Segment), Tally>();
        var totals = segments.Select(_ => new Tally()).ToArray();
        foreach (var item in outbound)
        {
            if (item.Recipient is not { } r) continue;
            for (int s = 0; s < segments.Count; s++)
            {
                if (!members[s].Contains(r)) continue;
                totals[s].Add(item);
                if (item.Dims.Campaign is { } c) Of(cells, (c, s)).Add(item);
            }
        }
        var rows = cells.Select(p =>
            {
                var seg = segments[p.Key.Segment].Record;
                var campaign = declared.GetValueOrDefault(p.Key.Campaign);
                return new SegmentCampaignRow(p.Key.Campaign, campaign?.Name ?? p.Key.Campaign, seg.SegmentId, seg.Name, campaign?.SegmentId == seg.SegmentId,
                    p.Value.Sent, p.Value.Delivered, p.Value.DeliveryRate());
            })
            .OrderByDescending(r => r.DeliveryRate.Rate).ThenByDescending(r => r.MessagesSent).ThenBy(r => r.CampaignId, StringComparer.Ordinal)
            .ThenBy(r => r.SegmentId, StringComparer.Ordinal).ToList();
        var segmentRows = segments.Select((s, i) => new SegmentRow(s.Record.SegmentId, s.Record.Name, members[i].Count, totals[i].Sent,
            totals[i].DeliveryRate(), totals[i].ReadRate())).ToList();
        var bucketTallies = new List<(string Name, long Segments, long Sent, long Delivered, long Read)>();
        long lowest = 1;
        foreach (var (below, name) in SizeBuckets)
        {
            var inBucket = Enumerable.Range(0, segments.Count).Where(i => members[i].Count >= lowest && members[i].Count < below).ToList();
            bucketTallies.Add((name, inBucket.Count, inBucket.Sum(i => totals[i].Sent), inBucket.Sum(i => totals[i].Delivered), inBucket.Sum(i => totals[i].Read)));
            lowest = below;
        }
        var sizeRows = bucketTallies.Select(b => new SegmentSizeBucket(b.Name, b.Segments, b.Sent, RateInterval.Of(b.Delivered, b.Sent), RateInterval.Of(b.Read, b.Sent))).ToList();
        var rates = segmentRows.Select(s => s.DeliveryRate).ToList();
        var (best, worst) = Separation.Of(rates, Significance.MinVolume);
        string? reason = best is null && worst is null ? Separation.NoRecommendationReason(rates, Significance.MinVolume, "segments") : null;
        return new SegmentsInsight(At(q.FromMs), At(q.ToMs), Significance.MinVolume, rows, segmentRows, sizeRows,
            worst is { } w ? segmentRows[w].SegmentId : null, best is { } b2 ? segmentRows[b2].SegmentId : null, reason);
    }

    /// <summary>
    /// Per rule, every recipient that may be a member, or null when only the window's items can tell: an explicit list is
    /// its recipients; a rule on a contact attribute holds contacts only, so its members are decided from the contacts; a
    /// rule on consent alone holds recipients with that state in force at the window's end, unless it names
    /// <see cref="SegmentRule.NoConsentState"/>, which any recipient of the window without a keyword has.
    /// </summary>
    private List<HashSet<string>?> Candidates(InsightQuery q, List<SegmentRule> rules, Dictionary<string, ContactRecord> contactOf)
    {
        var candidates = new List<HashSet<string>?>(rules.Count);
        using (pending.Read())
        {
            var teamConsent = rules.Any(r => r.UsesConsent) ? consent.Of(q.TeamId) : null;
            foreach (var rule in rules)
            {
                if (rule.Recipients is { } list)
                {
                    candidates.Add(list.ToHashSet(StringComparer.Ordinal));
                    continue;
                }
                if (rule.UsesContactAttributes)
                {
                    var members = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var (r, contact) in contactOf)
                        if (rule.Matches(r, contact, SegmentRule.ConsentStateOf(teamConsent, r, q.ToMs))) members.Add(r);
                    candidates.Add(members);
                    continue;
                }
                if (rule.ConsentStates!.Contains(SegmentRule.NoConsentState))
                {
                    candidates.Add(null);
                    continue;
                }
                var holders = new HashSet<string>(StringComparer.Ordinal);
                foreach (var timeline in teamConsent!.All)
                    if (rule.ConsentStates.Contains(SegmentRule.ConsentStateOf(teamConsent, timeline.Recipient, q.ToMs))) holders.Add(timeline.Recipient);
                candidates.Add(holders);
            }
        }
        return candidates;
    }

    /// <summary>
    /// Each segment's members among the recipients Herald knows (contact records and the window's recipients); an explicit
    /// list holds exactly its recipients. Consent is the state in force at the window's end.
    /// </summary>
    private List<HashSet<string>> Members(InsightQuery q, List<SegmentRule> rules, List<HashSet<string>?> candidates,
        Dictionary<string, ContactRecord> contactOf, IEnumerable<string?> recipients)
    {
        var known = new HashSet<string>(contactOf.Keys, StringComparer.Ordinal);
        foreach (var r in recipients)
            if (r is not null) known.Add(r);
        var members = rules.Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToList();
        using (pending.Read())
        {
            var teamConsent = rules.Any(r => r.UsesConsent) ? consent.Of(q.TeamId) : null;
            for (int s = 0; s < rules.Count; s++)
            {
                if (rules[s].Recipients is { } list)
                {
                    members[s].UnionWith(list);
                    continue;
                }
                foreach (var r in candidates[s] ?? known)
                {
                    if (!known.Contains(r)) continue;
                    if (rules[s].Matches(r, contactOf.GetValueOrDefault(r), SegmentRule.ConsentStateOf(teamConsent, r, q.ToMs))) members[s].Add(r);
                }
            }
        }
        return members;
    }

    /// <summary>From the recipient and direction of each item of the window (the index by earliest event holds both).</summary>
    public EngagementFunnelInsight EngagementFunnel(InsightQuery q)
    {
        var received = new Dictionary<string, long>(StringComparer.Ordinal);
        var responses = new Dictionary<string, long>(StringComparer.Ordinal);
        items.VisitRecipients(q.TeamId, q.FromMs, q.ToMs, q.Filter, (r, inbound) =>
        {
            var counts = inbound ? responses : received;
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, r, out _)++;
        });
        var byState = new SortedDictionary<string, (long Users, long Received, long Responses, long Responded)>(StringComparer.Ordinal);
        using (pending.Read())
        {
            var teamConsent = consent.Of(q.TeamId);
            foreach (var (r, n) in received)
            {
                string state = SegmentRule.ConsentStateOf(teamConsent, r, q.ToMs);
                long answered = responses.GetValueOrDefault(r);
                var t = byState.GetValueOrDefault(state);
                byState[state] = (t.Users + 1, t.Received + n, t.Responses + answered, t.Responded + (answered > 0 ? 1 : 0));
            }
        }
        var rows = byState.Select(p => new FunnelRow(p.Key, p.Value.Users, p.Value.Received, p.Value.Responses,
            Math.Round((double)p.Value.Received / p.Value.Users, 4), Math.Round((double)p.Value.Responses / p.Value.Users, 4),
            RateInterval.Of(p.Value.Responded, p.Value.Users))).ToList();
        return new EngagementFunnelInsight(At(q.FromMs), At(q.ToMs), rows);
    }

    /// <summary>
    /// By the local time of each item's earliest event (its rollup cohort). The items of recipients without a zone of their
    /// own come from the rollup cells per dimension set, whose zone follows from the set alone (its country's main zone, else
    /// the team's): hour cells where that zone is a whole number of hours from UTC, minute cells where it is not and at the
    /// window's ragged edges. The items of contacts with a zone of their own are read through the index by recipient and
    /// moved from the slot their set's zone gave them to their own zone's.
    /// </summary>
    public SendTimesInsight SendTimes(InsightQuery q)
    {
        string teamZoneId = contacts.ComplianceSettings(q.TeamId)?.TimeZone ?? "UTC";
        var teamZone = Consent.TimeZones.Find(teamZoneId) ?? TimeZoneInfo.Utc;
        var contactZone = new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal);
        foreach (var c in contacts.ListContacts(q.TeamId))
            if (c.TimeZone is { } id && Consent.TimeZones.Find(id) is { } zone) contactZone[c.Recipient] = zone;
        var cells = new Tally[7, 24];
        var hours = new Tally[24];
        for (int h = 0; h < 24; h++)
        {
            hours[h] = new Tally();
            for (int d = 0; d < 7; d++) cells[d, h] = new Tally();
        }
        void Add(DateTimeOffset at, TimeZoneInfo zone, Action<Tally> add)
        {
            var local = TimeZoneInfo.ConvertTime(at, zone);
            add(cells[(int)local.DayOfWeek, local.Hour]);
            add(hours[local.Hour]);
        }

        var zoneOfSet = new Dictionary<int, (TimeZoneInfo Zone, bool Country)>();
        foreach (int id in registry.SetsOf(q.TeamId))
        {
            var set = registry.Get(id);
            if (set.IsInbound || !q.Filter.Matches(set)) continue;
            zoneOfSet[id] = CountryZones.Of(set.Country) is { } cz && Consent.TimeZones.Find(cz) is { } countryZone ? (countryZone, true) : (teamZone, false);
        }
        var wholeHours = new Dictionary<TimeZoneInfo, bool>();
        var hourly = zoneOfSet.Where(p => wholeHours.TryGetValue(p.Value.Zone, out bool w) ? w : wholeHours[p.Value.Zone] = WholeHours(p.Value.Zone, At(q.FromMs), At(q.ToMs)))
            .Select(p => p.Key).ToHashSet();
        var minutely = zoneOfSet.Keys.Where(id => !hourly.Contains(id)).ToHashSet();
        UtcMinute from = FromMinute(q), to = ToMinute(q);
        var firstHour = from.IsAligned(Granularity.Hour) ? from : from.Floor(Granularity.Hour).Next(Granularity.Hour);
        var lastHour = to.Floor(Granularity.Hour);
        if (firstHour >= lastHour) firstHour = lastHour = to;
        long fromCountry = 0;
        void AddCell(UtcMinute bucket, int dims, CellStats cell)
        {
            var (zone, country) = zoneOfSet[dims];
            var kind = registry.Get(dims).Kind;
            Add(bucket.ToDateTimeOffset(), zone, t => t.Add(kind, cell));
            if (country) foreach (long n in cell.ItemsByStatus) fromCountry += n;
        }
        long fromContact = 0, total = 0;
        // One read of the cells and the contacts' items: no flush or batch between them, so each item is moved from the
        // very slot it was counted in.
        using (pending.Read())
        {
            metrics.VisitCells(q.TeamId, Granularity.Minute, from, firstHour, hourly, AddCell);
            metrics.VisitCells(q.TeamId, Granularity.Hour, firstHour, lastHour, hourly, AddCell);
            metrics.VisitCells(q.TeamId, Granularity.Minute, lastHour, to, hourly, AddCell);
            metrics.VisitCells(q.TeamId, Granularity.Minute, from, to, minutely, AddCell);
            foreach (var h in hours) total += h.Sent;
            foreach (var item in items.Read(q.TeamId, q.FromMs, q.ToMs, q.Filter, contactZone.Keys.ToHashSet()))
            {
                if (item.Inbound || !zoneOfSet.TryGetValue(item.DimensionSetId, out var fallback)) continue;
                Add(UtcMinute.FromUnixMillis(item.EarliestAtMs).ToDateTimeOffset(), fallback.Zone, t => t.Add(item, -1));
                Add(At(item.EarliestAtMs), contactZone[item.Recipient!], t => t.Add(item));
                fromContact++;
                if (fallback.Country) fromCountry--;
            }
        }
        var cellRows = new List<SendTimeCell>();
        for (int d = 0; d < 7; d++)
            for (int h = 0; h < 24; h++)
            {
                var t = cells[d, h];
                if (t.Sent > 0)
                    cellRows.Add(new SendTimeCell(Weekdays[d], h, t.Sent, t.Delivered, t.Read, t.Replied,
                        t.DeliveryRate().Rate, t.ReadRate().Rate, t.ReplyRate().Rate));
            }
        var hourRows = Enumerable.Range(0, 24).Select(h => new SendHourRow(h, hours[h].Sent, hours[h].DeliveryRate(), hours[h].ReadRate(), hours[h].ReplyRate())).ToList();
        var (window, reason) = RecommendHour(hours);
        return new SendTimesInsight(At(q.FromMs), At(q.ToMs), teamZone.Id, new ZoneSources(fromContact, fromCountry, total - fromContact - fromCountry),
            cellRows, hourRows, window, reason);
    }

    /// <summary>
    /// Whether the zone is a whole number of hours from UTC throughout [from, to) (its offsets at both ends and every rule
    /// in force meanwhile: standard offset and daylight shift): then a UTC hour is one local hour, and hour cells place
    /// their items exactly. Rules outside the window (a zone's local mean time of the 1800s) do not matter.
    /// </summary>
    private static bool WholeHours(TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to)
    {
        static bool Whole(TimeSpan t) => t.Ticks % TimeSpan.TicksPerHour == 0;
        if (!Whole(zone.GetUtcOffset(from)) || !Whole(zone.GetUtcOffset(to)) || !Whole(zone.BaseUtcOffset)) return false;
        var (first, last) = (from.UtcDateTime.Date.AddDays(-1), to.UtcDateTime.Date.AddDays(1));
        return zone.GetAdjustmentRules().Where(r => r.DateEnd >= first && r.DateStart <= last)
            .All(r => Whole(r.DaylightDelta) && Whole(r.BaseUtcOffsetDelta));
    }

    /// <summary>
    /// The hour whose read rate (else reply rate) beats the pooled rest of the day: its Bonferroni interval (over the hours
    /// with volume) lies wholly above the rest's. Read first: the engagement a send time changes most.
    /// </summary>
    private static (SendWindow? Window, string? Reason) RecommendHour(Tally[] hours)
    {
        var eligible = Enumerable.Range(0, 24).Where(h => hours[h].Sent >= Significance.MinVolume).ToList();
        if (eligible.Count < 2) return (null, $"fewer than two local hours have at least {Significance.MinVolume} messages");
        double z = Significance.BonferroniZ(eligible.Count);
        foreach (var (metric, count) in new (string, Func<Tally, long>)[] { ("read_rate", t => t.Read), ("reply_rate", t => t.Replied) })
        {
            long allSent = eligible.Sum(h => hours[h].Sent), allHits = eligible.Sum(h => count(hours[h]));
            SendWindow? best = null;
            foreach (int h in eligible)
            {
                var rate = RateInterval.Of(count(hours[h]), hours[h].Sent, z);
                var rest = RateInterval.Of(allHits - count(hours[h]), allSent - hours[h].Sent, z);
                if (rate.Lower > rest.Upper && (best is null || rate.Rate > best.Rate.Rate)) best = new SendWindow(h, (h + 1) % 24, metric, rate, rest);
            }
            if (best is not null) return (best, null);
        }
        return (null, string.Create(CultureInfo.InvariantCulture,
            $"no local hour's read or reply rate beats the rest of the day on Bonferroni intervals (z = {z:0.##}) over the {eligible.Count} hours with at least {Significance.MinVolume} messages"));
    }

    public RateLimitsInsight RateLimits(InsightQuery q)
    {
        var perMinute = new Dictionary<(string? Route, string? Provider, string? Account), Dictionary<long, (long Sent, long Failed, long Limited)>>();
        foreach (var item in Outbound(q))
        {
            var key = (item.Dims.Route, item.Dims.Provider, item.Dims.Account);
            if (!perMinute.TryGetValue(key, out var minutes)) perMinute[key] = minutes = new Dictionary<long, (long, long, long)>();
            long minute = Math.DivRem(item.SentAtMs, MinuteMs, out long rem) - (rem < 0 ? 1 : 0);
            var m = minutes.GetValueOrDefault(minute);
            bool failed = item.Failed;
            bool limited = failed && FailureCatalog.Classify(item.Dims.Provider, item.ErrorCode).Category == FailureCategories.RateLimit;
            minutes[minute] = (m.Sent + 1, m.Failed + (failed ? 1 : 0), m.Limited + (limited ? 1 : 0));
        }
        var limits = directory.ListAccounts(q.TeamId).ToDictionary(a => a.Name, a => a.TpsLimit, StringComparer.Ordinal);
        var rows = perMinute.Select(p => RateLimitRowOf(p.Key, p.Value, p.Key.Account is { } a ? limits.GetValueOrDefault(a) : null))
            .OrderBy(r => r.Route, StringComparer.Ordinal).ThenBy(r => r.Provider, StringComparer.Ordinal).ThenBy(r => r.Account, StringComparer.Ordinal).ToList();
        return new RateLimitsInsight(At(q.FromMs), At(q.ToMs), Significance.MinVolume, rows);
    }

    /// <summary>
    /// Buckets a route's minutes by achieved TPS (sends / 60) in steps of a round width (about an eighth of the peak). The
    /// baseline is the lowest bucket with volume; a bucket is significantly above it when their Bonferroni intervals (over
    /// the buckets compared) separate upward. The recommended ceiling is the lower edge of the first such bucket.
    /// </summary>
    private static RateLimitRow RateLimitRowOf((string? Route, string? Provider, string? Account) key, Dictionary<long, (long Sent, long Failed, long Limited)> minutes,
        double? currentLimit)
    {
        double peak = minutes.Values.Max(m => m.Sent) / 60.0;
        double step = RoundStep(peak / 8);
        var byBucket = new SortedDictionary<long, (long Minutes, long Sent, long Failed, long Limited)>();
        foreach (var m in minutes.Values)
        {
            long b = (long)Math.Floor(m.Sent / 60.0 / step);
            var t = byBucket.GetValueOrDefault(b);
            byBucket[b] = (t.Minutes + 1, t.Sent + m.Sent, t.Failed + m.Failed, t.Limited + m.Limited);
        }
        var eligible = byBucket.Where(p => p.Value.Sent >= Significance.MinVolume).Select(p => p.Key).ToList();
        double z = Significance.BonferroniZ(Math.Max(1, eligible.Count - 1));
        RateInterval? baseline = eligible.Count > 0 ? RateInterval.Of(byBucket[eligible[0]].Failed, byBucket[eligible[0]].Sent, z) : null;
        double? recommended = null;
        var buckets = new List<TpsBucket>();
        foreach (var (b, t) in byBucket)
        {
            var wide = RateInterval.Of(t.Failed, t.Sent, z);
            bool above = baseline is not null && b != eligible[0] && t.Sent >= Significance.MinVolume && wide.Lower > baseline.Upper;
            if (above && recommended is null) recommended = Math.Round(b * step, 4);
            buckets.Add(new TpsBucket(Math.Round(b * step, 4), Math.Round((b + 1) * step, 4), t.Minutes, t.Sent, t.Failed, t.Limited,
                RateInterval.Of(t.Failed, t.Sent), t.Failed == 0 ? null : Math.Round(t.Limited * 100.0 / t.Failed, 4), above));
        }
        string? reason = recommended is not null ? null
            : eligible.Count < 2 ? $"fewer than two TPS buckets have at least {Significance.MinVolume} messages"
            : string.Create(CultureInfo.InvariantCulture,
                $"no TPS bucket's failure rate is significantly above the low-rate baseline (Bonferroni intervals, z = {z:0.##}), up to the peak of {peak:0.##} TPS");
        return new RateLimitRow(key.Route, key.Provider, key.Account, Math.Round(peak, 4), currentLimit, buckets, baseline?.Rate, recommended, reason);
    }

    /// <summary>The smallest of 1, 2, 5 × 10^k at or above <paramref name="atLeast"/> (at least 0.1).</summary>
    private static double RoundStep(double atLeast)
    {
        double unit = 0.1;
        while (true)
            foreach (double f in new[] { 1.0, 2.0, 5.0 })
                if (unit * f >= atLeast) return Math.Round(unit * f, 6);
                else if (f == 5.0) unit *= 10;
    }

    private static Tally Of<TKey>(Dictionary<TKey, Tally> tallies, TKey key) where TKey : notnull
    {
        if (!tallies.TryGetValue(key, out var t)) tallies[key] = t = new Tally();
        return t;
    }
}
