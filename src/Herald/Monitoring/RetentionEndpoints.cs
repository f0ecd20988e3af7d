using Herald.Api;
using Herald.Api.Auth;
using Herald.Audit;
using Herald.Domain;
using Herald.Engine;
using Herald.Maintenance;
using Herald.Otp;
using Herald.Reports;
using Herald.Storage;
using Herald.Utilization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Monitoring;

/// <summary>
/// <c>GET /api/v1/admin/retention</c>: every collection Herald stores, with its retention policy, the setting that holds
/// it, its horizon (what is older is deleted, or has been), and its tables' rows and bytes.
/// </summary>
public static class RetentionEndpoints
{
    public sealed record RetentionTierDto(string Granularity, string Retention, string? Horizon);

    /// <param name="Archive">The archive name the purge writes (its collection part), and when it last ran in this process.</param>
    public sealed record PurgeDto(string Archive, string At, long Deleted, string? Error);

    /// <param name="Retention">The policy as a .NET constant time span ("30.00:00:00"), or "forever".</param>
    /// <param name="Horizon">The oldest time kept now: for rollups the stored horizon, else now less the retention; null when kept forever.</param>
    /// <param name="Archived">Whether the rows it deletes are first archived (<c>Herald:Retention:Archive</c> on, and a policy that deletes).</param>
    /// <param name="LastPurges">Its purges' last outcome since the start (the archive collection name, when, rows deleted, why it failed).</param>
    public sealed record CollectionDto(
        string Collection, IReadOnlyList<string> Tables, string Retention, string? Setting, string? Horizon, long Rows, long SizeBytes, string? Note,
        IReadOnlyList<RetentionTierDto>? Tiers, bool Archived, IReadOnlyList<PurgeDto> LastPurges);

    /// <param name="Archive">Whether deleted rows are first archived (<c>Herald:Retention:Archive</c>), and where to (<paramref name="ArchiveLocation"/>).</param>
    /// <param name="LastRun">The job's last run: what it deleted per collection, and its error (an archive that could not be stored).</param>
    public sealed record RetentionDto(bool Enabled, string Interval, bool Archive, string? ArchiveLocation, MonitoringEndpoints.MaintenanceRunDto? LastRun,
        IReadOnlyList<CollectionDto> Collections);

