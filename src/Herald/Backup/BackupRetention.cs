using System.Globalization;

namespace Herald.Backup;

/// <summary>
/// Which backups the schedule deletes. Only backups named <c>herald-YYYYMMDDTHHMMSSZ.hbk</c> take part (others are the
/// operator's own and are never deleted). Kept: the newest backup of each of the <c>keep_daily</c> most recent UTC days
/// that have a backup, the newest of each of the <c>keep_weekly</c> most recent ISO weeks (Monday to Sunday, UTC) that have
/// one, and always the newest backup of all. Every other one is deleted. Days and weeks without a backup (the server was
/// down) do not use up the counts, so a gap never deletes older backups early.
/// </summary>
public static class BackupRetention
{
    public static IReadOnlyList<StoredBackup> Expired(IReadOnlyList<StoredBackup> backups, int keepDaily, int keepWeekly)
    {
        var dated = new List<(StoredBackup Backup, DateTimeOffset At)>();
        foreach (var b in backups)
            if (BackupNames.TryParse(b.Name, out var at)) dated.Add((b, at));
        dated.Sort((x, y) => y.At.CompareTo(x.At));
        var kept = new HashSet<string>(StringComparer.Ordinal);
        if (dated.Count > 0) kept.Add(dated[0].Backup.Name);
        KeepNewestPer(dated, keepDaily, at => at.UtcDateTime.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), kept);
        KeepNewestPer(dated, keepWeekly, at => $"{ISOWeek.GetYear(at.UtcDateTime)}-W{ISOWeek.GetWeekOfYear(at.UtcDateTime):00}", kept);
        return dated.Where(d => !kept.Contains(d.Backup.Name)).Select(d => d.Backup).OrderBy(b => b.CreatedAt).ToList();
    }

    /// <summary>Walking newest first, the first backup of each new period is that period's newest; stops after <paramref name="count"/> periods.</summary>
    private static void KeepNewestPer(List<(StoredBackup Backup, DateTimeOffset At)> newestFirst, int count, Func<DateTimeOffset, string> period, HashSet<string> kept)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (backup, at) in newestFirst)
        {
            if (seen.Count >= count) return;
            if (seen.Add(period(at))) kept.Add(backup.Name);
        }
    }
}
