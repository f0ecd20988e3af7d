using Herald.Domain;
using Herald.Engine;

namespace Herald.Analytics;

/// <summary>Latency figures in seconds; percentiles from the merged log histogram (nearest rank).</summary>
public sealed record LatencySummary(double Avg, double P50, double P75, double P90, double P95, double P99);

/// <summary>The outcome metrics of a set of merged cells (PRODUCT.md, "Metric semantics").</summary>
public sealed class MetricTotals
{
    private static readonly Outcome[] OutcomeByStatus = BuildOutcomes();

    public MetricTotals(CellStats cells)
    {
        Cells = cells;
        for (int s = 1; s < Statuses.CodeLimit; s++)
        {
            long n = cells.ItemsByStatus[s];
            if (n == 0) continue;
            Total += n;
            switch (OutcomeByStatus[s])
            {
                case Outcome.Delivered: Delivered += n; break;
                case Outcome.Failed: Failed += n; break;
            }
        }
    }

    public CellStats Cells { get; }
    public long Total { get; }
    public long Delivered { get; }
    public long Failed { get; }
    public long Pending => Total - Delivered - Failed;
    public long Events => Cells.Events;
    public double Cost => Math.Round(Cells.Cost, 6) is var c && c != 0 ? c : 0;
    public double DeliveryRatePercent => Percent(Delivered, Total);
    public double FailureRatePercent => Percent(Failed, Total);

    public SortedDictionary<string, long> StatusBreakdown
    {
        get
        {
            var map = new SortedDictionary<string, long>(StringComparer.Ordinal);
            for (int s = 1; s < Statuses.CodeLimit; s++)
                if (Cells.ItemsByStatus[s] != 0) map[Statuses.Name(s)] = Cells.ItemsByStatus[s];
            return map;
        }
    }

    public LatencySummary? Latency => Cells.LatencyCount <= 0
        ? null
        : new LatencySummary(
            Cells.LatencySumMs / Cells.LatencyCount / 1000.0,
            PercentileMs(50) / 1000.0, PercentileMs(75) / 1000.0, PercentileMs(90) / 1000.0,
            PercentileMs(95) / 1000.0, PercentileMs(99) / 1000.0);

    /// <summary>The nearest-rank percentile: the value at rank ceil(p/100 * n) of the sorted latencies.</summary>
    public double PercentileMs(double p)
    {
        long n = Cells.LatencyCount;
        long rank = Math.Max(1, (long)Math.Ceiling(p / 100.0 * n));
        long seen = 0;
        for (int i = 0; i < Cells.LatencyBucketCount; i++)
        {
            seen += Cells.LatencyCountAt(i);
            if (seen >= rank) return LatencyScale.RepresentativeMs(Cells.LatencyBucketAt(i));
        }
        return Cells.LatencyBucketCount == 0 ? 0 : LatencyScale.RepresentativeMs(Cells.LatencyBucketAt(Cells.LatencyBucketCount - 1));
    }

    public static double Percent(long part, long whole) => whole == 0 ? 0 : Math.Round(part * 100.0 / whole, 4);

    // A status word means the same outcome in every kind that has it, so totals need no per-kind split.
    private static Outcome[] BuildOutcomes()
    {
        var outcomes = new Outcome[Statuses.CodeLimit];
        foreach (var kind in ItemKinds.All)
            foreach (var s in StatusLattice.StatusesOf(kind))
                outcomes[(int)s] = StatusLattice.OutcomeOf(kind, s);
        return outcomes;
    }
}
