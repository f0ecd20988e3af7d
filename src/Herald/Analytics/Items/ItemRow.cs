using Herald.Domain;
using Herald.Engine;
using Herald.Storage;
using Herald.Tenancy;

namespace Herald.Analytics.Items;

/// <summary>
/// An item as every listing shows it (the items API, exports, the message report's rows): names for kind, status and
/// outcome, its instants, its team's public id, its dimensions, the delivery latency (first delivered-or-beyond event less
/// the first sent, else the earliest event) and the cost to 6 decimals.
/// </summary>
public sealed record ItemRow(
    string ItemId, string Team, string Kind, string Status, string Outcome, DateTimeOffset StatusAt, DateTimeOffset EarliestAt,
    DateTimeOffset? FirstSentAt, DateTimeOffset? DeliveredAt, double? LatencySeconds, DimensionTuple Dimensions, string? Recipient, double Cost, string? ErrorCode, int EventCount);

public sealed class ItemRows(DimensionRegistry registry, TeamDirectory directory)
{
    // A team's public id never changes; an export asks for it once per row.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> _teams = new();
    private readonly Func<int, string> _publicId = directory.PublicIdOf;
    private static readonly string[] OutcomeNames = Enum.GetValues<Outcome>().Select(o => o.ToString().ToLowerInvariant()).ToArray();

    public ItemRow Of(ItemRecord i)
    {
        var kind = (ItemKind)i.Kind;
        var status = (Status)i.Status;
        double? latency = i.FirstSuccessAtMs is { } success ? Math.Max(0, success - (i.FirstSentAtMs ?? i.EarliestAtMs)) / 1000.0 : null;
        return new ItemRow(i.ItemId, _teams.GetOrAdd(i.TeamId, _publicId), ItemKinds.Name(kind), Statuses.Name(status),
            OutcomeNames[(int)StatusLattice.OutcomeOf(kind, status)], Instants.At(i.StatusAtMs),
            Instants.At(i.EarliestAtMs), Instants.At(i.FirstSentAtMs), Instants.At(i.FirstSuccessAtMs), latency, registry.Get(i.DimensionSetId),
            i.Recipient, Math.Round(i.Cost, 6), i.ErrorCode, i.EventCount);
    }
}
