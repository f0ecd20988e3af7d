using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore : ICallStore
{
    // ---- Calls ----

    public CallRecord InsertCall(CallRecord call)
    {
        using var c = Open();
        long id = Convert.ToInt64(Scalar(c, null, SqliteSql.InsertCall, ("$public_id", call.PublicId), ("$team", call.TeamId), ("$delivery", call.DeliveryId),
            ("$customer", call.CustomerId), ("$sid", call.CallSid), ("$status", call.Status), ("$from", Seal(call.FromNumber)), ("$to", Seal(call.ToNumber)),
            ("$direction", call.Direction), ("$retries", call.RetryCount), ("$events", Seal(call.WebhookEventsJson)), ("$now", call.CreatedAtMs)));
        return QueryCall(c, null, SqliteSql.SelectCallById, ("$id", id))!;
    }

    public CallRecord? FindCall(int teamId, string publicId)
    {
        using var c = Open();
        return QueryCall(c, null, SqliteSql.SelectCall, ("$team", teamId), ("$public_id", publicId));
    }

    public CallRecord? FindCallBySid(string callSid)
    {
        using var c = Open();
        return QueryCall(c, null, SqliteSql.SelectCallBySid, ("$sid", callSid));
    }

    public IReadOnlyList<CallRecord> ListCalls(int teamId, long? deliveryId, long? beforeId, int limit)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectCalls, ("$team", teamId), ("$delivery", deliveryId), ("$before", beforeId), ("$limit", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<CallRecord>();
        while (r.Read()) list.Add(ReadCall(r));
        return list;
    }

    public CallRecord? UpdateCall(long callId, Func<CallRecord, CallRecord> change)
    {
        using var c = Open();
        using var tx = c.BeginTransaction(deferred: false);
        if (QueryCall(c, tx, SqliteSql.SelectCallById, ("$id", callId)) is not { } call) return null;
        var changed = change(call);
        Execute(c, tx, SqliteSql.UpdateCall, ("$id", callId), ("$status", changed.Status), ("$start", changed.StartTimeMs), ("$end", changed.EndTimeMs),
            ("$duration", changed.Duration), ("$error_code", changed.ErrorCode), ("$error_message", changed.ErrorMessage),
            ("$events", Seal(changed.WebhookEventsJson)), ("$now", changed.UpdatedAtMs));
        tx.Commit();
        return changed;
    }

    public IReadOnlyDictionary<string, IReadOnlyList<CustomerCall>> CallHistory(int teamId, IReadOnlyList<string> customerIds, int perCustomer)
    {
        var history = new Dictionary<string, IReadOnlyList<CustomerCall>>(StringComparer.Ordinal);
        if (customerIds.Count == 0) return history;
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectCallHistory, ("$team", teamId), ("$customers", JsonSerializer.Serialize(customerIds)), ("$per_customer", perCustomer));
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            string customer = r.GetString(0);
            if (!history.TryGetValue(customer, out var list)) history[customer] = list = new List<CustomerCall>();
            ((List<CustomerCall>)list).Add(new CustomerCall(r.GetString(1), r.GetInt64(2), r.GetString(3), Int(r, 4)));
        }
        return history;
    }

    private CallRecord? QueryCall(SqliteConnection c, SqliteTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        using var cmd = Command(c, sql, parameters);
        cmd.Transaction = tx;
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadCall(r) : null;
    }

    private CallRecord ReadCall(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.GetInt64(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7), Opened(r, 8)!,
        Opened(r, 9)!, r.GetString(10), Long(r, 11), Long(r, 12), Int(r, 13), Text(r, 14), Int(r, 15), Opened(r, 16), Text(r, 17), Text(r, 18),
        Text(r, 19), r.GetInt32(20), Opened(r, 21)!, r.GetInt64(22), r.GetInt64(23));

    // ---- Recordings ----

    public (RecordingRecord Recording, bool Created) InsertRecording(RecordingRecord recording)
    {
        using var c = Open();
        using var tx = c.BeginTransaction(deferred: false);
        var id = Scalar(c, tx, SqliteSql.InsertRecording, ("$public_id", recording.PublicId), ("$team", recording.TeamId), ("$call", recording.CallLogId),
            ("$delivery", recording.DeliveryId), ("$sid", recording.RecordingSid), ("$url", recording.SourceUrl), ("$duration", recording.Duration),
            ("$now", recording.CreatedAtMs));
        if (id is null) return (QueryRecording(c, tx, SqliteSql.SelectRecordingByCall, ("$call", recording.CallLogId))!, false);
        Execute(c, tx, SqliteSql.SetCallRecordingResults, ("$id", recording.CallLogId), ("$url", recording.SourceUrl), ("$duration", recording.Duration),
            ("$transcription", null), ("$analysis", null), ("$now", recording.CreatedAtMs));
        var stored = QueryRecording(c, tx, SqliteSql.SelectRecordingById, ("$id", Convert.ToInt64(id)))!;
        tx.Commit();
        return (stored, true);
    }

    public RecordingRecord? FindRecording(int teamId, string publicId)
    {
        using var c = Open();
        return QueryRecording(c, SqliteSql.SelectRecording, ("$team", teamId), ("$public_id", publicId));
    }

    public RecordingRecord? FindRecordingById(long id)
    {
        using var c = Open();
        return QueryRecording(c, SqliteSql.SelectRecordingById, ("$id", id));
    }

    public IReadOnlyList<RecordingRecord> ListRecordings(RecordingListQuery query)
    {
        using var c = Open();
        using var cmd = Command(c, SqliteSql.SelectRecordings, ("$team", query.TeamId), ("$status", query.ProcessingStatus), ("$delivery", query.DeliveryId),
            ("$before", query.BeforeId), ("$limit", query.Limit));
        using var r = cmd.ExecuteReader();
        var list = new List<RecordingRecord>();
        while (r.Read()) list.Add(ReadRecording(r));
        return list;
    }

    public IReadOnlyList<RecordingRecord> ClaimRecordings(long nowMs, long leaseUntilMs, int limit)
    {
        using var c = Open();
        using var tx = c.BeginTransaction(deferred: false);
        var ids = new List<long>();
        using (var claim = Command(c, SqliteSql.ClaimRecordings, ("$now", nowMs), ("$lease", leaseUntilMs), ("$limit", limit)))
        {
            claim.Transaction = tx;
            using var r = claim.ExecuteReader();
            while (r.Read()) ids.Add(r.GetInt64(0));
        }
        var claimed = new List<RecordingRecord>(ids.Count);
        if (ids.Count > 0)
        {
            using var select = Command(c, SqliteSql.SelectRecordingsByIds, ("$ids", JsonSerializer.Serialize(ids)));
            select.Transaction = tx;
            using var r = select.ExecuteReader();
            while (r.Read()) claimed.Add(ReadRecording(r));
        }
        tx.Commit();
        return claimed;
    }

    public int ReleaseClaims(long nowMs)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.ReleaseRecordingClaims, ("$now", nowMs));
    }

    public long? NextRecordingDueAtMs()
    {
        using var c = Open();
        return Scalar(c, null, SqliteSql.NextRecordingDue) is { } v ? Convert.ToInt64(v) : null;
    }

    public void SetRecordingAudio(long id, string audioKey, long fileSize, string format, long nowMs)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.SetRecordingAudio, ("$id", id), ("$key", audioKey), ("$size", fileSize), ("$format", format), ("$now", nowMs));
    }

    public void CompleteRecording(RecordingRecord recording, StoredAudio? audio, string? transcript, string? transcriptionJson, string aiAnalysisJson, long nowMs)
    {
        using var c = Open();
        using var tx = c.BeginTransaction(deferred: false);
        if (audio is not null)
            Execute(c, tx, SqliteSql.SetRecordingAudio, ("$id", recording.Id), ("$key", audio.Key), ("$size", audio.Size), ("$format", audio.Format), ("$now", nowMs));
        Execute(c, tx, SqliteSql.SetCallRecordingResults, ("$id", recording.CallLogId), ("$url", recording.SourceUrl), ("$duration", recording.Duration),
            ("$transcription", Seal(transcript)), ("$analysis", aiAnalysisJson), ("$now", nowMs));
        Execute(c, tx, SqliteSql.CompleteRecording, ("$id", recording.Id), ("$transcription", Seal(transcriptionJson)), ("$analysis", aiAnalysisJson), ("$now", nowMs));
        tx.Commit();
    }

    public void FailRecording(long id, string error, long? retryAtMs, long nowMs)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.FailRecording, ("$id", id), ("$error", error), ("$retry", retryAtMs), ("$now", nowMs));
    }

    public bool ReprocessRecording(long id, long nowMs)
    {
        using var c = Open();
        return Execute(c, null, SqliteSql.ReprocessRecording, ("$id", id), ("$now", nowMs)) == 1;
    }

    public void CountRecordingAccess(long id, long nowMs)
    {
        using var c = Open();
        Execute(c, null, SqliteSql.CountRecordingAccess, ("$id", id), ("$now", nowMs));
    }

    private RecordingRecord? QueryRecording(SqliteConnection c, string sql, params (string, object?)[] parameters) => QueryRecording(c, null, sql, parameters);

    private RecordingRecord? QueryRecording(SqliteConnection c, SqliteTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        using var cmd = Command(c, sql, parameters);
        cmd.Transaction = tx;
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadRecording(r) : null;
    }

    private RecordingRecord ReadRecording(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.GetInt64(3), r.GetString(4), r.GetInt64(5), r.GetString(6), r.GetString(7), r.GetString(8),
        Text(r, 9), r.GetInt32(10), Long(r, 11), Text(r, 12), Opened(r, 13), Text(r, 14), r.GetString(15), r.GetInt32(16), r.GetInt64(17), Long(r, 18),
        Long(r, 19), Text(r, 20), r.GetInt32(21), Long(r, 22), r.GetInt64(23), r.GetInt64(24));
}
