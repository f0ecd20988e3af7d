using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Herald.Tests.Operations;

/// <summary>Rows of the collections retention deletes one by one, written straight into a (stopped) server's database, and read back.</summary>
internal static class RowRetentionKit
{
    public static readonly long Day = TimeSpan.FromDays(1).Ticks / TimeSpan.TicksPerMillisecond;

    // Domain statuses of deliveries: scheduled, in transit, then the finished ones.
    public const int Scheduled = 16, InTransit = 18, Completed = 15, Failed = 3, Cancelled = 19;

    public static SqliteConnection Open(string dataDir)
    {
        var c = new SqliteConnection($"Data Source={Path.Combine(dataDir, "herald.db")};Pooling=False");
        c.Open();
        using var fk = c.CreateCommand();
        fk.CommandText = "PRAGMA foreign_keys = ON";
        fk.ExecuteNonQuery();
        return c;
    }

    public static long Scalar(SqliteConnection c, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public static void Execute(SqliteConnection c, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        cmd.ExecuteNonQuery();
    }

    public static List<long> Longs(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        var list = new List<long>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) list.Add(r.GetInt64(0));
        return list;
    }

    public static void AddContact(SqliteConnection c, long team, string recipient, long updatedAt, string? customerId = null)
    {
        Execute(c, """
            INSERT INTO contacts (team_id, recipient, time_zone, created_at, updated_at, customer_id, customer_since)
            VALUES ($team, $r, 'Europe/London', $at, $at, $customer, $since)
            """, ("$team", team), ("$r", recipient), ("$at", updatedAt), ("$customer", customerId), ("$since", customerId is null ? null : updatedAt));
    }

    /// <summary>A delivery with its attempt, two tracking events, and optionally a call with a recording whose audio file exists.</summary>
    public static long AddDelivery(SqliteConnection c, string dataDir, long team, string customerId, int status, long updatedAt, bool withRecording, long? recordedAt = null)
    {
        long id = Scalar(c, """
            INSERT INTO deliveries (public_id, team_id, customer_id, address, longitude, latitude, scheduled_time, estimated_duration, status, priority,
                fragile, retry_count, max_retries, created_at, updated_at)
            VALUES ($pid, $team, $customer, '1 High St', -0.1, 51.5, $at, 30, $status, 1, 0, 0, 3, $at, $updated) RETURNING id
            """, ("$pid", "del_" + Guid.NewGuid().ToString("n")), ("$team", team), ("$customer", customerId), ("$at", updatedAt - Day), ("$status", status), ("$updated", updatedAt));
        Execute(c, """
            INSERT INTO delivery_attempts (delivery_id, attempt, team_id, scheduled_time, started_at, earliest_at, status, status_at)
            VALUES ($d, 1, $team, $at, $at, $at, $status, $updated)
            """, ("$d", id), ("$team", team), ("$at", updatedAt - Day), ("$status", status), ("$updated", updatedAt));
        foreach (long at in new[] { updatedAt - Day, updatedAt })
            Execute(c, "INSERT INTO delivery_tracking (delivery_id, attempt, status, occurred_at, notes, recorded_at) VALUES ($d, 1, $s, $at, 'left at door', $at)",
                ("$d", id), ("$s", status), ("$at", at));
        if (withRecording)
        {
            long at = recordedAt ?? updatedAt;
            long call = Scalar(c, """
                INSERT INTO call_logs (public_id, team_id, delivery_id, customer_id, call_sid, status, from_number, to_number, direction, retry_count, webhook_events, created_at, updated_at)
                VALUES ($pid, $team, $d, $customer, $sid, 'completed', '+15550001', '+15550002', 'outbound', 0, '[]', $at, $at) RETURNING id
                """, ("$pid", "call_" + Guid.NewGuid().ToString("n")), ("$team", team), ("$d", id), ("$customer", customerId), ("$sid", "CA" + Guid.NewGuid().ToString("n")), ("$at", at));
            string key = $"recordings/{team}/rec{call}.wav";
            Execute(c, """
                INSERT INTO recordings (public_id, team_id, call_log_id, delivery_id, recording_sid, source_url, audio_key, duration, file_size, format, processing_status,
                    processing_attempts, next_attempt_at, access_count, created_at, updated_at)
                VALUES ($pid, $team, $call, $d, $sid, 'https://api.twilio.com/rec.wav', $key, 12, 4, 'wav', 'completed', 1, $at, 0, $at, $at)
                """, ("$pid", "rec_" + Guid.NewGuid().ToString("n")), ("$team", team), ("$call", call), ("$d", id), ("$sid", "RE" + Guid.NewGuid().ToString("n")),
                ("$key", key), ("$at", at));
            string file = Path.Combine(dataDir, key.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, [1, 2, 3, 4]);
        }
        return id;
    }

    /// <summary>Every row of the table as JSON the way an archive writes it (blobs as base64), one string per row.</summary>
    public static List<string> Rows(SqliteConnection c, string table)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT * FROM {table}";
        var rows = new List<string>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var row = new JsonObject();
            for (int i = 0; i < r.FieldCount; i++)
            {
                row[r.GetName(i)] = r.IsDBNull(i) ? null : r.GetValue(i) switch
                {
                    long l => JsonValue.Create(l),
                    double d => JsonValue.Create(d),
                    byte[] b => JsonValue.Create(Convert.ToBase64String(b)),
                    var v => JsonValue.Create(Convert.ToString(v, CultureInfo.InvariantCulture)),
                };
            }
            rows.Add(row.ToJsonString());
        }
        return rows;
    }

    /// <summary>A server's team id (the row id) by its public id.</summary>
    public static long TeamRowId(HeraldServer server, string publicId) =>
        Convert.ToInt64(server.StoredValue("SELECT id FROM teams WHERE public_id = $p", ("$p", publicId)), CultureInfo.InvariantCulture);
}
