using Herald.Storage.Encryption;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Field encryption on PostgreSQL, as on SQLite: the wrapped data keys in the database, the master key from
/// <c>HERALD_MASTER_KEY</c> or the node's data directory (every node of one database needs the same one), and the
/// protector the record mappings seal webhook secrets and message bodies with.
/// </summary>
public sealed partial class PostgresStore : IDataKeyStore
{
    private const int UpgradeBatch = 500;
    private FieldProtector? _fields;
    private readonly Lock _fieldsLock = new();

    /// <summary>The protector of this store's sealed fields, opened with the master key on first use.</summary>
    /// <exception cref="FieldEncryptionException">The master key is missing or not the one the data keys are wrapped under.</exception>
    public FieldProtector Fields
    {
        get
        {
            if (Volatile.Read(ref _fields) is { } opened) return opened;
            lock (_fieldsLock)
            {
                return _fields ??= FieldEncryption.Open(this, _dataDir ?? throw new InvalidOperationException("the PostgreSQL store was opened without a data directory for its master key"),
                    DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }
        }
    }

    public IReadOnlyList<DataKeyRecord> ListDataKeys()
    {
        using var c = Open();
        using var cmd = Command(c, PostgresSql.SelectDataKeys);
        using var r = cmd.ExecuteReader();
        var list = new List<DataKeyRecord>();
        while (r.Read()) list.Add(new DataKeyRecord(r.GetInt32(0), r.GetString(1), r.GetFieldValue<byte[]>(2), r.GetString(3), r.GetInt64(4)));
        return list;
    }

    public bool TryAddDataKey(DataKeyRecord key)
    {
        using var c = Open();
        return Execute(c, PostgresSql.InsertDataKey, key.Id, key.Purpose, key.Wrapped, key.MasterKeyId, key.CreatedAtMs) == 1;
    }

    public int RewrapDataKeys(IReadOnlyList<DataKeyRecord> rewrapped, string expectedMasterKeyId)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        int changed = rewrapped.Sum(k => Execute(c, PostgresSql.RewrapDataKey, k.Id, k.Wrapped, k.MasterKeyId, now, expectedMasterKeyId));
        if (changed != rewrapped.Count) throw new FieldEncryptionException("the data keys changed while they were re-wrapped; nothing was changed");
        tx.Commit();
        return changed;
    }

    /// <summary>A protected value: its sealed column's, else (a row from before field encryption) its text column's.</summary>
    private string? Opened(NpgsqlDataReader r, int textColumn, int sealedColumn) =>
        r.IsDBNull(sealedColumn) ? Text(r, textColumn) : Fields.Open(r.GetFieldValue<byte[]>(sealedColumn));

    /// <summary>
    /// Seals the webhook secrets and message bodies stored in clear before field encryption, a batch per transaction (a
    /// crash leaves the rest for the next start). Returns the values sealed; none once every row is.
    /// </summary>
    public long SealPlaintextFields()
    {
        var fields = Fields;
        long sealedCount = 0;
        using var c = Open();
        var secrets = new List<(int Team, string Provider, string? Secret, string? Token)>();
        using (var cmd = Command(c, PostgresSql.SelectPlaintextWebhookSecrets))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) secrets.Add((r.GetInt32(0), r.GetString(1), Text(r, 2), Text(r, 3)));
        foreach (var (team, provider, secret, token) in secrets)
            sealedCount += Execute(c, PostgresSql.SealWebhookSecret, team, provider, fields.Seal(secret), fields.Seal(token));
        while (true)
        {
            var texts = new List<(long Id, string Text)>();
            using (var cmd = Command(c, PostgresSql.SelectPlaintextEventTexts, UpgradeBatch))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) texts.Add((r.GetInt64(0), r.GetString(1)));
            using (var tx = c.BeginTransaction())
            {
                foreach (var (id, text) in texts) sealedCount += Execute(c, PostgresSql.SealEventText, id, fields.Seal(text));
                tx.Commit();
            }
            if (texts.Count < UpgradeBatch) return sealedCount;
        }
    }
}
