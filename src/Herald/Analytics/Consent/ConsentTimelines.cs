using Herald.Storage;
using Herald.Engine;

namespace Herald.Analytics.Consent;

/// <summary>
/// One contact's consent as a replay of its keywords: (time, state code) in replay order, help left out. At equal times
/// the more restrictive state comes last, so it is the one in force.
/// </summary>
public sealed class ConsentTimeline(string recipient, int index)
{
    // Most contacts send one keyword: it is held inline; the arrays exist from the second change on and then hold all.
    private long _firstAt;
    private int _firstState;
    private long[]? _at;
    private int[]? _state;

    public string Recipient { get; } = recipient;
    /// <summary>The contact's number within its team's <see cref="TeamConsent"/> (0, 1, 2, ...), for sets of contacts.</summary>
    public int Index { get; } = index;
    public int Count { get; private set; }

    /// <summary>Adds a change in replay order, wherever it falls (a late keyword lands in its place).</summary>
    public void Add(long atMs, int state)
    {
        if (Count == 0)
        {
            (_firstAt, _firstState, Count) = (atMs, state, 1);
            return;
        }
        if (_at is null)
        {
            _at = [_firstAt, 0];
            _state = [_firstState, 0];
        }
        int i = Count;
        while (i > 0 && (_at[i - 1] > atMs || (_at[i - 1] == atMs && _state![i - 1] > state))) i--;
        ParallelArrays.Insert(ref _at, ref _state!, Count, i, atMs, state);
        Count++;
    }

    /// <summary>The position of the change in force at <paramref name="atMs"/> (the last at or before it), or -1.</summary>
    public int InForce(long atMs)
    {
        int lo = 0, hi = Count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (AtOf(mid) <= atMs)
            {
                found = mid;
                lo = mid + 1;
            }
            else hi = mid - 1;
        }
        return found;
    }

    public long AtOf(int position) => _at is null ? _firstAt : _at[position];
    public int StateOf(int position) => _state is null ? _firstState : _state[position];
}

/// <summary>A team's contacts that ever sent a state keyword, by recipient (looked up by span without allocating).</summary>
public sealed class TeamConsent
{
    private readonly Dictionary<string, ConsentTimeline> _byRecipient = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConsentTimeline>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public TeamConsent() => _bySpan = _byRecipient.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _byRecipient.Count;

    /// <summary>Every contact's timeline, in no particular order.</summary>
    public IEnumerable<ConsentTimeline> All => _byRecipient.Values;

    public ConsentTimeline? Of(ReadOnlySpan<char> recipient) => _bySpan.TryGetValue(recipient, out var t) ? t : null;

    public void Add(string recipient, long atMs, int state)
    {
        if (!_byRecipient.TryGetValue(recipient, out var timeline))
            _byRecipient[recipient] = timeline = new ConsentTimeline(recipient, _byRecipient.Count);
        timeline.Add(atMs, state);
    }
}

/// <summary>
/// Every team's consent timelines in memory: a team's are read from <c>consent_changes</c> at its first question, then kept
/// exact by the keywords the writer publishes (<see cref="IPendingObserver.OnConsent"/>); a recovery drops them all.
/// A keyword both read at the build and published just after (stored, not yet announced) is added twice: the replay
/// does not change, since two equal (time, state) changes leave the same state in force.
/// </summary>
public sealed class ConsentTimelines : IPendingObserver
{
    private readonly IConsentReader _reader;
    // Guarded by _gate; the writer's keywords arrive under the pending write lock, questions hold its read lock first.
    private readonly Lock _gate = new();
    private readonly Dictionary<int, TeamConsent> _teams = new();

    public ConsentTimelines(IConsentReader reader, PendingRollups pending)
    {
        _reader = reader;
        pending.Observe(this);
    }

    /// <summary>
    /// The team's timelines. The caller holds the pending read lock for as long as it reads them (the writer changes them
    /// under the write lock only), so a question sees one state of them.
    /// </summary>
    public TeamConsent Of(int teamId)
    {
        lock (_gate)
            if (_teams.TryGetValue(teamId, out var known)) return known;
        var team = new TeamConsent();
        _reader.ForEachConsentChange(teamId, team.Add);
        lock (_gate)
        {
            // Another question may have built it meanwhile; either is exact, the first one stays.
            if (_teams.TryGetValue(teamId, out var raced)) return raced;
            _teams[teamId] = team;
            return team;
        }
    }

    public void OnDeltas(IReadOnlyDictionary<CellKey, CellStats> deltas) { }

    public void OnConsent(IReadOnlyList<ConsentKeywordChange> keywords)
    {
        lock (_gate)
            foreach (var k in keywords)
                if (_teams.TryGetValue(k.TeamId, out var team)) team.Add(k.Recipient, k.OccurredAtMs, k.State);
    }

    public void OnDiscard()
    {
        lock (_gate) _teams.Clear();
    }
}
