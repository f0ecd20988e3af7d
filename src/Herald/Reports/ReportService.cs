using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Herald.Hosting;
using Herald.Maintenance;
using Herald.Reports.Writers;
using Herald.Storage;

namespace Herald.Reports;

/// <summary>The <c>Herald:Reports</c> section.</summary>
public sealed class ReportsOptions
{
    /// <summary>Reports (rows and files) older than this are deleted by the clean-up.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the clean-up runs (also once at start).</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a POST waits for its report before answering 202 <c>running</c> instead of the finished report.</summary>
    public TimeSpan WaitForCompletion { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Reports generated at once; more wait their turn (still <c>running</c>).</summary>
    public int MaxConcurrent { get; set; } = 2;

    /// <summary>
    /// The SMTP server scheduled reports are mailed through (<c>Herald:Reports:Smtp:host</c>, <c>port</c>, <c>from</c>, ...:
    /// the settings of the <c>smtp</c> sender). Empty: schedules cannot be created.
    /// </summary>
    public Dictionary<string, string> Smtp { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Run report schedules (the cron triggers). Off: schedules are kept, and run only when asked to.</summary>
    public bool SchedulesEnabled { get; set; } = true;

    /// <summary>A schedule may not fire more often than this (it mails every recipient each time).</summary>
    public TimeSpan MinScheduleInterval { get; set; } = TimeSpan.FromMinutes(15);

    public int MaxSchedulesPerTeam { get; set; } = 100;

    /// <summary>A scheduled run gives up on its report after this (the run is then an error; the report may still finish).</summary>
    public TimeSpan ScheduledReportTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A report file larger than this is not attached; the mail says where to download it.</summary>
    public long MaxAttachmentBytes { get; set; } = 20 * 1024 * 1024;
}

/// <summary>
/// Generates reports in the background: a request becomes a <c>running</c> row at once, the content is built from the
/// rollups and written to a temporary file that is renamed into <c>reports/&lt;team&gt;/</c> of the data directory when
/// complete (a download never sees half a file), then the row turns <c>completed</c> with the file's name, size and the
/// summary, or <c>failed</c> with the reason. Reports older than <see cref="ReportsOptions.Retention"/> are deleted.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A singleton for the process's lifetime: disposing its semaphore at shutdown would only race the last background callers.")]
public sealed class ReportService(
    IReportStore store, ReportBuilder builder, HeraldOptions herald, ReportsOptions options, RetentionPurger purger, TimeProvider time, ILogger<ReportService> logger)
{
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.MaxConcurrent));
    private readonly CancellationTokenSource _stopping = new();

    public ReportsOptions Options => options;

    public string Root => Path.Combine(herald.DataDir, "reports");

    /// <summary>Records the report as running and starts generating it; answers the new row.</summary>
    public ReportRecord Start(ReportRequest request, string teamFolder)
    {
        var now = time.GetUtcNow();
        string id = $"{ReportTypes.IdPrefix(request.Type)}_{now.UtcDateTime:yyyyMMdd_HHmmss}_{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}";
        var record = new ReportRecord(id, request.TeamId, request.Type, request.Format, request.ToJson(), null, null, now.ToUnixTimeMilliseconds(),
            null, ReportStatuses.Running, null, null);
        store.InsertReport(record);
        var running = new Running();
        _running[id] = running;
        running.Task = Task.Run(() => GenerateAsync(id, request, teamFolder, running));
        return record;
    }

    /// <summary>The row once the report is done, or as it stands after <paramref name="timeout"/>.</summary>
    public async Task<ReportRecord> WaitAsync(string id, TimeSpan timeout)
    {
        if (_running.TryGetValue(id, out var running) && running.Task is { } task)
            await Task.WhenAny(task, Task.Delay(timeout));
        return store.FindReport(id) ?? throw new InvalidOperationException($"report {id} vanished");
    }

    /// <summary>0-100 while the report runs here, null otherwise.</summary>
    public double? Progress(string id) => _running.TryGetValue(id, out var r) ? Math.Round(r.Progress * 100, 1) : null;

    public string FilePath(ReportRecord r) => Path.Combine(Root, r.FileName!);

