namespace Herald.Storage.Sqlite.Migrations;

// Version 28: the Herald process's utilization, one row per sampling interval (by default a minute), keyed by the
// interval's end. Requests, errors, events and network bytes are counts within the interval; the latency histogram
// is the interval's request times on the engine's log scale, so a period's percentile merges them exactly.
internal static class V028UtilizationSamples
{
    public static readonly Migration Migration = new(28, "utilization samples: CPU, memory, disk, requests, latency, ingest and network per interval",
        """
        CREATE TABLE utilization_samples (
            at INTEGER PRIMARY KEY,
            interval_ms INTEGER NOT NULL,
            cpu_percent REAL NOT NULL,
            memory_percent REAL NOT NULL,
            memory_bytes INTEGER NOT NULL,
            disk_percent REAL NOT NULL,
            disk_free_bytes INTEGER NOT NULL,
            database_bytes INTEGER NOT NULL,
            queue_depth INTEGER NOT NULL,
            events INTEGER NOT NULL,
            requests INTEGER NOT NULL,
            server_errors INTEGER NOT NULL,
            client_errors INTEGER NOT NULL,
            latency_total_ms REAL NOT NULL,
            latency_max_ms REAL,
            latency_histogram BLOB,
            network_bytes INTEGER) WITHOUT ROWID;
        """,
        """
        DROP TABLE utilization_samples;
        """);
}
