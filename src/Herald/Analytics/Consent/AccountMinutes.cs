using System.Collections.Concurrent;
using Herald.Analytics.Caching;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Analytics.Consent;

/// <summary>
/// Events per minute of each account of a team, one hour at a time, from that hour's minute cells (one read of every
/// dimension set's cells, events only; the writer's pending cells on top). Rate-limit adherence needs per-account minutes,
/// which only the minute cells of the account's dimension sets hold. An hour's arrays are kept while no batch touches that
/// hour of the team (<see cref="DataChanges"/>, the cache tiers' own rule, so a kept hour is what a fresh read would give);
/// with the cache switched off (<c>Herald:Cache:Enabled</c>) every call reads its hours again.
/// </summary>
public sealed class AccountMinutes(IRollupReader reader, PendingRollups pending, DimensionRegistry registry,
    DataChanges? changes = null, CacheOptions? options = null)
{
    public const int MaxKeptHours = 20_000;

    /// <summary>One hour of a team: events per minute of the team and of each account (null key: items without one).</summary>
    public sealed record Hour(long[] Team, IReadOnlyDictionary<string, long[]> ByAccount);

    private readonly ConcurrentDictionary<(int Team, long Hour), (long Version, Hour Data)> _kept = new();

    public Hour Of(int teamId, UtcMinute hourStart)
    {
        bool keep = changes is not null && (options?.Enabled ?? true);
        if (keep && _kept.TryGetValue((teamId, hourStart.Value), out var hit)
            && !changes!.ChangedSince(hit.Version, [teamId], DataSource.Rollups, hourStart, new UtcMinute(hourStart.Value + 60)))
            return hit.Data;
        long version = changes?.Version ?? 0; // read before the cells: a batch landing meanwhile makes this hour stale
        var data = Read(teamId, hourStart);
        if (keep)
        {
            if (_kept.Count >= MaxKeptHours) _kept.Clear();
            _kept[(teamId, hourStart.Value)] = (version, data);
        }
        return data;
    }

    private Hour Read(int teamId, UtcMinute hourStart)
    {
        var end = new UtcMinute(hourStart.Value + 60);
        var team = new long[60];
        var byAccount = new Dictionary<string, long[]>(StringComparer.Ordinal);
        using (pending.Read())
        {
            // Under the read lock: every set whose cells are visible was interned before them.
            int maxId = registry.MaxId;
            var accountOf = new long[]?[maxId + 1];
            foreach (int id in registry.SetsOf(teamId))
            {
                if (id > maxId || registry.Get(id).Account is not { } account) continue;
                accountOf[id] = byAccount.TryGetValue(account, out var a) ? a : byAccount[account] = new long[60];
            }
            reader.ReadCells(teamId, Granularity.Minute, hourStart, end, (bucket, dims, data) =>
            {
                long n = CellStats.EventsOf(data);
                int i = (int)(bucket.Value - hourStart.Value);
                team[i] += n;
                if ((uint)dims < (uint)accountOf.Length && accountOf[dims] is { } a) a[i] += n;
            });
            pending.Visit(teamId, Granularity.Minute, hourStart, end, (bucket, dims, cell) =>
            {
                int i = (int)(bucket.Value - hourStart.Value);
                team[i] += cell.Events;
                if ((uint)dims < (uint)accountOf.Length && accountOf[dims] is { } a) a[i] += cell.Events;
            });
        }
        return new Hour(team, byAccount);
    }
}
