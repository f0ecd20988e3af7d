namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // OTP delivery.
    public const string OtpServiceColumns = """
        name, sender, channels, enabled, priority, settings, marked_down, last_validated_at, validation_ok, validation_error,
        created_at, updated_at
        """;
    public const string SelectOtpServices = "SELECT " + OtpServiceColumns + " FROM otp_services WHERE team_id = $team ORDER BY priority, name";
    public const string AnyOtpService = "SELECT EXISTS (SELECT 1 FROM otp_services WHERE team_id = $team)";
    public const string InsertOtpServiceIfMissing = """
        INSERT INTO otp_services (team_id, name, sender, channels, enabled, priority, settings, created_at, updated_at)
        VALUES ($team, $name, $sender, $channels, $enabled, $priority, $settings, $now, $now)
        ON CONFLICT (team_id, name) DO NOTHING
        """;
    public const string UpsertOtpService = """
        INSERT INTO otp_services (team_id, name, sender, channels, enabled, priority, settings, marked_down, created_at, updated_at)
        VALUES ($team, $name, $sender, $channels, $enabled, $priority, $settings, $down, $now, $now)
        ON CONFLICT (team_id, name) DO UPDATE SET sender = excluded.sender, channels = excluded.channels,
            enabled = excluded.enabled, priority = excluded.priority, settings = excluded.settings,
            marked_down = excluded.marked_down, updated_at = excluded.updated_at,
            last_validated_at = CASE WHEN otp_services.settings = excluded.settings AND otp_services.sender = excluded.sender
                                     THEN otp_services.last_validated_at END,
            validation_ok = CASE WHEN otp_services.settings = excluded.settings AND otp_services.sender = excluded.sender
                                 THEN otp_services.validation_ok END,
            validation_error = CASE WHEN otp_services.settings = excluded.settings AND otp_services.sender = excluded.sender
                                    THEN otp_services.validation_error END
        """;
    public const string SelectOtpServiceSettings = "SELECT settings FROM otp_services WHERE team_id = $team AND name = $name";
    public const string DeleteOtpService = "DELETE FROM otp_services WHERE team_id = $team AND name = $name";
    public const string RecordOtpServiceValidation = """
        UPDATE otp_services SET last_validated_at = $at, validation_ok = $ok, validation_error = $error
        WHERE team_id = $team AND name = $name
        """;
    public const string OtpColumns = """
        team_id, delivery_id, user_id, recipient, delivery_method, code_hash, created_at, expires_at, delivery_status,
        delivery_service, last_delivery_attempt, verify_attempts, verified_at
        """;
    public const string InsertOtp = """
        INSERT INTO otps (team_id, delivery_id, user_id, recipient, delivery_method, code_hash, created_at, expires_at, delivery_status)
        VALUES ($team, $delivery, $user, $recipient, $method, $hash, $now, $expires, 'pending')
        """;
    public const string SelectOtp = "SELECT " + OtpColumns + " FROM otps WHERE team_id = $team AND delivery_id = $delivery";
    public const string SelectUserOtps = """
        SELECT
        """ + " " + OtpColumns + """
         FROM otps WHERE team_id = $team AND user_id = $user ORDER BY created_at DESC, id DESC LIMIT $limit
        """;
    public const string SelectLatestLiveUserOtp = """
        SELECT
        """ + " " + OtpColumns + """
         FROM otps WHERE team_id = $team AND user_id = $user AND verified_at IS NULL AND expires_at > $now
         ORDER BY created_at DESC, id DESC LIMIT 1
        """;
    public const string UpdateOtpDelivery = """
        UPDATE otps SET delivery_status = $status, delivery_service = $service, last_delivery_attempt = $at
        WHERE team_id = $team AND delivery_id = $delivery
        """;
    public const string CountOtpVerifyAttempt = """
        UPDATE otps SET verify_attempts = verify_attempts + 1
        WHERE team_id = $team AND delivery_id = $delivery AND verified_at IS NULL AND verify_attempts < $max
        RETURNING verify_attempts
        """;
    public const string MarkOtpVerified = """
        UPDATE otps SET verified_at = $now, delivery_status = 'delivered'
        WHERE team_id = $team AND delivery_id = $delivery AND verified_at IS NULL
        """;
    public const string InsertOtpAttempt = """
        INSERT INTO otp_attempts (team_id, delivery_id, user_id, attempt, service, method, item_id, started_at, completed_at,
                                  success, provider_message_id, error_code, error_message, response_ms)
        VALUES ($team, $delivery, $user, $attempt, $service, $method, $item, $started, $completed, $success, $provider_id,
                $error_code, $error_message, $response_ms)
        """;
    public const string OtpAttemptColumns = """
        delivery_id, user_id, attempt, service, method, item_id, started_at, completed_at, success, provider_message_id,
        error_code, error_message, response_ms
        """;
    public const string SelectOtpAttempts = "SELECT " + OtpAttemptColumns + " FROM otp_attempts WHERE team_id = $team AND delivery_id = $delivery ORDER BY attempt";
    public const string SelectUserOtpAttempts = "SELECT " + OtpAttemptColumns + " FROM otp_attempts WHERE team_id = $team AND user_id = $user ORDER BY started_at DESC, attempt DESC LIMIT $limit";
    public const string CountOtpAttemptsSince = "SELECT COUNT(*) FROM otp_attempts WHERE team_id = $team AND started_at >= $since";
    public const string SelectOtpAttemptsSince = "SELECT " + OtpAttemptColumns + " FROM otp_attempts WHERE team_id = $team AND started_at >= $since ORDER BY started_at";
    /// <summary>An OTP still pending or sent when its code expired counts as expired, whether or not the clean-up has marked it yet.</summary>
    public const string OtpStatusCounts = """
        SELECT CASE WHEN delivery_status IN ('pending', 'sent') AND expires_at <= $now THEN 'expired' ELSE delivery_status END AS status,
               delivery_method, IFNULL(delivery_service, ''), COUNT(*),
               SUM(CASE WHEN verified_at IS NOT NULL THEN verified_at - created_at ELSE 0 END),
               SUM(CASE WHEN verified_at IS NOT NULL THEN 1 ELSE 0 END)
        FROM otps WHERE team_id = $team AND created_at >= $since
        GROUP BY 1, 2, 3
        """;
    public const string CountLiveOtps = """
        SELECT COUNT(*) FROM otps WHERE team_id = $team AND verified_at IS NULL AND expires_at > $now AND delivery_status IN ('pending', 'sent')
        """;
    public const string MarkExpiredOtps = """
        UPDATE otps SET delivery_status = 'expired' WHERE expires_at <= $now AND delivery_status IN ('pending', 'sent')
        """;
    public const string DeleteExpiredOtps = "DELETE FROM otps WHERE expires_at < $before";
    public const string DeleteOldOtpAttempts = "DELETE FROM otp_attempts WHERE started_at < $before";
}