    public static IEndpointRouteBuilder MapRetentionEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/admin/retention", Retention).RequireScope(Scopes.Admin).WithTags("Operations")
            .WithSummary("Each collection's retention policy, horizon, rows and size");
        return app;
    }

    private const string Forever = "forever";

    private static Ok<SuccessEnvelope<RetentionDto>> Retention(
        IMaintenanceStore store, IStoreLayoutReader layout, RetentionOptions retention, RetentionHorizons horizons, DatabaseMaintenance maintenance,
        ReportsOptions reports, AuditOptions audit, OtpOptions otp, UtilizationOptions utilization, SystemMetricsOptions systemMetrics, IArchiveStore archive,
        RetentionPurger purger, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var rows = store.DatabaseStats().Tables.ToDictionary(t => t.Name, t => t.Rows, StringComparer.Ordinal);
        var bytes = layout.ReadLayout().Objects.GroupBy(o => o.Table, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(o => o.Bytes), StringComparer.Ordinal);
        var list = new List<CollectionDto>();

        void Add(string name, string[] tables, TimeSpan? keep, string? setting, string? note = null, string? horizon = null, IReadOnlyList<RetentionTierDto>? tiers = null,
            string[]? archives = null)
        {
            // A collection whose retention the maintenance job applies keeps everything while the job is off.
            var purges = (archives ?? [name]).Select(a => purger.LastOutcome(a) is { } o ? new PurgeDto(a, Timestamps.Iso(o.AtMs)!, o.Deleted, o.Error) : null)
                .OfType<PurgeDto>().ToList();
            list.Add(new CollectionDto(name, tables, keep is { } k ? k.ToString("c") : Forever, setting,
                horizon ?? (keep is { } kept ? Timestamps.Iso(now - kept) : null),
                tables.Sum(t => rows.GetValueOrDefault(t)), tables.Sum(t => bytes.GetValueOrDefault(t)), note, tiers, retention.Archive && keep is not null, purges));
        }
        TimeSpan? Applied(TimeSpan? keep) => retention.Enabled ? keep : null;
        string? Iso(UtcMinute m) => m.Value == long.MinValue ? null : Timestamps.Iso(m.ToDateTimeOffset());

        Add("raw_events", ["events"], Applied(retention.RawEvents), "Herald:Retention:RawEvents",
            "only events the items and rollups already include; compliance counts the older ones as missing from the audit trail",
            horizon: retention.RawEvents is null ? null : Iso(horizons.RawEvents));
        Add("items", ["items", "purged_items"], Applied(retention.Items), "Herald:Retention:Items",
            "an item none of whose events was received since the horizon is closed (its later events are refused, so it never counts twice) and is "
            + "deleted once its raw events are gone; its id stays in purged_items; rollup cells, and so metrics, are kept",
            horizon: retention.Items is null ? null : Iso(horizons.Items));
        var tiers = maintenance.Tiers().Select(t => new RetentionTierDto(Granularities.Name(t.G), retention.Enabled ? t.Retention.ToString("c") : Forever, Iso(horizons.Of(t.G)))).ToList();
        Add("rollups", ["rollups", "failure_cells"], Applied(retention.MonthlyRollups), "Herald:Retention:MinuteRollups, HourlyRollups, DailyRollups, MonthlyRollups",
            "per granularity (tiers); queries past a tier's horizon read the next coarser cells", horizon: tiers[^1].Horizon, tiers: tiers,
            archives: [.. maintenance.Tiers().Select(t => t.Name), .. FailureCells.Stored.Select(DatabaseMaintenance.FailureCellsName)]);
        Add("consent_changes", ["consent_changes"], Applied(retention.ConsentChanges), "Herald:Retention:ConsentChanges",
            "a recipient's latest change is never deleted, so an opt-out stays in force");
        Add("contacts", ["contacts"], Applied(retention.Contacts), "Herald:Retention:Contacts",
            "contacts and customers not updated since the horizon; never one whose consent state is an opt-out, nor a kept delivery's customer");
        Add("alert_history", ["alerts", "alert_notifications"], Applied(retention.AlertHistory), "Herald:Retention:AlertHistory",
            "resolved alerts and their notification log; open alerts are never deleted");
        Add("snapshots", ["analytics_snapshots"], Applied(retention.Snapshots), "Herald:Retention:Snapshots");
        Add("reports", ["reports", "report_schedules"], reports.Retention, "Herald:Reports:Retention",
            "report rows and files (an archive holds each file's bytes as a reports_files line); schedules are kept");
        Add("otp", ["otps", "otp_attempts"], otp.AttemptRetention, "Herald:Otp:AttemptRetention, ExpiredOtpRetention",
            $"expired codes go after {otp.ExpiredOtpRetention:c}, attempts after the retention", archives: ["otps", "otp_attempts"]);
        Add("audit", ["audit_log"], audit.RetentionDays > 0 ? TimeSpan.FromDays(audit.RetentionDays) : null, "Herald:Audit:RetentionDays",
            "only a prefix of the hash chain goes, never its last entry; the oldest kept entry's previous hash is the last archived entry's hash; a purge is itself an audit entry");
        Add("system_metrics", ["system_metrics"], systemMetrics.Retention, "Herald:SystemMetrics:Retention");
        Add("utilization", ["utilization_samples", "database_size_samples"], utilization.Retention, "Herald:Utilization:Retention");
        Add("deliveries", ["deliveries", "delivery_tracking", "delivery_attempts", "call_logs"], Applied(retention.Deliveries), "Herald:Retention:Deliveries",
            "finished deliveries (completed, failed, cancelled) not updated since the horizon, with their attempts, tracking events, calls and recordings; "
            + "their engine metrics stay in the rollups, per-attempt delivery analytics before the horizon go with them");
        Add("recordings", ["recordings"], Applied(retention.Recordings), "Herald:Retention:Recordings",
            "recordings made before the horizon, rows and audio (file or S3)");
        Add("server_history", ["server_runs", "database_size_samples"], null, null, "one row per server start and one database size sample a day, for uptime and capacity history");
        return ApiResults.Ok(new RetentionDto(retention.Enabled, retention.Interval.ToString("c"), retention.Archive, retention.Archive ? archive.Location : null,
            MonitoringEndpoints.MaintenanceRunDto.Of(store.LastMaintenanceRun()), list));
    }
}
