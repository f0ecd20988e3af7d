using Herald.Domain;
using Herald.Storage;
using Herald.Engine;

namespace Herald.Analytics.Failures;

/// <summary>How a count moved against the previous equal window.</summary>
public sealed record FailureTrend(long Current, long Previous, string Trend, double? ChangePercent)
{
    public const string Increasing = "increasing";
    public const string Decreasing = "decreasing";
    public const string Stable = "stable";

    /// <summary>Within this many percent of the previous count (either way) a count is <c>stable</c>.</summary>
    public const double StableBandPercent = 5.0;

    /// <summary>
    /// <c>change_percent = (current - previous) / previous * 100</c>, rounded to 2 decimals; null when previous is 0.
    /// Trend: <c>stable</c> when both are 0 or the change is within ±5 %; else <c>increasing</c> or <c>decreasing</c>
    /// (from 0 to anything above 0 is increasing).
    /// </summary>
    public static FailureTrend Of(long current, long previous)
    {
        if (previous == 0) return new(current, previous, current == 0 ? Stable : Increasing, current == 0 ? 0 : null);
        double change = (current - previous) * 100.0 / previous;
        string trend = Math.Abs(change) <= StableBandPercent ? Stable : change > 0 ? Increasing : Decreasing;
        return new(current, previous, trend, Math.Round(change, 2));
    }
}

/// <summary>Failures of one value (a category, group, provider, country or campaign; null = items lacking the dimension).</summary>
public sealed record FailureCount(string? Key, long Count, long PreviousCount);

/// <summary>Failures of one error code, with what the catalog says about it.</summary>
public sealed record CodeFailureCount(FailureClass Class, long Count, long PreviousCount);

/// <summary>The failure analysis of a window and the previous window of equal length.</summary>
/// <param name="Totals">All failures in the window against the previous window.</param>
/// <param name="ByCategory">Every refined category (<see cref="FailureCategories.All"/>), busiest first.</param>
/// <param name="ByGroup">Every seed group (network, validation, rate_limit, other), busiest first.</param>
/// <param name="ByCode">Codes with failures in either window, busiest first, cut at the limit.</param>
/// <param name="ByProvider">Every provider with failures in either window (null: items without provider).</param>
/// <param name="ByCountry">Countries, busiest first, cut at the limit.</param>
/// <param name="ByCampaign">Campaigns, busiest first, cut at the limit.</param>
/// <param name="UnknownCodeFailures">Failures in the window whose code the catalog does not recognize (each still counted under its own code).</param>
/// <param name="WithoutCode">Failures in the window that reported no error code (counted under code <c>unknown</c>).</param>
/// <param name="DistinctCodes">Distinct codes (incl. <c>unknown</c>) with failures in either window, before the limit.</param>
public sealed record FailureReport(
    long FromMs,
    long ToMs,
    long PreviousFromMs,
    FailureTrend Totals,
    IReadOnlyList<FailureCount> ByCategory,
    IReadOnlyList<FailureCount> ByGroup,
    IReadOnlyList<CodeFailureCount> ByCode,
    IReadOnlyList<FailureCount> ByProvider,
    IReadOnlyList<FailureCount> ByCountry,
    IReadOnlyList<FailureCount> ByCampaign,
    long UnknownCodeFailures,
    long WithoutCode,
    int DistinctCodes)
{
    public long Total => Totals.Current;
    public long PreviousTotal => Totals.Previous;
}

/// <summary>
/// Failure analysis. A <b>failure</b> is a stored (already de-duplicated) event with <c>occurred_at</c> in the window whose
/// status is a failure outcome for its item's kind (<see cref="StatusLattice.OutcomeOf"/>: failed, undelivered, expired for
/// messages; failed, expired for OTPs; busy, no-answer, failed, canceled for calls; failed, cancelled for parcels) or that
/// carries an <c>error_code</c> (whatever its status). Failures count <b>events</b>, not items: an item that failed twice
/// counts twice. Each failure is attributed to its <b>item's current dimensions</b> (provider, country, campaign, channel,
/// account, route, kind, direction): the item row, or the writer's pending state when the item has changes not yet flushed
/// (so a provider callback that only names the item counts under the campaign and country the app reported); events of a
/// batch committed but not yet published by the writer (whose requests have not had their 202 yet) count once it is. The filter
/// applies to those dimensions. Codes are classified by <see cref="FailureCatalog.Classify"/> with the item's provider; an
/// event without code counts under code <c>unknown</c>. The previous window is the one of equal length ending at
/// <c>from</c>; every count comes with its previous-window count.
/// <para>
/// Whole hours, days and months are read from the failure cells the writer keeps (stored, plus its pending overlay), which
/// hold exactly those counts per dimension set and code; only the partial hours at a window's edges are read from the raw
/// failing events (<see cref="FailureWindowPlan"/>).
/// </para>
/// </summary>
public sealed class FailureAnalysis(IFailureReader reader, DimensionRegistry registry, PendingRollups pending, RetentionHorizons? horizons = null)
{
    private const int CurrentWindow = 0, PreviousWindow = 1;

