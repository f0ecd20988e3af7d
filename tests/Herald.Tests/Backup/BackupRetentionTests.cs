using Herald.Backup;

namespace Herald.Tests.Backup;

/// <summary>The retention rule: the newest backup of each of the last N days and of each of the last M ISO weeks that have one.</summary>
public sealed class BackupRetentionTests
{
    private static StoredBackup At(string utc) =>
        new(BackupNames.For(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture)), DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), 10, null);

    private static string[] KeptNames(IReadOnlyList<StoredBackup> all, int keepDaily, int keepWeekly)
    {
        var expired = BackupRetention.Expired(all, keepDaily, keepWeekly).Select(b => b.Name).ToHashSet();
        return all.Select(b => b.Name).Where(n => !expired.Contains(n)).Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public void Keeps_the_newest_of_each_of_the_last_days_and_iso_weeks_and_deletes_the_rest()
    {
        // 2026-12-07 is a Monday (ISO week 50); 2026-11-30 the Monday of week 49; 2026-11-23 of week 48.
        var all = new[]
        {
            At("2026-11-16T01:30:00Z"), // week 47
            At("2026-11-22T01:30:00Z"), // Sunday, week 47: its newest
            At("2026-11-24T01:30:00Z"), // week 48
            At("2026-11-28T01:30:00Z"), // week 48: its newest
            At("2026-12-05T01:30:00Z"), // Saturday, week 49
            At("2026-12-06T01:30:00Z"), // Sunday, week 49: its newest
            At("2026-12-06T13:00:00Z"), // a manual one the same Sunday, newer
            At("2026-12-07T01:30:00Z"), // today, week 50
        };
        Assert.Equal(
            [BackupNames.For(DateTimeOffset.Parse("2026-11-28T01:30:00Z")), BackupNames.For(DateTimeOffset.Parse("2026-12-05T01:30:00Z")),
             BackupNames.For(DateTimeOffset.Parse("2026-12-06T13:00:00Z")), BackupNames.For(DateTimeOffset.Parse("2026-12-07T01:30:00Z"))],
            KeptNames(all, keepDaily: 3, keepWeekly: 3));
        // Days: 12-07, 12-06 (13:00, not 01:30), 12-05. Weeks: 50 (12-07), 49 (12-06 13:00), 48 (11-28). Week 47 is past the count.
    }

    [Fact]
    public void Days_without_a_backup_do_not_use_up_the_count()
    {
        var all = new[] { At("2026-10-01T01:30:00Z"), At("2026-11-01T01:30:00Z"), At("2026-12-01T01:30:00Z") };
        Assert.Equal(all.Skip(1).Select(b => b.Name), KeptNames(all, keepDaily: 2, keepWeekly: 0));
    }

    [Fact]
    public void The_newest_backup_is_always_kept_and_other_names_are_never_deleted()
    {
        var mine = new StoredBackup("before-upgrade.hbk", DateTimeOffset.Parse("2020-01-01T00:00:00Z"), 10, null);
        var all = new[] { mine, At("2026-12-06T01:30:00Z"), At("2026-12-07T01:30:00Z") };
        Assert.Equal(["before-upgrade.hbk", BackupNames.For(DateTimeOffset.Parse("2026-12-07T01:30:00Z"))], KeptNames(all, keepDaily: 0, keepWeekly: 0));
    }
}
