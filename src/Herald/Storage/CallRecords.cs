namespace Herald.Storage;

/// <summary>A call to a delivery's customer, as stored. Status is Twilio's word (queued, ringing, in-progress, ...).</summary>
/// <param name="DeliveryId">The deliveries table's id of the delivery the call is about.</param>
/// <param name="WebhookEventsJson">A JSON array of the callbacks received, each {event, timestamp, data}, capped per call.</param>
public sealed record CallRecord(
    long Id, string PublicId, int TeamId, long DeliveryId, string DeliveryPublicId, string CustomerId, string CallSid, string Status,
    string FromNumber, string ToNumber, string Direction, long? StartTimeMs, long? EndTimeMs, int? Duration, string? RecordingUrl,
    int? RecordingDuration, string? Transcription, string? AiAnalysisJson, string? ErrorCode, string? ErrorMessage, int RetryCount,
    string WebhookEventsJson, long CreatedAtMs, long UpdatedAtMs);

/// <summary>One call in a customer's derived call history.</summary>
public sealed record CustomerCall(string CallId, long AtMs, string Status, int? Duration);

/// <summary>A call recording and where its processing stands (pending, processing, completed, failed).</summary>
/// <param name="AudioKey">The object store's key of the downloaded audio (null until downloaded).</param>
public sealed record RecordingRecord(
    long Id, string PublicId, int TeamId, long CallLogId, string CallPublicId, long DeliveryId, string DeliveryPublicId, string RecordingSid,
    string SourceUrl, string? AudioKey, int Duration, long? FileSize, string? Format, string? TranscriptionJson, string? AiAnalysisJson,
    string ProcessingStatus, int ProcessingAttempts, long NextAttemptAtMs, long? ClaimedUntilMs, long? LastProcessedAtMs, string? ErrorMessage,
    int AccessCount, long? LastAccessedAtMs, long CreatedAtMs, long UpdatedAtMs);

/// <summary>Which recordings a list reads, newest first, before an id.</summary>
public sealed record RecordingListQuery(int TeamId, string? ProcessingStatus, long? DeliveryId, long? BeforeId, int Limit);

/// <summary>The processing statuses of a recording.</summary>
public static class RecordingStatuses
{
    public const string Pending = "pending";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public static readonly string[] All = [Pending, Processing, Completed, Failed];
}

/// <summary>A recording's audio as kept in the audio store.</summary>
public sealed record StoredAudio(string Key, long Size, string Format);

/// <summary>Calls to customers and their recordings, with the recordings' processing queue.</summary>
public interface ICallStore
{
    /// <summary>Stores a new call; answers it with its id.</summary>
    CallRecord InsertCall(CallRecord call);
    CallRecord? FindCall(int teamId, string publicId);
    CallRecord? FindCallBySid(string callSid);
    /// <summary>A team's calls newest first, of one delivery when given, before an id when given.</summary>
    IReadOnlyList<CallRecord> ListCalls(int teamId, long? deliveryId, long? beforeId, int limit);
    /// <summary>
    /// Changes a call in one transaction: <paramref name="change"/> gets the stored call and answers it changed (status, times,
    /// duration, error, webhook events, updated_at are written). Null when there is no such call.
    /// </summary>
    CallRecord? UpdateCall(long callId, Func<CallRecord, CallRecord> change);
    /// <summary>The newest calls of each customer, at most <paramref name="perCustomer"/> each.</summary>
    IReadOnlyDictionary<string, IReadOnlyList<CustomerCall>> CallHistory(int teamId, IReadOnlyList<string> customerIds, int perCustomer);

    /// <summary>
    /// Stores a pending recording of a call and, in the same transaction, puts its URL and duration on the call (clearing the
    /// call's earlier results); a second callback for the same call answers the stored one (false) and changes nothing.
    /// </summary>
    (RecordingRecord Recording, bool Created) InsertRecording(RecordingRecord recording);
    RecordingRecord? FindRecording(int teamId, string publicId);
    RecordingRecord? FindRecordingById(long id);
    IReadOnlyList<RecordingRecord> ListRecordings(RecordingListQuery query);
    /// <summary>
    /// Claims up to <paramref name="limit"/> recordings due, in one transaction, earliest due first: pending ones whose time has
    /// come, or processing ones whose lease ran out. Counts each one's attempt and holds it until <paramref name="leaseUntilMs"/>.
    /// </summary>
    IReadOnlyList<RecordingRecord> ClaimRecordings(long nowMs, long leaseUntilMs, int limit);
    /// <summary>Returns the claims of a process that stopped (every processing row) to pending: at start, before any claim.</summary>
    int ReleaseClaims(long nowMs);
    /// <summary>When the next pending recording is due (null when none is).</summary>
    long? NextRecordingDueAtMs();
    void SetRecordingAudio(long id, string audioKey, long fileSize, string format, long nowMs);
    /// <summary>
    /// A processed recording, in one transaction: its audio when this attempt stored it, its results, and the results on its call.
    /// </summary>
    void CompleteRecording(RecordingRecord recording, StoredAudio? audio, string? transcript, string? transcriptionJson, string aiAnalysisJson, long nowMs);
    /// <summary>A failed attempt: pending again at <paramref name="retryAtMs"/>, or failed for good when it is null.</summary>
    void FailRecording(long id, string error, long? retryAtMs, long nowMs);
    /// <summary>Queues the recording again from its first step's results kept (attempts start over). False when it is being processed.</summary>
    bool ReprocessRecording(long id, long nowMs);
    void CountRecordingAccess(long id, long nowMs);
}
