using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Serialization;
using Herald.Domain;
using Herald.Engine;
using Herald.Storage;

namespace Herald.Analytics.Users;

/// <summary>Seed 003's <c>signup_trends</c>: users who joined in the last 30 days, the 30 before, and the user base's growth.</summary>
public sealed record SignupTrends(
    [property: JsonPropertyName("last_30_days")] long Last30Days,
    [property: JsonPropertyName("previous_30_days")] long Previous30Days,
    string? GrowthRate, double? GrowthRatePercent);

/// <summary>Seed 003's <c>user_demographics</c>: contact records by city and by tier (those without one left out), and sign-ups.</summary>
public sealed record UserDemographics(IReadOnlyDictionary<string, long> ByCity, IReadOnlyDictionary<string, long> ByTier, SignupTrends SignupTrends);

public sealed record UsersSummary(DateTimeOffset Timestamp, long TotalUsers, long UsersWithoutCity, long UsersWithoutTier, UserDemographics UserDemographics);

/// <summary>
/// A team's users (seed 003's user database): the distinct recipients of its items and its contact records, one user per
/// recipient. A user joined at its contact's <c>signed_up_at</c> when set, else when Herald first knew it: the earliest of
/// its first item (by earliest event) and its contact record's creation. Stored users are counted by the store in one pass
/// over the recipient index; the writer's unflushed items are counted in their place. An answer is kept until new data of
/// the team lands or its contacts change (at most <see cref="MaxAge"/>), since the pass reads the whole index.
/// </summary>
public sealed class UserAnalytics(IUserReader users, PendingRollups pending, DataChanges changes, TimeProvider time)
{
    public const int TrendDays = 30;
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    private const long DayMs = 86_400_000L;

    private sealed record Kept(long Version, long ContactsVersion, long AtMinute, DateTimeOffset At, UsersSummary Summary);

    private readonly ConcurrentDictionary<int, Kept> _kept = new();
    private readonly ConcurrentDictionary<int, long> _contactsVersions = new();

    /// <summary>Tells the kept answers a team's contact records changed.</summary>
    public void ContactsChanged(int teamId) => _contactsVersions.AddOrUpdate(teamId, 1, (_, v) => v + 1);

    public long TotalUsers(int teamId) => Summary(teamId).TotalUsers;

    public UsersSummary Summary(int teamId)
    {
        var now = time.GetUtcNow();
        long minute = UtcMinute.FromDateTimeOffset(now).Value;
        long contactsVersion = _contactsVersions.GetValueOrDefault(teamId);
        if (_kept.TryGetValue(teamId, out var kept) && kept.AtMinute == minute && kept.ContactsVersion == contactsVersion
            && now - kept.At < MaxAge && !changes.ChangedSince(kept.Version, [teamId], DataSource.Rollups, new UtcMinute(0), new UtcMinute(long.MaxValue / 4)))
            return kept.Summary;
        long version = changes.Version;
        long nowMs = now.ToUnixTimeMilliseconds();
        var counts = JoinedBetween(teamId, [nowMs - 2 * TrendDays * DayMs, nowMs - TrendDays * DayMs]);
        long total = counts.Sum(), before = counts[0], previous = counts[1], last = counts[2];
        var byCity = users.CountContactsBy(teamId, byTier: false);
        var byTier = users.CountContactsBy(teamId, byTier: true);
        var summary = new UsersSummary(now, total, total - byCity.Values.Sum(), total - byTier.Values.Sum(),
            new UserDemographics(byCity, byTier, new SignupTrends(last, previous, Growth(last, before + previous), GrowthPercent(last, before + previous))));
        _kept[teamId] = new Kept(version, contactsVersion, minute, now, summary);
        return summary;
    }

    /// <summary>Users who joined in [from, to).</summary>
    public long Joined(int teamId, long fromMs, long toMs) => JoinedBetween(teamId, [fromMs, toMs])[1];

    /// <summary>Users who joined before <paramref name="atMs"/>.</summary>
    public long JoinedBefore(int teamId, long atMs) => JoinedBetween(teamId, [atMs])[0];

    /// <summary>
    /// Users by joining bucket against ascending cutoffs (as <see cref="IUserReader.CountUsersByJoin"/>), the writer's
    /// unflushed items included: a recipient only they name is a new user, and one whose first item they move earlier
    /// moves to that bucket.
    /// </summary>
    private long[] JoinedBetween(int teamId, long[] cutoffs)
    {
        using (pending.Read())
        {
            var counts = users.CountUsersByJoin(teamId, cutoffs);
            var earliest = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var item in pending.ItemsOfTeam(teamId))
                if (item.Recipient is { } r)
                    earliest[r] = earliest.TryGetValue(r, out long e) ? Math.Min(e, item.EarliestAtMs) : item.EarliestAtMs;
            foreach (var (recipient, pendingAt) in earliest)
            {
                var (firstItem, created, signedUp) = users.UserJoin(teamId, recipient);
                long? stored = signedUp ?? Min(firstItem, created);
                long joined = signedUp ?? Min(Min(firstItem, created), pendingAt)!.Value;
                if (stored is { } s)
                {
                    if (s == joined) continue;
                    counts[Bucket(cutoffs, s)]--;
                }
                counts[Bucket(cutoffs, joined)]++;
            }
            return counts;
        }
    }

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    private static int Bucket(long[] cutoffs, long at)
    {
        int i = 0;
        while (i < cutoffs.Length && cutoffs[i] <= at) i++;
        return i;
    }

    /// <summary>Growth of the user base as the seed writes it (<c>+15%</c>, one decimal at most): added over those there before; null when there were none.</summary>
    public static string? Growth(long added, long before) =>
        GrowthPercent(added, before) is { } p ? "+" + p.ToString("0.#", CultureInfo.InvariantCulture) + "%" : null;

    public static double? GrowthPercent(long added, long before) => before == 0 ? null : Math.Round(added * 100.0 / before, 1);
}
