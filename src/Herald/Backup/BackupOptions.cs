namespace Herald.Backup;

/// <summary>The <c>Herald:Backup</c> section: the scheduled backups, their retention and the store they go to.</summary>
public sealed class BackupOptions
{
    /// <summary>Take backups on <see cref="Cron"/> (needs <c>Herald:Jobs:Enabled</c>, and a key: HERALD_BACKUP_KEY or <see cref="KeyFile"/>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>When scheduled backups run: a Quartz cron expression (seconds first), UTC. Default: every day at 01:30 UTC.</summary>
    public string Cron { get; set; } = "0 30 1 * * ?";

    /// <summary>A file holding the backup key, read when HERALD_BACKUP_KEY is not set.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Keep the newest backup of each of the last N UTC days that have one.</summary>
    public int KeepDaily { get; set; } = 7;

    /// <summary>Keep the newest backup of each of the last N ISO weeks that have one.</summary>
    public int KeepWeekly { get; set; } = 4;

    /// <summary><c>directory</c> (the default) or <c>s3</c>.</summary>
    public string Store { get; set; } = "directory";

    /// <summary>The directory store's folder; default <c>{data dir}/backups</c>.</summary>
    public string? Directory { get; set; }

    /// <summary>The S3-compatible store, used when <see cref="Store"/> is <c>s3</c>.</summary>
    public S3StoreOptions S3 { get; set; } = new();
}

/// <summary>An S3-compatible bucket (AWS S3, MinIO, Ceph, s3rver, ...). Shared by the backup store and the recordings' audio store.</summary>
public sealed class S3StoreOptions
{
    /// <summary>The bucket; it must exist.</summary>
    public string? Bucket { get; set; }

    /// <summary>Put before every object key, e.g. <c>herald/backups/</c>.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>The endpoint of a non-AWS service (<c>https://minio.internal:9000</c>); unset: AWS in <see cref="Region"/>.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>The AWS region, or the signing region of another service.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Address the bucket as <c>endpoint/bucket/key</c> rather than <c>bucket.endpoint/key</c> (most self-hosted services need it).</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>The access key id; unset: the SDK's own chain (AWS_ACCESS_KEY_ID, profile, instance role).</summary>
    public string? AccessKey { get; set; }

    /// <summary>The secret access key, with <see cref="AccessKey"/>.</summary>
    public string? SecretKey { get; set; }
}
