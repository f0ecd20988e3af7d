using Herald.Domain;
using Herald.Engine;

namespace Herald.Tests.Engine;

/// <summary>
/// An item's move between contributions: the one-pass path for a move within the same cells must leave every cell exactly
/// as taking the old contribution out and putting the new one in, pass after pass, does.
/// </summary>
public sealed class RollupDeltasTests
{
    private const int Team = 3;
    private static readonly UtcMinute Cohort = UtcMinute.FromDateTimeOffset(new DateTimeOffset(2026, 12, 7, 10, 17, 0, TimeSpan.Zero));

    // Sets 11 and 12 have values for some projected dimensions (0: none), so moves reach projection cells too.
    private static int[] ProjectionIdsOf(int dimensionSetId) => dimensionSetId switch
    {
        11 => [101, 0, 103, 0, 0, 106, 0, 0, 0, 0],
        12 => [101, 0, 203, 0, 0, 0, 0, 0, 0, 210],
        _ => new int[Projections.Projected.Length],
    };

    public static TheoryData<string> Moves => new() { "status", "status and latency", "cost", "dimension set", "cohort" };

    private static (Contribution Before, Contribution After) MoveOf(string name)
    {
        var before = new Contribution(11, Cohort, Status.Sent, 0.05, null);
        return (before, name switch
        {
            "status" => before with { Status = Status.Undelivered },
            "status and latency" => before with { Status = Status.Delivered, LatencyMs = 2_400 },
            "cost" => before with { Cost = 0.0731 },
            "dimension set" => before with { DimensionSetId = 12, Status = Status.Delivered, LatencyMs = 900 },
            "cohort" => before with { Cohort = new UtcMinute(Cohort.Value - 90), Status = Status.Failed },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        });
    }

    [Theory]
    [MemberData(nameof(Moves))]
    public void A_move_leaves_every_cell_as_out_then_in_would(string move)
    {
        var (before, after) = MoveOf(move);
        // An item already in a cell with a latency: the moves must not disturb what others contributed.
        var other = new Contribution(11, Cohort, Status.Delivered, 0.05, 1_300);

        var moved = new RollupDeltas(ProjectionIdsOf);
        moved.AddContribution(Team, other, +1);
        moved.Move(Team, before, after);

        var outThenIn = new RollupDeltas(ProjectionIdsOf);
        outThenIn.AddContribution(Team, other, +1);
        outThenIn.AddContribution(Team, before, -1);
        outThenIn.AddContribution(Team, after, +1);

        Assert.Equal(Encoded(outThenIn), Encoded(moved));
        // The move reached the team's totals and a projection cell, at every stored granularity.
        Assert.Contains(moved.Cells.Keys, k => k.TeamId == TeamTotals.ScopeOf(Team) && k.Granularity == Granularity.Month);
        Assert.Contains(moved.Cells.Keys, k => k.DimensionSetId == 101 && k.Granularity == Granularity.Hour);
    }

    [Fact]
    public void A_move_to_the_same_contribution_changes_nothing()
    {
        var deltas = new RollupDeltas(ProjectionIdsOf);
        var c = new Contribution(11, Cohort, Status.Delivered, 0.05, 1_300);
        deltas.Move(Team, c, c);
        Assert.Empty(deltas.Cells);
    }

    private static SortedDictionary<string, string> Encoded(RollupDeltas deltas) =>
        new(deltas.Cells.ToDictionary(kv => kv.Key.ToString(), kv => Convert.ToHexString(kv.Value.Encode())), StringComparer.Ordinal);
}