    /// <summary>Analyzes [<paramref name="fromMs"/>, <paramref name="toMs"/>) of one team.</summary>
    public FailureReport Analyze(int teamId, long fromMs, long toMs, MetricFilter? filter = null, int limit = 10) =>
        Analyze([teamId], fromMs, toMs, filter, limit);

    /// <summary>
    /// Analyzes [<paramref name="fromMs"/>, <paramref name="toMs"/>) of the teams together. <paramref name="limit"/> caps the
    /// per-code, per-country and per-campaign lists (busiest first); categories, groups and providers are never cut.
    /// </summary>
    public FailureReport Analyze(IReadOnlyList<int> teams, long fromMs, long toMs, MetricFilter? filter = null, int limit = 10)
    {
        if (toMs <= fromMs) throw new ArgumentException("the window is empty", nameof(toMs));
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        filter ??= MetricFilter.None;
        long previousFromMs = fromMs - (toMs - fromMs);
        var plans = new FailureWindowPlan[2];
        plans[CurrentWindow] = FailureWindowPlan.Of(fromMs, toMs, horizons);
        plans[PreviousWindow] = FailureWindowPlan.Of(previousFromMs, fromMs, horizons);

        // One counter and one store snapshot per window: the two windows are read in parallel. Snapshots, pending cells and
        // the overlay's item copy are all taken under the read lock (a flush swaps overlay into store under the write lock),
        // then the store is read without the lock, so a long read never holds up the writer.
        var counts = new[] { new FailureCounts(), new FailureCounts() };
        var pendingByTeam = new Dictionary<int, Dictionary<long, ItemRecord>>();
        var snapshots = new IFailureSnapshot?[plans.Length];
        var matchingSets = new Dictionary<int, HashSet<int>?>();
        var teamPlans = new Dictionary<(int Team, int Window), FailureWindowPlan>();
        try
        {
            using (pending.Read())
            {
                for (int w = 0; w < plans.Length; w++) snapshots[w] = reader.OpenFailureSnapshot();
                foreach (int team in teams)
                {
                    // Taken after the snapshots: every dimension set their cells name is registered by now.
                    matchingSets[team] = filter.IsEmpty ? null : registry.SetsOf(team).Where(id => filter.Matches(registry.Get(id))).ToHashSet();
                    for (int w = 0; w < plans.Length; w++)
                    {
                        // Decided on the window's snapshot under the lock, with the pending cells read below.
                        var snapshot = snapshots[w]!;
                        var plan = teamPlans[(team, w)] = plans[w].WithQuietEdgesFromCells((from, to) => snapshot.HasFailingEvents(team, from, to), horizons);
                        var windowCounts = counts[w];
                        foreach (var cells in plan.Cells)
                            pending.VisitFailureCells(team, cells.Granularity, cells.Start, cells.End, windowCounts.Add);
                    }
                    if (teamPlans[(team, CurrentWindow)].Raw.Count == 0 && teamPlans[(team, PreviousWindow)].Raw.Count == 0) continue;
                    var items = new Dictionary<long, ItemRecord>();
                    foreach (var item in pending.ItemsOfTeam(team)) items[item.Id] = item;
                    pendingByTeam[team] = items;
                }
            }
            Parallel.For(0, plans.Length, w =>
            {
                var tuples = new Dictionary<int, DimensionTuple>();
                foreach (int team in teams)
                {
                    var plan = teamPlans[(team, w)];
                    foreach (var cells in plan.Cells)
                        snapshots[w]!.ReadFailureCells(team, cells.Granularity, cells.Start, cells.End, counts[w].Add, matchingSets[team]);
                    foreach (var range in plan.Raw)
                        ReadRaw(snapshots[w]!, team, range, pendingByTeam[team], tuples, counts[w]);
                }
            });
        }
        finally
        {
            foreach (var snapshot in snapshots) snapshot?.Dispose();
        }

        var acc = new Accumulator();
        var classes = new Dictionary<(string? Provider, string Code), FailureClass>();
        var matches = new Dictionary<int, bool>();
        var tupleCache = new Dictionary<int, DimensionTuple>();
        for (int w = 0; w < plans.Length; w++)
        {
            foreach (var ((dims, code), count) in counts[w].All)
            {
                if (count == 0) continue;
                var tuple = TupleOf(dims, tupleCache);
                if (!matches.TryGetValue(dims, out bool match)) matches[dims] = match = filter.Matches(tuple);
                if (!match) continue;
                if (!classes.TryGetValue((tuple.Provider, code), out var cls))
                    classes[(tuple.Provider, code)] = cls = FailureCatalog.Classify(tuple.Provider, code);
                acc.Add(cls, tuple, current: w == CurrentWindow, count);
            }
        }
        return acc.Report(fromMs, toMs, previousFromMs, limit);
    }

