using Herald.Domain;

namespace Herald.Analytics;

/// <summary>Identifies one rollup cell: a team's dimension set in one bucket of one stored granularity.</summary>
public readonly record struct CellKey(int TeamId, Granularity Granularity, UtcMinute Bucket, int DimensionSetId);
