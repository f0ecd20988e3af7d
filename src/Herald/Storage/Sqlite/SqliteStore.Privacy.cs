using Herald.Storage.Encryption;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Hashed recipients' side of the store: the mode its recipients are written in, recorded at the first start and held
/// to at every later one, and the <see cref="RecipientPrivacy"/> that mode gives.
/// </summary>
public sealed partial class SqliteStore
{
    private RecipientPrivacy? _recipients;

    /// <summary>How this store's recipients are written: the recorded mode (plain for a store that recorded none).</summary>
    public RecipientPrivacy Recipients
    {
        get
        {
            if (Volatile.Read(ref _recipients) is { } known) return known;
            using var c = Open();
            var recorded = Scalar(c, null, SqliteSql.SelectStoreSetting, ("$name", SqliteSql.RecipientModeSetting)) as string;
            return _recipients = Privacy(recorded == RecipientPrivacy.HashedMode);
        }
    }

    private RecipientPrivacy Privacy(bool hashed) => hashed ? RecipientPrivacy.Hashed(Fields) : RecipientPrivacy.Plain;

    /// <summary>
    /// Holds the store to <paramref name="hashed"/>: records it when the store has no recipients yet (a new store, or one
    /// that never took an event or contact), else requires it to be the mode they were written in (plain when a Herald
    /// from before hashed recipients wrote them).
    /// </summary>
    /// <exception cref="RecipientModeException">The store's recipients were written in the other mode.</exception>
    public RecipientPrivacy UseRecipientMode(bool hashed, long nowMs)
    {
        string wanted = hashed ? RecipientPrivacy.HashedMode : RecipientPrivacy.PlainMode;
        using var c = Open();
        using var tx = c.BeginTransaction();
        var recorded = Scalar(c, tx, SqliteSql.SelectStoreSetting, ("$name", SqliteSql.RecipientModeSetting)) as string;
        if (recorded != wanted)
        {
            bool holds = Convert.ToInt64(Scalar(c, tx, SqliteSql.HoldsRecipients)) == 1;
            string written = recorded ?? RecipientPrivacy.PlainMode;
            if (holds && written != wanted)
            {
                throw new RecipientModeException(
                    $"Herald__Privacy__Recipients is {wanted}, but this store's recipients were written {written}; a store keeps the mode " +
                    $"it started with: start with Herald__Privacy__Recipients={written}, or use a new data directory for {wanted} " +
                    "(docs/OPERATIONS.md, \"Hashed recipients\")");
            }
            Execute(c, tx, SqliteSql.UpsertStoreSetting, ("$name", SqliteSql.RecipientModeSetting), ("$value", wanted), ("$now", nowMs));
        }
        tx.Commit();
        var privacy = Privacy(hashed);
        Volatile.Write(ref _recipients, privacy);
        return privacy;
    }
}
