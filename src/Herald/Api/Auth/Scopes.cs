namespace Herald.Api.Auth;

public static class Scopes
{
    public const string EventsWrite = "events:write";
    public const string MetricsRead = "metrics:read";
    public const string ReportsWrite = "reports:write";
    public const string OtpSend = "otp:send";
    public const string AlertsWrite = "alerts:write";
    public const string DeliveriesRead = "deliveries:read";
    public const string DeliveriesWrite = "deliveries:write";
    public const string AgentsWrite = "agents:write";
    /// <summary>Reading the team's own audit trail (admin keys read every team's).</summary>
    public const string AuditRead = "audit:read";
    public const string Admin = "admin";

    public static readonly string[] All = [EventsWrite, MetricsRead, ReportsWrite, OtpSend, AlertsWrite, DeliveriesRead, DeliveriesWrite, AgentsWrite, AuditRead, Admin];
}
