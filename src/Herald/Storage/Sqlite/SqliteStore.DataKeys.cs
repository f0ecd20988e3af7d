using Herald.Engine;
using Herald.Storage.Encryption;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Field encryption's side of the store: the wrapped data keys, and the protector every record mapping seals personal
/// data and secrets with (opened from the data directory's master key on first use; the server opens it at start).
/// </summary>
public sealed partial class SqliteStore : IDataKeyStore
{
    private FieldProtector? _fields;
    private readonly Lock _fieldsLock = new();

    /// <summary>The protector of this store's sealed fields, opened with the data directory's master key on first use.</summary>
    /// <exception cref="FieldEncryptionException">The master key is missing or not the one the data keys are wrapped under.</exception>
    public FieldProtector Fields
    {
        get
        {
            if (Volatile.Read(ref _fields) is { } opened) return opened;
            lock (_fieldsLock)
            {
                return _fields ??= FieldEncryption.Open(this, System.IO.Path.GetDirectoryName(Path)!, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }
        }
    }

    public IReadOnlyList<DataKeyRecord> ListDataKeys()
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectDataKeys);
        using var r = cmd.ExecuteReader();
        var list = new List<DataKeyRecord>();
        while (r.Read()) list.Add(new DataKeyRecord(r.GetInt32(0), r.GetString(1), (byte[])r.GetValue(2), r.GetString(3), r.GetInt64(4)));
        return list;
    }

    public bool TryAddDataKey(DataKeyRecord key)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.InsertDataKey, ("$id", key.Id), ("$purpose", key.Purpose), ("$wrapped", key.Wrapped),
            ("$master", key.MasterKeyId), ("$now", key.CreatedAtMs)) == 1;
    }

    public int RewrapDataKeys(IReadOnlyList<DataKeyRecord> rewrapped, string expectedMasterKeyId)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        int changed = 0;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var k in rewrapped)
        {
            changed += Execute(c, tx, SqliteSql.RewrapDataKey, ("$id", k.Id), ("$wrapped", k.Wrapped), ("$master", k.MasterKeyId),
                ("$now", now), ("$expected", expectedMasterKeyId));
        }
        if (changed != rewrapped.Count) throw new FieldEncryptionException("the data keys changed while they were re-wrapped; nothing was changed");
        tx.Commit();
        return changed;
    }

    /// <summary>A protected column's value as stored: sealed.</summary>
    private byte[]? Seal(string? plain) => Fields.Seal(plain);

    /// <summary>A protected column's value, opened (a text is a row from before encryption, returned as it is).</summary>
    private string? Opened(SqliteDataReader r, int i) => Fields.Open(r.GetValue(i));

    private byte[]? BlindIndex(string? value) => Fields.BlindIndex(value);

    /// <summary>
    /// A message body as stored: sealed, as it is personal (inbound ones above all), unless it is only a consent keyword
    /// (STOP, HELP ...), which <c>consent_changes</c> keeps in clear anyway and migration 14's backfill reads as text.
    /// </summary>
    internal object? SealedBody(string? text) =>
        text is null ? null : ConsentKeywords.Classify(text) != KeywordClass.Other ? text : Fields.Seal(text);

    private const int UpgradeBatch = 500;

    /// <summary>
    /// Seals the values stored in plain text before field encryption (and fills the agents' blind indexes), a batch per
    /// transaction: a crash leaves some rows sealed and the rest still plain, and the next start carries on. Returns the
    /// values sealed; none once every row is.
    /// </summary>
    public long SealPlaintextFields()
    {
        var fields = Fields;
        long sealedCount = 0;
        using var c = Open();
        foreach (var (table, key, column) in SqliteSql.ProtectedColumns)
        {
            string select = SqliteSql.SelectPlaintext(table, key, column), update = SqliteSql.SealPlaintext(table, key, column);
            while (true)
            {
                using var tx = c.BeginTransaction();
                var rows = new List<(object[] Key, string Plain)>();
                using (var cmd = Command(c, select, ("$limit", UpgradeBatch)))
                {
                    cmd.Transaction = tx;
                    using var r = cmd.ExecuteReader();
                    while (r.Read())
                    {
                        var keyValues = new object[key.Length];
                        for (int i = 0; i < key.Length; i++) keyValues[i] = r.GetValue(i);
                        rows.Add((keyValues, r.GetString(key.Length)));
                    }
                }
                foreach (var (keyValues, plain) in rows)
                {
                    var parameters = keyValues.Select((v, i) => ($"$k{i}", (object?)v)).Append(("$sealed", fields.Seal(plain))).ToArray();
                    sealedCount += Execute(c, tx, update, parameters);
                }
                tx.Commit();
                if (rows.Count < UpgradeBatch) break;
            }
        }
        while (true)
        {
            using var tx = c.BeginTransaction();
            var agents = new List<(long Id, string Phone, string Email)>();
            using (var cmd = Command(c, SqliteSql.SelectAgentsWithoutIndexes, ("$limit", UpgradeBatch)))
            {
                cmd.Transaction = tx;
                using var r = cmd.ExecuteReader();
                while (r.Read()) agents.Add((r.GetInt64(0), Opened(r, 1)!, Opened(r, 2)!));
            }
            foreach (var (id, phone, email) in agents)
                Execute(c, tx, SqliteSql.SetAgentIndexes, ("$id", id), ("$phone_index", BlindIndex(phone)), ("$email_index", BlindIndex(email)));
            tx.Commit();
            if (agents.Count < UpgradeBatch) break;
        }
        sealedCount += SealPlaintextEventTexts(c, fields);
        while (true)
        {
            using var tx = c.BeginTransaction();
            var customers = new List<(long Team, string Phone)>();
            using (var cmd = Command(c, SqliteSql.SelectCustomersWithoutPhone, ("$limit", UpgradeBatch)))
            {
                cmd.Transaction = tx;
                using var r = cmd.ExecuteReader();
                while (r.Read()) customers.Add((r.GetInt64(0), r.GetString(1)));
            }
            foreach (var (team, phone) in customers)
                sealedCount += Execute(c, tx, SqliteSql.SetCustomerPhone, ("$team", team), ("$recipient", phone), ("$phone", fields.Seal(phone)));
            tx.Commit();
            if (customers.Count < UpgradeBatch) break;
        }
        return sealedCount;
    }

    /// <summary>
    /// Message bodies stored in clear before they were sealed. The events table is large and the writer seals every new body,
    /// so it is read once, by rowid, and the store records that it was (then later starts skip it).
    /// </summary>
    private static long SealPlaintextEventTexts(SqliteConnection c, FieldProtector fields)
    {
        if (Scalar(c, null, SqliteSql.SelectStoreSetting, ("$name", SqliteSql.EventTextsSealedSetting)) is not null) return 0;
        long sealedCount = 0, after = 0;
        while (true)
        {
            using var tx = c.BeginTransaction();
            var texts = new List<(long Id, string Text)>();
            using (var cmd = Command(c, SqliteSql.SelectPlaintextEventTexts, ("$after", after), ("$limit", UpgradeBatch)))
            {
                cmd.Transaction = tx;
                using var r = cmd.ExecuteReader();
                while (r.Read()) texts.Add((r.GetInt64(0), r.GetString(1)));
            }
            foreach (var (id, text) in texts)
                if (ConsentKeywords.Classify(text) == KeywordClass.Other) sealedCount += Execute(c, tx, SqliteSql.SealEventText, ("$id", id), ("$sealed", fields.Seal(text)));
            if (texts.Count < UpgradeBatch)
            {
                Execute(c, tx, SqliteSql.UpsertStoreSetting, ("$name", SqliteSql.EventTextsSealedSetting), ("$value", "true"),
                    ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                tx.Commit();
                return sealedCount;
            }
            tx.Commit();
            after = texts[^1].Id;
        }
    }
}
