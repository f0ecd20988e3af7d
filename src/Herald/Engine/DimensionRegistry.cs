using Herald.Domain;
using Herald.Storage;

namespace Herald.Engine;

/// <summary>
/// Every distinct dimension tuple, interned as a small integer id so rollup rows stay narrow and a filter
/// becomes a set of ids. Loaded whole at start (tuples are few: thousands, not millions); the writer adds
/// new ones, readers see a consistent copy per team.
/// </summary>
public sealed class DimensionRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<DimensionTuple, int> _ids = new();
    private readonly Dictionary<int, DimensionTuple> _tuples = new();
    private readonly Dictionary<int, int[]> _teamSets = new();
    private readonly HashSet<(int, string)> _accounts = new();
    private readonly Dictionary<int, int[]> _projectionIds = new();
    private int _maxId;

    public int MaxId => Volatile.Read(ref _maxId);

    public void Load(IEngineStore store)
    {
        lock (_lock)
        {
            _ids.Clear();
            _tuples.Clear();
            _teamSets.Clear();
            _accounts.Clear();
            _projectionIds.Clear();
            _maxId = 0;
            var byTeam = new Dictionary<int, List<int>>();
            foreach (var (id, tuple) in store.LoadDimensionSets())
            {
                AddLocked(id, tuple);
                (byTeam.TryGetValue(tuple.TeamId, out var l) ? l : byTeam[tuple.TeamId] = []).Add(id);
            }
            foreach (var (team, ids) in byTeam) _teamSets[team] = ids.ToArray();
        }
    }

    /// <summary>The id of a tuple, creating it in the writer's transaction when new. Writer only.</summary>
    public int Intern(DimensionTuple tuple, IWriteSession session)
    {
        lock (_lock)
        {
            if (_ids.TryGetValue(tuple, out int id)) return id;
        }
        int created = session.InsertDimensionSet(tuple);
        if (tuple.Account is { } account && !_accounts.Contains((tuple.TeamId, account)))
            session.EnsureAccount(tuple.TeamId, account);
        lock (_lock)
        {
            AddLocked(created, tuple);
            var old = _teamSets.TryGetValue(tuple.TeamId, out var a) ? a : [];
            _teamSets[tuple.TeamId] = [.. old, created];
        }
        return created;
    }

    /// <summary>For a dimension set: the id of each of its values as a projection (0 where it has none). Writer only.</summary>
    public int[] ProjectionIdsOf(int dimensionSetId, IWriteSession session)
    {
        lock (_lock)
        {
            if (_projectionIds.TryGetValue(dimensionSetId, out var cached)) return cached;
        }
        var tuple = Get(dimensionSetId);
        var ids = new int[Projections.Projected.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            var d = Projections.Projected[i];
            if (tuple.Text(d) is { } value) ids[i] = Intern(Projections.ValueTuple(tuple.TeamId, d, value), session);
        }
        lock (_lock) _projectionIds[dimensionSetId] = ids;
        return ids;
    }

    public bool TryGetId(DimensionTuple tuple, out int id)
    {
        lock (_lock) return _ids.TryGetValue(tuple, out id);
    }

    public bool TryGet(int id, out DimensionTuple tuple)
    {
        lock (_lock) return _tuples.TryGetValue(id, out tuple);
    }

    public DimensionTuple Get(int id)
    {
        lock (_lock) return _tuples[id];
    }

    /// <summary>A snapshot of the team's dimension set ids.</summary>
    public int[] SetsOf(int teamId)
    {
        lock (_lock) return _teamSets.TryGetValue(teamId, out var ids) ? ids : [];
    }

    private void AddLocked(int id, DimensionTuple tuple)
    {
        _ids[tuple] = id;
        _tuples[id] = tuple;
        if (tuple.Account is { } account) _accounts.Add((tuple.TeamId, account));
        if (id > _maxId) Volatile.Write(ref _maxId, id);
    }
}
