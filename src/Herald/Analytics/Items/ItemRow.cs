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
        var (kind, status, outcome) = Names(i.Kind, i.Status);
        double? latency = i.LatencyMs is { } ms ? ms / 1000.0 : null;
        return new ItemRow(i.ItemId, TeamOf(i.TeamId), kind, status, outcome, Instants.At(i.StatusAtMs),
            Instants.At(i.EarliestAtMs), Instants.At(i.FirstSentAtMs), Instants.At(i.FirstSuccessAtMs), latency, DimensionsOf(i.DimensionSetId),
            i.Recipient, Math.Round(i.Cost, 6), i.ErrorCode, i.EventCount);
    }

    /// <summary>The team's public id.</summary>
    public string TeamOf(int teamId) => _teams.GetOrAdd(teamId, _publicId);

    public DimensionTuple DimensionsOf(int dimensionSetId) => registry.Get(dimensionSetId);

    /// <summary>The names of an item's kind, status and outcome, from their stored codes.</summary>
    public static (string Kind, string Status, string Outcome) Names(int kind, int status)
    {
        var k = (ItemKind)kind;
        var s = (Status)status;
        return (ItemKinds.Name(k), Statuses.Name(s), OutcomeNames[(int)StatusLattice.OutcomeOf(k, s)]);
    }
}
