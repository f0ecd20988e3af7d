using Herald.Domain;

namespace Herald.Engine;

/// <summary>
/// Identifies one failure cell: the failing events of a team's dimension set with one error code in one bucket. The
/// dimension set is the item's current one (a failure moves with its item, like the rollup contributions).
/// </summary>
/// <param name="ErrorCode">The code as reported; <see cref="FailureCells.NoCode"/> for a failure by status alone.</param>
public readonly record struct FailureCellKey(int TeamId, Granularity Granularity, UtcMinute Bucket, int DimensionSetId, string ErrorCode);

public static class FailureCells
{
    /// <summary>
    /// Hours, days and months: a window's whole hours come from cells, its partial hours from the raw events, so
    /// minute cells would only cost writes.
    /// </summary>
    public static readonly Granularity[] Stored = [Granularity.Hour, Granularity.Day, Granularity.Month];

    /// <summary>
    /// A failure without a code is stored under the empty code: it classifies exactly like a null one
    /// (<c>FailureCatalog.Classify</c> reads both as no code), and the cell's key needs a value.
    /// </summary>
    public const string NoCode = "";

    public static string CodeOf(string? errorCode) => errorCode ?? NoCode;

    /// <summary>
    /// Whether a stored event counts as a failure: it carries an error code, or its status is a failure outcome for
    /// its item's kind. The kind never changes after an item's first event, so this is known when the event is written.
    /// </summary>
    public static bool IsFailure(ItemKind kind, Status status, string? errorCode) =>
        errorCode is not null || StatusLattice.OutcomeOf(kind, status) == Outcome.Failed;
}
