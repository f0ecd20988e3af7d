using System.Globalization;
using System.Text;
using System.Text.Json;
using Herald.Outbound;
using Herald.Senders;
using Herald.Storage;

namespace Herald.Reports.Scheduling;

/// <summary>What one recipient's mail did.</summary>
public sealed record ReportMailResult(string Recipient, bool Ok, string? Error);

/// <summary>
/// Mails a generated report to a schedule's recipients, one mail each, with the file attached, through the operator's SMTP
/// server (<c>Herald:Reports:Smtp:*</c>, read like the <c>smtp</c> sender's settings) and the outbound guard: an internal
/// SMTP host must be on the allow-list like any other destination. A file over <see cref="ReportsOptions.MaxAttachmentBytes"/>
/// is not attached; the mail then says where to download it.
/// </summary>
public sealed class ReportMailer
{
    public const string SettingsSection = "Herald:Reports:Smtp";

    private readonly SmtpOptions? _smtp;
    private readonly OutboundConnector _connector;
    private readonly ReportsOptions _options;

    public ReportMailer(ReportsOptions options, OutboundConnector connector)
    {
        _options = options;
        _connector = connector;
        _smtp = Read(options);
    }

    public bool Configured => _smtp is not null;

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the bad setting: the start stops on a wrong SMTP setting.</summary>
    public static void Validate(ReportsOptions options) => Read(options);

    private static SmtpOptions? Read(ReportsOptions options)
    {
        if (options.Smtp.Count == 0) return null;
        try
        {
            return SmtpOptions.Read(new SenderSettings(options.Smtp, SettingsSection), SettingsSection);
        }
        catch (SettingsException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }

    public async Task<IReadOnlyList<ReportMailResult>> SendAsync(
        ReportScheduleRecord schedule, ReportRecord report, string path, string title, string team, CancellationToken ct)
    {
        if (_smtp is null) return schedule.Recipients.Select(r => new ReportMailResult(r, false, $"no SMTP server is configured ({SettingsSection}:host)")).ToList();
        string fileName = Path.GetFileName(report.FileName!);
        long size = new FileInfo(path).Length;
        bool attach = size <= _options.MaxAttachmentBytes;
        string subject = $"[Herald] {title}";
        string body = Body(schedule, report, title, team, fileName, size, attach);
        var attachment = attach ? new MailAttachment(path, fileName, ReportFormats.ContentType(report.Format)) : null;
        var results = new List<ReportMailResult>();
        foreach (var to in schedule.Recipients)
        {
            var sent = await SmtpDelivery.SendAsync(_smtp, _connector, to, subject, body, attachment, ct);
            results.Add(new ReportMailResult(to, sent.Success, sent.Success ? null : $"{to}: {sent.ErrorCode}: {sent.ErrorMessage}"));
        }
        return results;
    }

    private string Body(ReportScheduleRecord schedule, ReportRecord report, string title, string team, string fileName, long size, bool attached)
    {
        var sb = new StringBuilder();
        sb.AppendLine(title).AppendLine();
        sb.AppendLine($"team:       {team}");
        sb.AppendLine($"schedule:   {schedule.Id} ({schedule.Cron}, {schedule.TimeZone})");
        sb.AppendLine($"report:     {report.Id}");
        using (var parameters = JsonDocument.Parse(report.ParamsJson))
            foreach (var p in parameters.RootElement.EnumerateObject()) sb.AppendLine($"{p.Name + ":",-12}{p.Value}");
        if (report.SummaryJson is { } summary)
        {
            sb.AppendLine().AppendLine("Summary:");
            using var doc = JsonDocument.Parse(summary);
            foreach (var p in doc.RootElement.EnumerateObject()) sb.AppendLine($"  {p.Name}: {(p.Value.ValueKind == JsonValueKind.Null ? "-" : p.Value.ToString())}");
        }
        sb.AppendLine();
        string download = $"GET /api/v1/analytics/reports/{report.Id}/download";
        sb.AppendLine(attached
            ? $"The report is attached ({fileName}, {size.ToString("#,##0", CultureInfo.InvariantCulture)} bytes); it can also be downloaded with {download}."
            : $"The report ({fileName}, {size.ToString("#,##0", CultureInfo.InvariantCulture)} bytes) is larger than {_options.MaxAttachmentBytes:#,##0} bytes and is not attached: download it with {download}.");
        return sb.ToString();
    }
}