    /// <summary>
    /// Counts the failing events of a raw range under their item's dimension set: the writer's latest state wins over the
    /// stored row until the next flush. Neither stored nor pending: a batch the writer has committed but not yet published
    /// (its requests are still waiting for their 202); it counts once published, like metrics.
    /// </summary>
    private void ReadRaw(IFailureSnapshot snapshot, int team, RawEventRange range, Dictionary<long, ItemRecord> pendingItems,
        Dictionary<int, DimensionTuple> tuples, FailureCounts counts)
    {
        snapshot.ReadFailingEvents(team, range.FromMs, range.FromMs, range.ToMs, row =>
        {
            int dims = pendingItems.TryGetValue(row.ItemRef, out var latest) ? latest.DimensionSetId : row.StoredDimensionSetId;
            if (dims < 0) return;
            var tuple = TupleOf(dims, tuples);
            if (!FailureCells.IsFailure(tuple.Kind, (Status)row.Status, row.ErrorCode)) return;
            counts.Add(dims, FailureCells.CodeOf(row.ErrorCode), 1);
        });
    }

    private DimensionTuple TupleOf(int dims, Dictionary<int, DimensionTuple> tuples)
    {
        if (!tuples.TryGetValue(dims, out var tuple)) tuples[dims] = tuple = registry.Get(dims);
        return tuple;
    }

    /// <summary>A window's failures per dimension set and code.</summary>
    private sealed class FailureCounts
    {
        private readonly Dictionary<(int Dims, string Code), long> _counts = new();

        public IEnumerable<KeyValuePair<(int Dims, string Code), long>> All => _counts;

        public void Add(int dims, string code, long n) =>
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_counts, (dims, code), out _) += n;
    }

    private sealed class Accumulator
    {
        private readonly Dictionary<(string Family, string Code), (FailureClass Class, long[] Counts)> _codes = new();
        private readonly Dictionary<string, long[]> _categories = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long[]> _groups = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long[]> _providers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long[]> _countries = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long[]> _campaigns = new(StringComparer.Ordinal);
        private readonly long[] _noProvider = new long[2], _noCountry = new long[2], _noCampaign = new long[2];
        private readonly long[] _total = new long[2];
        private long _unknown, _withoutCode;

        public Accumulator()
        {
            foreach (var c in FailureCategories.All) _categories[c] = new long[2];
            foreach (var g in FailureCategories.Groups) _groups[g] = new long[2];
        }

        public void Add(FailureClass cls, DimensionTuple t, bool current, long count)
        {
            int i = current ? 0 : 1;
            _total[i] += count;
            var key = (cls.Family, cls.Code);
            if (!_codes.TryGetValue(key, out var entry)) _codes[key] = entry = (cls, new long[2]);
            entry.Counts[i] += count;
            _categories[cls.Category][i] += count;
            _groups[cls.Group][i] += count;
            Bump(_providers, _noProvider, t.Provider, i, count);
            Bump(_countries, _noCountry, t.Country, i, count);
            Bump(_campaigns, _noCampaign, t.Campaign, i, count);
            if (current && cls.Code == FailureCatalog.NoCode) _withoutCode += count;
            else if (current && !cls.Known) _unknown += count;
        }

        private static void Bump(Dictionary<string, long[]> map, long[] missing, string? value, int i, long count)
        {
            if (value is null) missing[i] += count;
            else (map.TryGetValue(value, out var c) ? c : map[value] = new long[2])[i] += count;
        }

        public FailureReport Report(long fromMs, long toMs, long previousFromMs, int limit)
        {
            var codes = _codes.Values
                .Select(e => new CodeFailureCount(e.Class, e.Counts[0], e.Counts[1]))
                .OrderByDescending(c => c.Count).ThenByDescending(c => c.PreviousCount)
                .ThenBy(c => c.Class.Code, StringComparer.Ordinal).ThenBy(c => c.Class.Family, StringComparer.Ordinal)
                .ToList();
            return new FailureReport(
                fromMs, toMs, previousFromMs, FailureTrend.Of(_total[0], _total[1]),
                Fixed(_categories, FailureCategories.All), Fixed(_groups, FailureCategories.Groups),
                codes.Take(limit).ToList(),
                Ranked(_providers, _noProvider, int.MaxValue), Ranked(_countries, _noCountry, limit), Ranked(_campaigns, _noCampaign, limit),
                _unknown, _withoutCode, codes.Count);
        }

        private static List<FailureCount> Fixed(Dictionary<string, long[]> map, string[] order) =>
            order.Select(k => new FailureCount(k, map[k][0], map[k][1]))
                .OrderByDescending(c => c.Count).ThenByDescending(c => c.PreviousCount).ThenBy(c => Array.IndexOf(order, c.Key))
                .ToList();

        /// <summary>Values with failures in either window, busiest first; items lacking the dimension under a null key, last among equals.</summary>
        private static List<FailureCount> Ranked(Dictionary<string, long[]> map, long[] missing, int limit)
        {
            var rows = map.Select(p => new FailureCount(p.Key, p.Value[0], p.Value[1])).ToList();
            if (missing[0] != 0 || missing[1] != 0) rows.Add(new FailureCount(null, missing[0], missing[1]));
            return rows.OrderByDescending(c => c.Count).ThenByDescending(c => c.PreviousCount)
                .ThenBy(c => c.Key is null).ThenBy(c => c.Key, StringComparer.Ordinal)
                .Take(limit).ToList();
        }
    }
}
