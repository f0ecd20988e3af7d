using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : IOtpStore
{
    public IReadOnlyList<OtpServiceRecord> ListOtpServices(int teamId)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectOtpServices, ("$team", teamId));
        using var r = cmd.ExecuteReader();
        var list = new List<OtpServiceRecord>();
        while (r.Read())
        {
            list.Add(new OtpServiceRecord(
                r.GetString(0), r.GetString(1), r.GetString(2).Split(',', StringSplitOptions.RemoveEmptyEntries), r.GetInt64(3) != 0,
                r.GetInt32(4), JsonSerializer.Deserialize<Dictionary<string, string>>(Opened(r, 5)!) ?? [], r.GetInt64(6) != 0,
                NullableInt64(r, 7), r.IsDBNull(8) ? null : r.GetInt64(8) != 0, r.IsDBNull(9) ? null : r.GetString(9),
                r.GetInt64(10), r.GetInt64(11)));
        }
        return list;
    }

    public void EnsureOtpServices(int teamId, IEnumerable<OtpServiceRecord> defaults, long nowMs)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        using (var any = Command(c, SqliteSql.AnyOtpService, ("$team", teamId)))
        {
            any.Transaction = tx;
            if (Convert.ToInt64(any.ExecuteScalar()) != 0) return;
        }
        foreach (var s in defaults)
        {
            Execute(c, tx, SqliteSql.InsertOtpServiceIfMissing, ("$team", teamId), ("$name", s.Name), ("$sender", s.Sender),
                ("$channels", string.Join(',', s.Channels)), ("$enabled", s.Enabled ? 1 : 0), ("$priority", s.Priority),
                ("$settings", Seal(JsonSerializer.Serialize(s.Settings))), ("$now", nowMs));
        }
        tx.Commit();
    }

    public void UpsertOtpService(int teamId, OtpServiceRecord service, long nowMs)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        var settings = JsonSerializer.Serialize(service.Settings);
        // Unchanged settings keep their stored ciphertext, so the upsert sees them equal and keeps the last validation.
        object? stored;
        using (var current = Command(c, SqliteSql.SelectOtpServiceSettings, ("$team", teamId), ("$name", service.Name)))
        {
            current.Transaction = tx;
            stored = current.ExecuteScalar();
        }
        object? sealedSettings = stored is not null && Fields.Open(stored) == settings ? stored : Seal(settings);
        Execute(c, tx, SqliteSql.UpsertOtpService, ("$team", teamId), ("$name", service.Name), ("$sender", service.Sender),
            ("$channels", string.Join(',', service.Channels)), ("$enabled", service.Enabled ? 1 : 0), ("$priority", service.Priority),
            ("$settings", sealedSettings), ("$down", service.MarkedDown ? 1 : 0), ("$now", nowMs));
        tx.Commit();
    }

    public bool DeleteOtpService(int teamId, string name)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.DeleteOtpService, ("$team", teamId), ("$name", name));
        return cmd.ExecuteNonQuery() > 0;
    }

    public void RecordOtpServiceValidation(int teamId, string name, long atMs, bool ok, string? error)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.RecordOtpServiceValidation, ("$team", teamId), ("$name", name), ("$at", atMs), ("$ok", ok ? 1 : 0), ("$error", error));
    }

    public void InsertOtp(OtpRecord otp)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.InsertOtp, ("$team", otp.TeamId), ("$delivery", otp.DeliveryId), ("$user", otp.UserId),
            ("$recipient", Seal(otp.Recipient)), ("$method", otp.DeliveryMethod), ("$hash", otp.CodeHash), ("$now", otp.CreatedAtMs),
            ("$expires", otp.ExpiresAtMs));
    }

    public OtpRecord? FindOtp(int teamId, string deliveryId) =>
        ReadOtps(SqliteSql.SelectOtp, ("$team", teamId), ("$delivery", deliveryId)).FirstOrDefault();

    public OtpRecord? FindLatestLiveOtp(int teamId, string userId, long nowMs) =>
        ReadOtps(SqliteSql.SelectLatestLiveUserOtp, ("$team", teamId), ("$user", userId), ("$now", nowMs)).FirstOrDefault();

    public IReadOnlyList<OtpRecord> ListUserOtps(int teamId, string userId, int limit) =>
        ReadOtps(SqliteSql.SelectUserOtps, ("$team", teamId), ("$user", userId), ("$limit", limit));

    public void UpdateOtpDelivery(int teamId, string deliveryId, string status, string? service, long atMs)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.UpdateOtpDelivery, ("$team", teamId), ("$delivery", deliveryId), ("$status", status),
            ("$service", service), ("$at", atMs));
    }

    public int? CountVerifyAttempt(int teamId, string deliveryId, int maxAttempts)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.CountOtpVerifyAttempt, ("$team", teamId), ("$delivery", deliveryId), ("$max", maxAttempts));
        var result = cmd.ExecuteScalar();
        return result is null or DBNull ? null : Convert.ToInt32(result);
    }

    public bool MarkOtpVerified(int teamId, string deliveryId, long nowMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.MarkOtpVerified, ("$team", teamId), ("$delivery", deliveryId), ("$now", nowMs));
        return cmd.ExecuteNonQuery() > 0;
    }

    public void InsertOtpAttempt(int teamId, OtpAttemptRecord attempt)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.InsertOtpAttempt, ("$team", teamId), ("$delivery", attempt.DeliveryId), ("$user", attempt.UserId),
            ("$attempt", attempt.Attempt), ("$service", attempt.Service), ("$method", attempt.Method), ("$item", attempt.ItemId), ("$started", attempt.StartedAtMs),
            ("$completed", attempt.CompletedAtMs), ("$success", attempt.Success ? 1 : 0), ("$provider_id", attempt.ProviderMessageId),
            ("$error_code", attempt.ErrorCode), ("$error_message", attempt.ErrorMessage), ("$response_ms", attempt.ResponseMs));
    }

    public IReadOnlyList<OtpAttemptRecord> ListOtpAttempts(int teamId, string deliveryId) =>
        ReadAttempts(SqliteSql.SelectOtpAttempts, ("$team", teamId), ("$delivery", deliveryId));

    public IReadOnlyList<OtpAttemptRecord> ListUserOtpAttempts(int teamId, string userId, int limit) =>
        ReadAttempts(SqliteSql.SelectUserOtpAttempts, ("$team", teamId), ("$user", userId), ("$limit", limit));

    public IReadOnlyList<OtpAttemptRecord> ListOtpAttemptsSince(int teamId, long sinceMs) =>
        ReadAttempts(SqliteSql.SelectOtpAttemptsSince, ("$team", teamId), ("$since", sinceMs));

    public long CountOtpAttemptsSince(int teamId, long sinceMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.CountOtpAttemptsSince, ("$team", teamId), ("$since", sinceMs));
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    public IReadOnlyList<OtpStatusCount> CountOtps(int teamId, long sinceMs, long nowMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.OtpStatusCounts, ("$team", teamId), ("$since", sinceMs), ("$now", nowMs));
        using var r = cmd.ExecuteReader();
        var list = new List<OtpStatusCount>();
        while (r.Read())
        {
            var service = r.GetString(2);
            list.Add(new OtpStatusCount(r.GetString(0), r.GetString(1), service.Length == 0 ? null : service, r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)));
        }
        return list;
    }

    public long CountLiveOtps(int teamId, long nowMs)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.CountLiveOtps, ("$team", teamId), ("$now", nowMs));
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    public (int Expired, int OtpsDeleted, int AttemptsDeleted) CleanUpOtps(long nowMs, long otpsBeforeMs, long attemptsBeforeMs)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        int expired = Execute(c, tx, SqliteSql.MarkExpiredOtps, ("$now", nowMs));
        int otps = Execute(c, tx, SqliteSql.DeleteExpiredOtps, ("$before", otpsBeforeMs));
        int attempts = Execute(c, tx, SqliteSql.DeleteOldOtpAttempts, ("$before", attemptsBeforeMs));
        tx.Commit();
        return (expired, otps, attempts);
    }

    private List<OtpRecord> ReadOtps(string sql, params (string Name, object? Value)[] parameters)
    {
        using var c = Open();
        using var cmd = Command(c, sql, parameters);
        using var r = cmd.ExecuteReader();
        var list = new List<OtpRecord>();
        while (r.Read())
        {
            list.Add(new OtpRecord(r.GetInt32(0), r.GetString(1), r.GetString(2), Opened(r, 3)!, r.GetString(4),
                r.GetFieldValue<byte[]>(5), r.GetInt64(6), r.GetInt64(7), r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9),
                NullableInt64(r, 10), r.GetInt32(11), NullableInt64(r, 12)));
        }
        return list;
    }

    private List<OtpAttemptRecord> ReadAttempts(string sql, params (string Name, object? Value)[] parameters)
    {
        using var c = Open();
        using var cmd = Command(c, sql, parameters);
        using var r = cmd.ExecuteReader();
        var list = new List<OtpAttemptRecord>();
        while (r.Read())
        {
            list.Add(new OtpAttemptRecord(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5),
                r.GetInt64(6), r.GetInt64(7), r.GetInt64(8) != 0, r.IsDBNull(9) ? null : r.GetString(9),
                r.IsDBNull(10) ? null : r.GetString(10), r.IsDBNull(11) ? null : r.GetString(11), r.GetDouble(12)));
        }
        return list;
    }

    private static long? NullableInt64(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
}
