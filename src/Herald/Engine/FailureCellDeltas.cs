using System.Runtime.InteropServices;
using Herald.Domain;

namespace Herald.Engine;

/// <summary>
/// Signed changes to failure cells: +1 per failing event in its hour, day and month, and -1/+1 pairs when an item's
/// failures move to its new dimension set. The writer collects one batch's; the pending overlay sums them until a flush.
/// </summary>
public sealed class FailureCellDeltas
{
    private readonly Dictionary<FailureCellKey, long> _cells = new();

    public IReadOnlyDictionary<FailureCellKey, long> Cells => _cells;

    public int Count => _cells.Count;

    public void AddFailure(int teamId, int dimensionSetId, long occurredAtMs, string? errorCode, int sign)
    {
        var minute = UtcMinute.FromUnixMillis(occurredAtMs);
        string code = FailureCells.CodeOf(errorCode);
        foreach (var g in FailureCells.Stored)
            CollectionsMarshal.GetValueRefOrAddDefault(_cells, new FailureCellKey(teamId, g, minute.Floor(g), dimensionSetId, code), out _) += sign;
    }

    public void Add(IReadOnlyDictionary<FailureCellKey, long> deltas)
    {
        foreach (var (key, delta) in deltas)
            if (delta != 0) CollectionsMarshal.GetValueRefOrAddDefault(_cells, key, out _) += delta;
    }

    /// <summary>Cells of a team at one granularity with bucket in [from, to), zero sums left out.</summary>
    public void Visit(int teamId, Granularity g, UtcMinute from, UtcMinute to, Action<int, string, long> visit)
    {
        foreach (var (key, count) in _cells)
            if (count != 0 && key.TeamId == teamId && key.Granularity == g && key.Bucket >= from && key.Bucket < to)
                visit(key.DimensionSetId, key.ErrorCode, count);
    }

    public void Clear() => _cells.Clear();
}
