using Herald.Domain;

namespace Herald.Engine;

/// <summary>What a cached answer was computed from: the rollups (and everything the writer derives with them), or stored snapshots.</summary>
public enum DataSource
{
    Rollups,
    Snapshots,
    /// <summary>The rollups and the consent keywords: a keyword changes who was opted out from its own time on, so it changes
    /// every hour from its own one.</summary>
    Consent,
}

/// <summary>
/// Which hours of which team's data changed, and when (a global version that grows by one per change). A cached answer
/// remembers the version it was computed at and the hours its window covers; it is still exact when no change since then
/// touched one of those hours. Rollup changes come from every batch the writer publishes: the minute cells it touches are
/// the cohorts and event minutes of the items it moved (a late callback for last week's item touches last week). Snapshot
/// changes come from each upsert of a team's snapshots and touch the team as a whole.
/// Per team, the map from touched hour to the last version that touched it is bounded: past
/// <see cref="MaxHoursPerTeam"/> hours it is dropped and the team's floor moves to the current version, which only makes
/// answers computed before that count as stale (never the other way round).
/// </summary>
public sealed class DataChanges
{
    public const int MaxHoursPerTeam = 20_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, TeamChanges> _teams = new();
    private long _version;

    /// <summary>The version now: read it before computing an answer, so changes made meanwhile make the answer stale.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>Notes the minute cells of a published batch (cells of other granularities cover the same minutes).</summary>
    public void RecordRollups(IReadOnlyDictionary<CellKey, CellStats> deltas)
    {
        lock (_lock)
        {
            long version = ++_version;
            foreach (var key in deltas.Keys)
            {
                if (key.Granularity != Granularity.Minute || key.TeamId <= 0) continue;
                TeamOf(key.TeamId).Touch(key.Bucket.Floor(Granularity.Hour).Value, version);
            }
        }
    }

    /// <summary>Notes consent keywords of a published batch: each changes its team's hours from the keyword's own on.</summary>
    public void RecordConsent(IReadOnlyList<ConsentKeywordChange> keywords)
    {
        if (keywords.Count == 0) return;
        lock (_lock)
        {
            long version = ++_version;
            foreach (var k in keywords) TeamOf(k.TeamId).TouchFrom(UtcMinute.FromUnixMillis(k.OccurredAtMs).Floor(Granularity.Hour).Value, version);
        }
    }

    public void RecordSnapshots(int teamId)
    {
        lock (_lock) TeamOf(teamId).SnapshotVersion = ++_version;
    }

    /// <summary>
    /// Whether anything of <paramref name="source"/> changed after <paramref name="version"/> for one of the teams in the
    /// hours overlapping [<paramref name="from"/>, <paramref name="to"/>) (snapshots: anywhere).
    /// </summary>
    public bool ChangedSince(long version, IReadOnlyList<int> teams, DataSource source, UtcMinute from, UtcMinute to)
    {
        lock (_lock)
        {
            foreach (int team in teams)
            {
                if (!_teams.TryGetValue(team, out var changes)) continue;
                if (changes.Floor > version) return true;
                if (source == DataSource.Snapshots)
                {
                    if (changes.SnapshotVersion > version) return true;
                    continue;
                }
                if (changes.ChangedSince(version, from.Floor(Granularity.Hour).Value, to.Value)) return true;
                if (source == DataSource.Consent && changes.ChangedFromSince(version, to.Value)) return true;
            }
            return false;
        }
    }

    private TeamChanges TeamOf(int teamId)
    {
        if (!_teams.TryGetValue(teamId, out var changes)) _teams[teamId] = changes = new TeamChanges();
        return changes;
    }

    private sealed class TeamChanges
    {
        private readonly Dictionary<long, long> _lastVersionByHour = new();
        // Hour -> last version of a change that holds from that hour on (consent keywords).
        private readonly Dictionary<long, long> _lastVersionFromHour = new();

        public long Floor { get; private set; }
        public long SnapshotVersion { get; set; }

        public void Touch(long hour, long version)
        {
            if (_lastVersionByHour.Count >= MaxHoursPerTeam && !_lastVersionByHour.ContainsKey(hour))
            {
                _lastVersionByHour.Clear();
                Floor = version;
            }
            _lastVersionByHour[hour] = version;
        }

        public void TouchFrom(long hour, long version)
        {
            if (_lastVersionFromHour.Count >= MaxHoursPerTeam && !_lastVersionFromHour.ContainsKey(hour))
            {
                _lastVersionFromHour.Clear();
                _lastVersionByHour.Clear();
                Floor = version;
            }
            _lastVersionFromHour[hour] = version;
        }

        /// <summary>Whether a change from some hour on, made after <paramref name="version"/>, reaches before <paramref name="toMinute"/>.</summary>
        public bool ChangedFromSince(long version, long toMinute)
        {
            foreach (var (hour, v) in _lastVersionFromHour)
                if (v > version && hour < toMinute) return true;
            return false;
        }

        /// <summary>Hours start at minute <paramref name="fromHour"/> and step by 60 while before <paramref name="toMinute"/>.</summary>
        public bool ChangedSince(long version, long fromHour, long toMinute)
        {
            long hours = (toMinute - fromHour + 59) / 60;
            if (hours > _lastVersionByHour.Count)
            {
                // A long window: walk the touched hours instead of the window's.
                foreach (var (hour, v) in _lastVersionByHour)
                    if (v > version && hour >= fromHour && hour < toMinute) return true;
                return false;
            }
            for (long h = fromHour; h < toMinute; h += 60)
                if (_lastVersionByHour.TryGetValue(h, out long v) && v > version) return true;
            return false;
        }
    }
}
