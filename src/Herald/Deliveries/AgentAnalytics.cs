using Herald.Analytics;
using Herald.Domain;
using Herald.Storage;
using Herald.Tenancy;

namespace Herald.Deliveries;

/// <summary>One agent's figures over a window (the attempts whose earliest event falls in it).</summary>
/// <param name="SuccessRate">completed ÷ (completed + failed) × 100; null with neither.</param>
/// <param name="OnTimeRate">Of the completed attempts, those completed by their scheduled time plus estimated duration (percent).</param>
/// <param name="FirstAttemptSuccessRate">Of the first attempts the agent carried, those completed (percent).</param>
/// <param name="ResponseTime">Mean minutes from assignment to in transit.</param>
public sealed record AgentPerformanceDto(
    string? AgentId, string? Name, long TotalDeliveries, long Completed, long Failed, long Cancelled, long InProgress, double? SuccessRate,
    double? AverageRating, long Ratings, double? OnTimeRate, double? FirstAttemptSuccessRate, double? ResponseTime);

public sealed record AgentAnalyticsDto(UtcMinute From, UtcMinute To, AgentPerformanceDto Totals, IReadOnlyList<AgentPerformanceDto> Agents);

/// <summary>
/// Seed 001's agent analytics. The counts and the success rate come from the rollups (the engine's parcel items broken down
/// by agent, with the request's filters), so they agree with <c>/api/v1/metrics/breakdown?by=agent&amp;kind=parcel</c>; the
/// rest is only in the delivery records (schedules, assignment times, feedback) and comes from the same window's attempts,
/// held to the same filters through the dimensions their engine items have.
/// </summary>
public sealed class AgentAnalytics(MetricsQuery metrics, IDeliveryStore store, IAgentStore agents, TeamDirectory directory)
{
    public AgentAnalyticsDto For(int teamId, MetricFilter filter, UtcMinute from, UtcMinute to, string? onlyAgent)
    {
        var parcels = ParcelsOf(filter);
        if (onlyAgent is not null) parcels = parcels?.With(Dimension.Agent, onlyAgent);
        var rows = parcels is null ? [] : metrics.Breakdown([teamId], parcels, Dimension.Agent, from, to, directory.PublicIdOf);
        var facts = parcels is null ? [] : store.AttemptsIn(teamId, from.ToUnixMillis(), to.ToUnixMillis())
            .Where(f => parcels.Matches(EngineDimensions(teamId, f))).ToList();
        var byAgent = facts.Where(f => f.CarrierPublicId is not null).ToLookup(f => f.CarrierPublicId!);
        var perAgent = rows.Where(r => r.Key is not null).Select(r => Row(r.Key, r.Totals, byAgent[r.Key!].ToList())).ToList();
        if (onlyAgent is not null && perAgent.Count == 0) perAgent.Add(Row(onlyAgent, null, []));
        var names = perAgent.Select(r => agents.FindAgent(teamId, r.AgentId!)?.Name).ToList();
        perAgent = perAgent.Select((r, i) => r with { Name = names[i] }).OrderByDescending(r => r.SuccessRate ?? -1).ThenByDescending(r => r.TotalDeliveries)
            .ThenBy(r => r.AgentId, StringComparer.Ordinal).ToList();
        var carried = facts.Where(f => f.CarrierPublicId is not null).ToList();
        var totals = Row(null, Merge(rows.Where(r => r.Key is not null).Select(r => r.Totals)), carried);
        return new AgentAnalyticsDto(from, to, totals, perAgent);
    }

    /// <summary>The filter restricted to parcels; null when the request's kind filter excludes them.</summary>
    private static MetricFilter? ParcelsOf(MetricFilter filter)
    {
        string parcel = ItemKinds.Name(ItemKind.Parcel);
        if (filter.Allowed(Dimension.Kind) is { } kinds && !kinds.Contains(parcel)) return null;
        return filter.With(Dimension.Kind, parcel);
    }

    /// <summary>The dimensions an attempt's engine item has (see <see cref="DeliveryEngineEvents"/>).</summary>
    private static DimensionTuple EngineDimensions(int teamId, AttemptFact f) =>
        new(teamId, ItemKind.Parcel, null, DeliveryEngineEvents.Channel, null, null, null, f.Country, "outbound", f.CarrierPublicId);

    private static MetricTotals? Merge(IEnumerable<MetricTotals> totals)
    {
        var cells = new Engine.CellStats();
        bool any = false;
        foreach (var t in totals)
        {
            cells.Add(t.Cells);
            any = true;
        }
        return any ? new MetricTotals(cells) : null;
    }

    private static AgentPerformanceDto Row(string? agentId, MetricTotals? totals, IReadOnlyList<AttemptFact> facts)
    {
        long Count(Status s) => totals?.Cells.ItemsByStatus[(int)s] ?? 0;
        long completed = Count(Status.Completed), failed = Count(Status.Failed), cancelled = Count(Status.Cancelled);
        var done = facts.Where(f => f.Status == Status.Completed).ToList();
        var ratings = facts.Where(f => f.IsLatest && f.Status == Status.Completed && f.FeedbackRating is not null).Select(f => (double)f.FeedbackRating!).ToList();
        var firsts = facts.Where(f => f.Attempt == 1).ToList();
        var responses = facts.Where(f => f.AssignedAtMs is not null && f.InTransitAtMs is not null)
            .Select(f => (f.InTransitAtMs!.Value - f.AssignedAtMs!.Value) / 60_000.0).ToList();
        return new AgentPerformanceDto(agentId, null, totals?.Total ?? 0, completed, failed, cancelled, totals?.Pending ?? 0,
            Percent(completed, completed + failed), ratings.Count == 0 ? null : Math.Round(ratings.Average(), 4), ratings.Count,
            Percent(done.Count(f => f.CompletedAtMs <= f.ScheduledTimeMs + f.EstimatedDurationMinutes * 60_000L), done.Count),
            Percent(firsts.Count(f => f.Status == Status.Completed), firsts.Count),
            responses.Count == 0 ? null : Math.Round(responses.Average(), 4));
    }

    private static double? Percent(long part, long whole) => whole == 0 ? null : Math.Round(part * 100.0 / whole, 4);
}
