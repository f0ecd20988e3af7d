using Herald.Domain;
using Herald.Storage;

namespace Herald.Engine;

/// <summary>
/// What the writer has committed as raw events but not yet folded into the stored rollups and item rows:
/// cell deltas, failure cell deltas and item states since the last flush. Queries read the store and this overlay under one
/// read lock, and a flush swaps overlay into store under the write lock, so no answer counts a delta
/// twice or misses it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A singleton for the process's lifetime: disposing its lock at shutdown would only race the last background callers.")]
public sealed class PendingRollups(DataChanges? changes = null)
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.SupportsRecursion);
    private readonly Dictionary<(int Team, Granularity G), Dictionary<(UtcMinute Bucket, int Dims), CellStats>> _cells = new();
    private readonly Dictionary<(int Team, string Item), ItemRecord> _items = new();
    private readonly FailureCellDeltas _failures = new();
    private int _cellCount;
    private volatile IPendingObserver[] _observers = [];

    /// <summary>
    /// Registers a view kept from the writer's deltas: it sees every batch's deltas as they are published (under the write
    /// lock) and is told when the pending state is thrown away for a recovery, after which it must be rebuilt.
    /// </summary>
    public void Observe(IPendingObserver observer)
    {
        using (Write()) _observers = [.. _observers, observer];
    }

    public int CellCount => _cellCount;
    public int ItemCount => _items.Count;

    public ReadScope Read() => new(_lock, write: false);
    public ReadScope Write() => new(_lock, write: true);

    /// <summary>Adds a committed batch's cell deltas. Caller holds the write lock.</summary>
    public void Add(IReadOnlyDictionary<CellKey, CellStats> deltas)
    {
        changes?.RecordRollups(deltas);
        foreach (var o in _observers) o.OnDeltas(deltas);
        foreach (var (key, delta) in deltas)
        {
            if (delta.IsEmpty) continue;
            var byGran = _cells.TryGetValue((key.TeamId, key.Granularity), out var d) ? d : _cells[(key.TeamId, key.Granularity)] = new();
            if (!byGran.TryGetValue((key.Bucket, key.DimensionSetId), out var cell))
            {
                cell = new CellStats();
                byGran[(key.Bucket, key.DimensionSetId)] = cell;
                _cellCount++;
            }
            cell.Add(delta);
        }
    }

    /// <summary>Announces a committed batch's consent keywords (stored already; nothing of them is pending). Caller holds the write lock.</summary>
    public void AddConsent(IReadOnlyList<ConsentKeywordChange> keywords)
    {
        if (keywords.Count == 0) return;
        changes?.RecordConsent(keywords);
        foreach (var o in _observers) o.OnConsent(keywords);
    }

    /// <summary>Adds a committed batch's failure cell deltas. Caller holds the write lock.</summary>
    public void AddFailures(IReadOnlyDictionary<FailureCellKey, long> deltas) => _failures.Add(deltas);

    /// <summary>Pending failure cells, summed per cell (some may sum to zero after a move).</summary>
    public IReadOnlyDictionary<FailureCellKey, long> FailureCells => _failures.Cells;

    /// <summary>Pending failure cells of a team at one granularity with bucket in [from, to). Caller holds the read lock.</summary>
    public void VisitFailureCells(int teamId, Granularity g, UtcMinute from, UtcMinute to, Action<int, string, long> visit) =>
        _failures.Visit(teamId, g, from, to, visit);

    /// <summary>Publishes an item's latest state. Caller holds the write lock.</summary>
    public void Publish(ItemRecord item) => _items[(item.TeamId, item.ItemId)] = item;

    public IEnumerable<(CellKey Key, CellStats Cell)> AllCells()
    {
        foreach (var ((team, g), cells) in _cells)
            foreach (var ((bucket, dims), cell) in cells)
                yield return (new CellKey(team, g, bucket, dims), cell);
    }

    /// <summary>
    /// Forgets everything before a recovery replays the raw events past the checkpoint (their deltas are published again):
    /// views kept from the deltas start over. Caller holds the write lock.
    /// </summary>
    public void Discard()
    {
        Clear();
        foreach (var o in _observers) o.OnDiscard();
    }

    /// <summary>Forgets everything (after a flush, or before a recovery). Caller holds the write lock.</summary>
    public void Clear()
    {
        _cells.Clear();
        _items.Clear();
        _failures.Clear();
        _cellCount = 0;
    }

    /// <summary>Pending cells of a team at one granularity with bucket in [from, to). Caller holds the read lock.</summary>
    public void Visit(int teamId, Granularity g, UtcMinute from, UtcMinute to, Action<UtcMinute, int, CellStats> visit)
    {
        if (!_cells.TryGetValue((teamId, g), out var cells)) return;
        foreach (var ((bucket, dims), cell) in cells)
            if (bucket >= from && bucket < to) visit(bucket, dims, cell);
    }

    public ItemRecord? Item(int teamId, string itemId) => _items.GetValueOrDefault((teamId, itemId));

    /// <summary>The pending states of every team's items. Caller holds the read lock.</summary>
    public IEnumerable<ItemRecord> AllItems() => _items.Values;

    /// <summary>The pending states of a team's items. Caller holds the read lock.</summary>
    public IEnumerable<ItemRecord> ItemsOfTeam(int teamId)
    {
        foreach (var item in _items.Values)
            if (item.TeamId == teamId) yield return item;
    }

    public IEnumerable<ItemRecord> ItemsOfRecipient(int teamId, string recipient)
    {
        foreach (var item in _items.Values)
            if (item.TeamId == teamId && item.Recipient == recipient) yield return item;
    }

    public readonly struct ReadScope : IDisposable
    {
        private readonly ReaderWriterLockSlim _lock;
        private readonly bool _write;

        public ReadScope(ReaderWriterLockSlim l, bool write)
        {
            _lock = l;
            _write = write;
            if (write) l.EnterWriteLock();
            else l.EnterReadLock();
        }

        public void Dispose()
        {
            if (_write) _lock.ExitWriteLock();
            else _lock.ExitReadLock();
        }
    }
}

/// <summary>A view the writer's published deltas keep up to date (see <see cref="PendingRollups.Observe"/>).</summary>
public interface IPendingObserver
{
    void OnDeltas(IReadOnlyDictionary<CellKey, CellStats> deltas);
    void OnDiscard();

    /// <summary>A batch's consent keywords, as they are published (under the write lock).</summary>
    void OnConsent(IReadOnlyList<ConsentKeywordChange> keywords) { }
}
