using Herald.Domain;
using Herald.Storage;
using Herald.Engine;

namespace Herald.Analytics.Consent;

/// <summary>
/// Events per minute of a team and of each of its accounts: what rate-limit adherence needs, which only the minute cells
/// of every dimension set hold (value projections stop at hours). A team's view is built on its first question from
/// the last <see cref="ViewDays"/> days of minute cells (stored and pending), then kept exact by the writer's published
/// deltas (<see cref="IPendingObserver"/>): a question then costs a lookup per minute, not a read of every set's cells.
/// A recovery (which publishes the replayed events' deltas again) drops the views; a view is built again once it spans
/// twice <see cref="ViewDays"/>; minutes before a view are read from the cells, one hour at a time.
/// </summary>
public sealed class AccountMinutes : IPendingObserver
{
    public const int ViewDays = 8;

    /// <summary>One hour of a team: events per minute of the team and of each account.</summary>
    public sealed record Hour(long[] Team, IReadOnlyDictionary<string, long[]> ByAccount);

    private sealed class TeamView(long startMinute)
    {
        public readonly long StartMinute = startMinute;
        public readonly Dictionary<long, long> Team = new();
        public readonly Dictionary<string, Dictionary<long, long>> ByAccount = new(StringComparer.Ordinal);

        public void Add(long minute, string? account, long events)
        {
            Team[minute] = Team.GetValueOrDefault(minute) + events;
            if (account is null) return;
            if (!ByAccount.TryGetValue(account, out var m)) ByAccount[account] = m = new Dictionary<long, long>();
            m[minute] = m.GetValueOrDefault(minute) + events;
        }
    }

    private readonly IRollupReader _reader;
    private readonly PendingRollups _pending;
    private readonly DimensionRegistry _registry;
    private readonly TimeProvider _time;
    // Guarded by _gate; the writer's deltas arrive under the pending write lock, questions hold its read lock first.
    private readonly Lock _gate = new();
    private readonly Dictionary<int, TeamView> _views = new();

    public AccountMinutes(IRollupReader reader, PendingRollups pending, DimensionRegistry registry, TimeProvider? time = null)
    {
        _reader = reader;
        _pending = pending;
        _registry = registry;
        _time = time ?? TimeProvider.System;
        pending.Observe(this);
    }

    public Hour Of(int teamId, UtcMinute hourStart)
    {
        using (_pending.Read())
        {
            lock (_gate)
            {
                // A view older than twice its span is built again, so it never holds more than that many days.
                long oldest = UtcMinute.FromDateTimeOffset(_time.GetUtcNow()).Value - 2 * ViewDays * 1440L;
                if (!_views.TryGetValue(teamId, out var view) || view.StartMinute < oldest) _views[teamId] = view = Load(teamId);
                if (hourStart.Value >= view.StartMinute) return FromView(view, hourStart.Value);
            }
            return Read(teamId, hourStart);
        }
    }

    public void OnDeltas(IReadOnlyDictionary<CellKey, CellStats> deltas)
    {
        lock (_gate)
        {
            if (_views.Count == 0) return;
            foreach (var (key, cell) in deltas)
            {
                if (key.Granularity != Granularity.Minute || key.TeamId <= 0 || cell.Events == 0) continue;
                if (!_views.TryGetValue(key.TeamId, out var view) || key.Bucket.Value < view.StartMinute) continue;
                view.Add(key.Bucket.Value, _registry.Get(key.DimensionSetId).Account, cell.Events);
            }
        }
    }

    public void OnDiscard()
    {
        lock (_gate) _views.Clear();
    }

    private static Hour FromView(TeamView view, long hourStart)
    {
        var team = new long[60];
        for (int i = 0; i < 60; i++) team[i] = view.Team.GetValueOrDefault(hourStart + i);
        var byAccount = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (account, minutes) in view.ByAccount)
        {
            var a = new long[60];
            for (int i = 0; i < 60; i++) a[i] = minutes.GetValueOrDefault(hourStart + i);
            byAccount[account] = a;
        }
        return new Hour(team, byAccount);
    }

    /// <summary>The team's minute cells from <see cref="ViewDays"/> days ago on, stored and pending. Caller holds the pending read lock.</summary>
    private TeamView Load(int teamId)
    {
        var start = UtcMinute.FromDateTimeOffset(_time.GetUtcNow().AddDays(-ViewDays)).Floor(Granularity.Hour);
        var end = new UtcMinute(long.MaxValue / 2);
        var view = new TeamView(start.Value);
        var accountOf = AccountsOf(teamId);
        _reader.ReadCells(teamId, Granularity.Minute, start, end, (bucket, dims, data) =>
            view.Add(bucket.Value, (uint)dims < (uint)accountOf.Length ? accountOf[dims] : null, CellStats.EventsOf(data)));
        _pending.Visit(teamId, Granularity.Minute, start, end, (bucket, dims, cell) =>
            view.Add(bucket.Value, (uint)dims < (uint)accountOf.Length ? accountOf[dims] : null, cell.Events));
        return view;
    }

    /// <summary>One hour from the cells (before a view's start). Caller holds the pending read lock.</summary>
    private Hour Read(int teamId, UtcMinute hourStart)
    {
        var end = new UtcMinute(hourStart.Value + 60);
        var team = new long[60];
        var byAccount = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var accountOf = AccountsOf(teamId);
        void Add(UtcMinute bucket, int dims, long n)
        {
            int i = (int)(bucket.Value - hourStart.Value);
            team[i] += n;
            if ((uint)dims >= (uint)accountOf.Length || accountOf[dims] is not { } account) return;
            if (!byAccount.TryGetValue(account, out var a)) byAccount[account] = a = new long[60];
            a[i] += n;
        }
        _reader.ReadCells(teamId, Granularity.Minute, hourStart, end, (bucket, dims, data) => Add(bucket, dims, CellStats.EventsOf(data)));
        _pending.Visit(teamId, Granularity.Minute, hourStart, end, (bucket, dims, cell) => Add(bucket, dims, cell.Events));
        return new Hour(team, byAccount);
    }

    /// <summary>Each of the team's dimension sets' account (null for none). Under the pending lock every visible set is interned.</summary>
    private string?[] AccountsOf(int teamId)
    {
        var accountOf = new string?[_registry.MaxId + 1];
        foreach (int id in _registry.SetsOf(teamId))
            if (id < accountOf.Length) accountOf[id] = _registry.Get(id).Account;
        return accountOf;
    }
}