    public DateTimeOffset ExpiresAt(ReportRecord r) => DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAtMs) + options.Retention;

    private async Task GenerateAsync(string id, ReportRequest request, string teamFolder, Running running)
    {
        string? temp = null;
        try
        {
            await _slots.WaitAsync(_stopping.Token);
            try
            {
                var doc = builder.Build(id, request, p => running.Progress = Math.Clamp(p, 0, 0.95));
                var folder = Path.Combine(Root, teamFolder);
                Directory.CreateDirectory(folder);
                string stem = $"{ReportTypes.FileStem(request.Type)}_{id[(id.IndexOf('_') + 1)..]}";
                string name = $"{stem}.{request.FileExtension}";
                temp = Path.Combine(folder, "." + name + ".tmp");
                await using (var file = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
                {
                    switch (request.Format)
                    {
                        case ReportFormats.Csv: CsvReportWriter.Write(doc, file, stem); break;
                        case ReportFormats.Json: JsonReportWriter.Write(doc, file); break;
                        case ReportFormats.Excel: XlsxReportWriter.Write(doc, file); break;
                        default: PdfReportWriter.Write(doc, file); break;
                    }
                    await file.FlushAsync();
                }
                long size = new FileInfo(temp).Length;
                File.Move(temp, Path.Combine(folder, name), overwrite: true);
                temp = null;
                var summary = JsonSerializer.Serialize(doc.Summary.ToDictionary(k => k.Name, k => k.Value));
                store.CompleteReport(id, teamFolder + "/" + name, size, summary, time.GetUtcNow().ToUnixTimeMilliseconds());
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            Fail(id, "the server stopped before the report ran");
        }
        catch (Exception e)
        {
            logger.LogError(e, "report {Id} failed", id);
            Fail(id, e is ReportSubjectNotFoundException ? e.Message : $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            if (temp is not null) TryDelete(temp);
            _running.TryRemove(id, out _);
        }
    }

    private void Fail(string id, string error)
    {
        try
        {
            store.FailReport(id, error, time.GetUtcNow().ToUnixTimeMilliseconds());
        }
        catch (Exception e)
        {
            logger.LogError(e, "could not record the failure of report {Id}", id);
        }
    }

    /// <summary>Deletes the report's file and row.</summary>
    public void Delete(ReportRecord r)
    {
        if (r.FileName is not null) TryDelete(FilePath(r));
        store.DeleteReport(r.Id);
    }

    /// <summary>
    /// Deletes every report created more than the retention ago (not one still running), row then file, through retention's
    /// purge (with <c>Herald:Retention:Archive</c> the rows and the files' bytes are archived first); answers how many.
    /// </summary>
    public int Cleanup(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var files = new PurgeFiles("reports", "file_name", key => File.Exists(Path.Combine(Root, key)) ? File.ReadAllBytes(Path.Combine(Root, key)) : null,
            key => TryDelete(Path.Combine(Root, key)));
        int deleted = (int)purger.Purge(PurgeCollection.Reports, "reports", (now - options.Retention).ToUnixTimeMilliseconds(), now, files, ct);
        if (deleted > 0) logger.LogInformation("deleted {Count} reports older than {Retention}", deleted, options.Retention);
        return deleted;
    }

    /// <summary>At start: reports a previous process left running can never finish.</summary>
    public int FailInterrupted() => store.FailRunningReports("interrupted: the server stopped while the report ran", time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>Stops taking turns and waits a while for the reports being written.</summary>
    public async Task StopAsync(TimeSpan wait)
    {
        await _stopping.CancelAsync();
        var tasks = _running.Values.Select(r => r.Task).OfType<Task>().ToArray();
        if (tasks.Length > 0) await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(wait));
    }

    private void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "could not delete {Path}", path);
        }
    }

    private sealed class Running
    {
        public volatile Task? Task;
        public double Progress;
    }
}

/// <summary>Runs the retention clean-up at start and every interval, and lets the generators finish at shutdown.</summary>
public sealed class ReportMaintenance(ReportService reports, ILogger<ReportMaintenance> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var interval = reports.Options.CleanupInterval > TimeSpan.Zero ? reports.Options.CleanupInterval : TimeSpan.FromHours(1);
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                try
                {
                    reports.Cleanup(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "report clean-up failed");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await reports.StopAsync(TimeSpan.FromSeconds(10));
    }
}
