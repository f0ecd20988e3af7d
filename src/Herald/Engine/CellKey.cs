using Herald.Domain;

namespace Herald.Engine;

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

/// <summary>
/// Per team and dimension, one cell per bucket and value (provider=twilio, country=DE...): a question
/// filtered or grouped by one dimension reads one row per value instead of one per dimension set. The
/// value is interned like a dimension set whose only value is that one; cells live under their own scope.
/// Hours, days and months only: minute cells would cost a write per event, and the ragged minutes at a
/// window's edges are few enough to read per dimension set.
/// </summary>
public static class Projections
{
    public static readonly Dimension[] Projected =
    [
        Dimension.Account, Dimension.Channel, Dimension.Provider, Dimension.Route,
        Dimension.Campaign, Dimension.Country, Dimension.Kind, Dimension.Direction, Dimension.Agent, Dimension.Template,
    ];

    /// <summary>Below every team-total scope (-teamId); team ids stay under a million.</summary>
    public static int ScopeOf(int teamId, Dimension d) => -(1_000_000 * (1 + (int)d) + teamId);

    /// <summary>The interned tuple that stands for one value of one dimension (kind 0 unless the dimension is kind).</summary>
    public static DimensionTuple ValueTuple(int teamId, Dimension d, string value) => d switch
    {
        Dimension.Account => new(teamId, 0, value, null, null, null, null, null, null),
        Dimension.Channel => new(teamId, 0, null, value, null, null, null, null, null),
        Dimension.Provider => new(teamId, 0, null, null, value, null, null, null, null),
        Dimension.Route => new(teamId, 0, null, null, null, value, null, null, null),
        Dimension.Campaign => new(teamId, 0, null, null, null, null, value, null, null),
        Dimension.Country => new(teamId, 0, null, null, null, null, null, value, null),
        Dimension.Direction => new(teamId, 0, null, null, null, null, null, null, value),
        Dimension.Agent => new(teamId, 0, null, null, null, null, null, null, null, Agent: value),
        Dimension.Template => new(teamId, 0, null, null, null, null, null, null, null, Template: value),
        Dimension.Kind => new(teamId, ItemKinds.TryParse(value, out var k) ? k : 0, null, null, null, null, null, null, null),
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };
}
