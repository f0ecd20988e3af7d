using Herald.Domain;

namespace Herald.Analytics;

/// <summary>Identifies one rollup cell: a team's dimension set in one bucket of one stored granularity.</summary>
public readonly record struct CellKey(int TeamId, Granularity Granularity, UtcMinute Bucket, int DimensionSetId);

/// <summary>
/// Besides its cells per dimension set, every team has one cell per bucket for all its items together,
/// stored under the team's negated id and dimension set 0: an unfiltered question reads one row per bucket
/// instead of one per dimension set.
/// </summary>
public static class TeamTotals
{
    public const int DimensionSetId = 0;

    public static int ScopeOf(int teamId) => -teamId;
}
