namespace Herald.Storage.Sqlite;

internal static partial class SqliteSql
{
    // Utilization samples (migration 28).
    public const string InsertUtilizationSample = """
        INSERT OR REPLACE INTO utilization_samples (at, interval_ms, cpu_percent, memory_percent, memory_bytes, disk_percent, disk_free_bytes,
            database_bytes, queue_depth, events, requests, server_errors, client_errors, latency_total_ms, latency_max_ms, latency_histogram, network_bytes)
        VALUES ($at, $interval, $cpu, $memory, $memory_bytes, $disk, $disk_free, $db, $queue, $events, $requests, $server_errors, $client_errors,
            $latency_total, $latency_max, $histogram, $network)
        """;
    public const string SelectUtilizationSamples = """
        SELECT at, interval_ms, cpu_percent, memory_percent, memory_bytes, disk_percent, disk_free_bytes, database_bytes, queue_depth, events,
            requests, server_errors, client_errors, latency_total_ms, latency_max_ms, latency_histogram, network_bytes
        FROM utilization_samples WHERE at > $from AND at <= $to ORDER BY at
        """;
    public const string DeleteUtilizationSamplesBefore = "DELETE FROM utilization_samples WHERE at < $before";
}
