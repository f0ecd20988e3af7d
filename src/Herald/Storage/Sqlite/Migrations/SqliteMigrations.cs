namespace Herald.Storage.Sqlite.Migrations;

/// <summary>The SQLite schema's versions, in order: one file per version beside this one.</summary>
internal static class SqliteMigrations
{
    public static readonly Migration[] All =
    [
        V001Directory.Migration,
        V002Engine.Migration,
        V003WriteBehind.Migration,
        V004Webhooks.Migration,
        V005FailureAnalysis.Migration,
        V006OtpDelivery.Migration,
        V007AnalyticsSnapshots.Migration,
        V008AlertsAndRetention.Migration,
        V009Accounts.Migration,
        V010Campaigns.Migration,
        V011ConsentAndInbound.Migration,
        V012Reports.Migration,
        V013FailureCells.Migration,
        V014Consent.Migration,
        V015Compliance.Migration,
        V016ItemsByEarliestEvent.Migration,
        V017DashboardSessions.Migration,
        V018AgentAndTemplateDimensions.Migration,
        V019ApiKeyDetails.Migration,
        V020Agents.Migration,
        V021Customers.Migration,
        V022Deliveries.Migration,
        V024ItemErrorCode.Migration,
        V027ReportSchedules.Migration,
        V028UtilizationSamples.Migration,
        V030ConsentSources.Migration,
        V031ContactAttributes.Migration,
        V032AlertIncidents.Migration,
        V033UptimeAndCapacity.Migration,
        V034CallLogs.Migration,
        V035Recordings.Migration,
        V036SystemMetrics.Migration,
        V037Segments.Migration,
        V041AuditLog.Migration,
        V042ApiKeyAllowedIps.Migration,
        V043FieldEncryption.Migration,
        V044RecipientPrivacy.Migration,
        V046PurgedItems.Migration,
    ];
}
