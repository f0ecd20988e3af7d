using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Herald.Bench;

/// <summary>
/// Item search, streaming exports and the message report's per-message rows over real HTTP, on the endpoints bench's store
/// (<c>--events</c> simulated events ending when it was filled; the same folder, so one fill serves both): a `herald serve`
/// child answers, this process times each request to its last byte. Baselines side by side: a bare SELECT of the same rows
/// (the same columns, window, filters and order) written to /dev/null as text, in this process.
/// </summary>
public static class ItemsBench
{
    private const int SearchRuns = 200;
    private const string Columns = "id, team_id, item_id, kind, status, status_at, earliest_at, first_sent_at, first_success_at, dimension_set_id, recipient, cost, event_count, error_code";

    public static async Task RunAsync(BenchOptions o, Report report)
    {
        // The endpoints bench's store (the same folder), so one 10 M-event fill serves both.
        string dataDir = Path.Combine(o.Dir, "endpoints");
        string db = Path.Combine(dataDir, "herald.db");
        bool reuse = o.ReuseStore && File.Exists(db);
        var lastEvent = reuse ? EndpointsBench.LastEvent(dataDir) : EndpointsBench.Fill(o, dataDir);
        report.Add("items store", reuse ? "reused" : $"{o.Events:N0} events", $"the last at {DateTimeOffset.FromUnixTimeMilliseconds(lastEvent):u}");

        await using var server = await HeraldChild.StartAsync(dataDir, new Dictionary<string, string> { ["Herald__Cache__Enabled"] = "false" });
        using var http = server.Client();
        using var store = new SqliteConnection($"Data Source={db};Mode=ReadOnly");
        store.Open();
        report.Add("items of acme", Scalar(store, "SELECT COUNT(*) FROM items WHERE team_id = 1").ToString("N0", CultureInfo.InvariantCulture), "team acme (id 1)");

        // ---- search: a page of 100, by status and provider, the last 24 hours of the store ----
        long to = (lastEvent / 60_000 + 1) * 60_000, from = to - 86_400_000;
        string statuses = "failed,undelivered", provider = "twilio";
        string search = $"/api/v1/items?team=acme&from={Iso(from)}&to={Iso(to)}&status={statuses}&provider={provider}&limit=100";
        var sets = IdsOf(store, "SELECT id FROM dimension_sets WHERE team_id = 1 AND provider = 'twilio'");
        string page = $"""
            SELECT {Columns} FROM items INDEXED BY ix_items_earliest
            WHERE team_id = 1 AND earliest_at >= {from} AND earliest_at < {to} AND status IN (3, 4)
              AND dimension_set_id IN ({string.Join(',', sets)}) ORDER BY earliest_at DESC, id DESC LIMIT 100
            """;
        report.Add("baseline: the first page's bare SELECT to /dev/null", Percentiles(Repeat(SearchRuns, () => SelectToDevNull(store, page))), $"{SearchRuns} runs");
        report.Add("GET /api/v1/items, first page of 100 (failed,undelivered × twilio, 24 h)", Percentiles(await RepeatAsync(SearchRuns, () => GetAsync(http, search))),
            $"{SearchRuns} calls over HTTP");
        var pages = new List<double>();
        string? cursor = null;
        int rows = 0;
        for (int i = 0; i < SearchRuns; i++)
        {
            var sw = Stopwatch.StartNew();
            var body = JsonNode.Parse(await http.GetStringAsync(search + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))))!["data"]!;
            pages.Add(sw.Elapsed.TotalMilliseconds);
            rows += body["items"]!.AsArray().Count;
            cursor = body["next_cursor"]?.GetValue<string>();
            if (cursor is null) break;
        }
        report.Add("GET /api/v1/items, consecutive pages of 100 by cursor", Percentiles(pages), $"{pages.Count} pages, {rows:N0} items");

        // ---- exports of about 1 M rows: acme's newest million items ----
        long exportFrom = Scalar(store, "SELECT earliest_at FROM items INDEXED BY ix_items_earliest WHERE team_id = 1 ORDER BY earliest_at DESC LIMIT 1 OFFSET 999999") / 60_000 * 60_000;
        long exportRows = Scalar(store, $"SELECT COUNT(*) FROM items WHERE team_id = 1 AND earliest_at >= {exportFrom} AND earliest_at < {to}");
        string all = $"SELECT {Columns} FROM items INDEXED BY ix_items_earliest WHERE team_id = 1 AND earliest_at >= {exportFrom} AND earliest_at < {to} ORDER BY earliest_at DESC, id DESC";
        double cold = CliToDevNull(db, all);
        report.Add("baseline: the export's rows, bare SELECT to /dev/null", $"{CliToDevNull(db, all):N0} ms",
            $"{exportRows:N0} rows, sqlite3 CLI (warm; the first, cold: {cold:N0} ms)");
        foreach (var (stage, ms) in Stages(db, exportFrom, to))
            report.Add($"in process: {stage}", $"{ms:N0} ms", $"{exportRows:N0} rows, one thread");
        foreach (var format in new[] { "csv", "ndjson", "xlsx" })
        {
            for (int run = 1; run <= 2; run++)
            {
                var (ms, bytes, rss, growth) = await DownloadAsync(server, http, $"/api/v1/exports/items?team=acme&from={Iso(exportFrom)}&to={Iso(to)}&format={format}");
                report.Add($"GET /api/v1/exports/items format={format} (run {run})", $"{ms:N0} ms",
                    $"{exportRows:N0} rows, {bytes / 1e6:N0} MB; server RSS {rss / 1e6:N0} MB before, grew {growth / 1e6:N1} MB at most");
            }
        }

        // ---- the message report with detail=items, about 100 K messages ----
        var (day, campaign, count) = ReportPeriod(store, lastEvent);
        string reportQuery = $"start_date={day:yyyy-MM-dd}&end_date={day:yyyy-MM-dd}&campaign_id={campaign}&team=acme&detail=items";
        var (dayFrom, dayTo) = DayMs(day);
        var campaignSets = IdsOf(store, $"SELECT id FROM dimension_sets WHERE team_id = 1 AND campaign = '{campaign}'");
        string reportRows = $"SELECT {Columns} FROM items INDEXED BY ix_items_earliest WHERE team_id = 1 AND earliest_at >= {dayFrom} AND earliest_at < {dayTo}" +
                            $" AND dimension_set_id IN ({string.Join(',', campaignSets)}) ORDER BY earliest_at DESC, id DESC";
        CliToDevNull(db, reportRows);
        report.Add("baseline: the report's messages, bare SELECT to /dev/null", $"{CliToDevNull(db, reportRows):N0} ms", $"{count:N0} rows ({reportQuery}), sqlite3 CLI, warm");
        foreach (var format in new[] { "csv", "json", "excel", "pdf" })
        {
            var (generated, downloaded, size) = await ReportAsync(http, $"/api/v1/analytics/reports/messages?{reportQuery}&format={format}");
            report.Add($"POST message report detail=items format={format}", $"{generated + downloaded:N0} ms",
                $"{generated:N0} ms to completed + {downloaded:N0} ms to download {size / 1e6:N1} MB; {count:N0} messages");
        }
    }

    /// <summary>The whole UTC day and campaign of acme whose messages are closest to 100,000.</summary>
    private static (DateOnly Day, string Campaign, long Count) ReportPeriod(SqliteConnection store, long lastEvent)
    {
        var lastDay = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(lastEvent).UtcDateTime);
        var best = (Day: lastDay, Campaign: "", Count: 0L);
        for (var day = lastDay.AddDays(-3); day < lastDay; day = day.AddDays(1))
        {
            var (f, t) = DayMs(day);
            using var cmd = store.CreateCommand();
            cmd.CommandText = $"SELECT d.campaign, COUNT(*) FROM items i JOIN dimension_sets d ON d.id = i.dimension_set_id " +
                              $"WHERE i.team_id = 1 AND i.earliest_at >= {f} AND i.earliest_at < {t} AND d.campaign IS NOT NULL GROUP BY d.campaign";
            using var r = cmd.ExecuteReader();
            while (r.Read())
                if (Math.Abs(r.GetInt64(1) - 100_000) < Math.Abs(best.Count - 100_000)) best = (day, r.GetString(0), r.GetInt64(1));
        }
        return best;
    }

    private static (long From, long To) DayMs(DateOnly day) =>
        (new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds(),
         new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds());

    /// <summary>
    /// Where an export's time goes, in this process over the same store and window (nothing pending): reading the rows
    /// through item search, then also making each row (dimensions, team, times as text), its cells, and the CSV.
    /// </summary>
    private static List<(string Stage, double Ms)> Stages(string db, long from, long to)
    {
        using var sqlite = new Herald.Storage.Sqlite.SqliteStore(db);
        var registry = new Herald.Engine.DimensionRegistry();
        registry.Load(sqlite);
        var search = new Herald.Analytics.Items.ItemSearch(sqlite, new Herald.Engine.PendingRollups(), registry);
        var rows = new Herald.Analytics.Items.ItemRows(registry, new Herald.Tenancy.TeamDirectory(sqlite, TimeProvider.System));
        var query = new Herald.Analytics.Items.ItemQuery([1], from, to, Herald.Analytics.MetricFilter.None);
        double Time(Action<Herald.Storage.ItemRecord> each, Action? end = null)
        {
            var sw = Stopwatch.StartNew();
            using (var reading = search.Read(query))
                foreach (var item in reading) each(item);
            end?.Invoke();
            return sw.Elapsed.TotalMilliseconds;
        }
        long n = 0;
        var result = new List<(string, double)>();
        Time(_ => n++); // warm
        result.Add(("item search reads the rows", Time(_ => n++)));
        result.Add(("+ each row (ItemRows)", Time(i => rows.Of(i))));
        result.Add(("+ its cells (ItemColumns.Values)", Time(i => Herald.Reports.ItemColumns.Values(rows.Of(i)))));
        using (var devNull = new FileStream("/dev/null", FileMode.Open, FileAccess.Write))
        {
            var csv = new Herald.Reports.Writers.CsvTableWriter(devNull, Herald.Reports.ItemColumns.All);
            result.Add(("+ CSV to /dev/null", Time(i => csv.Write(Herald.Reports.ItemColumns.Values(rows.Of(i))), csv.Dispose)));
        }
        using (var devNull = new FileStream("/dev/null", FileMode.Open, FileAccess.Write))
        {
            var json = new Herald.Reports.Writers.NdjsonTableWriter(devNull, Herald.Reports.ItemColumns.All);
            result.Add(("+ NDJSON to /dev/null", Time(i => json.Write(Herald.Reports.ItemColumns.Values(rows.Of(i))), json.Dispose)));
        }
        using (var devNull = new FileStream("/dev/null", FileMode.Open, FileAccess.Write))
        {
            var xlsx = Herald.Reports.Writers.XlsxReportWriter.OpenRows("Items", Herald.Reports.ItemColumns.All, devNull);
            result.Add(("+ XLSX to /dev/null", Time(i => xlsx.Write(Herald.Reports.ItemColumns.Values(rows.Of(i))), xlsx.Dispose)));
        }
        return result;
    }

    private static async Task<(double Generated, double Downloaded, long Size)> ReportAsync(HttpClient http, string path)
    {
        var sw = Stopwatch.StartNew();
        using var post = await http.PostAsync(path, null);
        var data = JsonNode.Parse(await post.Content.ReadAsStringAsync())!["data"]!;
        while (data["status"]!.GetValue<string>() == "running")
        {
            await Task.Delay(20);
            data = JsonNode.Parse(await http.GetStringAsync(data["status_url"]!.GetValue<string>()))!["data"]!;
        }
        if (data["status"]!.GetValue<string>() != "completed") throw new InvalidOperationException($"{path}: {data}");
        double generated = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        using var file = await http.GetAsync(data["file_path"]!.GetValue<string>(), HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await file.Content.ReadAsStreamAsync();
        long size = await CopyToDevNullAsync(stream);
        return (generated, sw.Elapsed.TotalMilliseconds, size);
    }

    /// <summary>Times a download to its last byte while sampling the server's RSS every 20 ms.</summary>
    private static async Task<(double Ms, long Bytes, long RssBefore, long Growth)> DownloadAsync(HeraldChild server, HttpClient http, string path)
    {
        GC.Collect();
        await Task.Delay(500);
        long before = server.RssBytes(), peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.RssBytes());
                try
                {
                    await Task.Delay(20, sampling.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
        var sw = Stopwatch.StartNew();
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        long bytes = await CopyToDevNullAsync(stream);
        double ms = sw.Elapsed.TotalMilliseconds;
        sampling.Cancel();
        await sampler;
        return (ms, bytes, before, peak - before);
    }

    private static async Task<long> CopyToDevNullAsync(Stream stream)
    {
        await using var devNull = new FileStream("/dev/null", FileMode.Open, FileAccess.Write);
        var buffer = new byte[81920];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            total += n;
            await devNull.WriteAsync(buffer.AsMemory(0, n));
        }
        return total;
    }

    /// <summary>The rows of a SELECT by the sqlite3 command-line shell (Debian's sqlite3), as text to /dev/null: answers the milliseconds.</summary>
    private static double CliToDevNull(string db, string sql)
    {
        var sw = Stopwatch.StartNew();
        using var shell = Process.Start(new ProcessStartInfo("sh", ["-c", $"sqlite3 -readonly '{db}' \"{sql.ReplaceLineEndings(" ")}\" > /dev/null"]))!;
        shell.WaitForExit();
        if (shell.ExitCode != 0) throw new InvalidOperationException($"sqlite3 failed ({shell.ExitCode}); apt-get install sqlite3");
        return sw.Elapsed.TotalMilliseconds;
    }

    /// <summary>The rows of a SELECT, every column as text, one line each, to /dev/null: answers the milliseconds.</summary>
    private static double SelectToDevNull(SqliteConnection c, string sql)
    {
        var sw = Stopwatch.StartNew();
        using var devNull = new StreamWriter(new FileStream("/dev/null", FileMode.Open, FileAccess.Write), bufferSize: 1 << 16);
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            for (int i = 0; i < r.FieldCount; i++)
            {
                if (i > 0) devNull.Write(',');
                if (!r.IsDBNull(i)) devNull.Write(Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture));
            }
            devNull.Write('\n');
        }
        devNull.Flush();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static async Task<double> GetAsync(HttpClient http, string path)
    {
        var sw = Stopwatch.StartNew();
        using var response = await http.GetAsync(path);
        await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{path}: {(int)response.StatusCode}");
        return sw.Elapsed.TotalMilliseconds;
    }

    private static List<double> Repeat(int runs, Func<double> run)
    {
        for (int i = 0; i < 3; i++) run(); // warm-up: JIT and page cache
        return Enumerable.Range(0, runs).Select(_ => run()).ToList();
    }

    private static async Task<List<double>> RepeatAsync(int runs, Func<Task<double>> run)
    {
        for (int i = 0; i < 3; i++) await run();
        var times = new List<double>();
        for (int i = 0; i < runs; i++) times.Add(await run());
        return times;
    }

    private static string Percentiles(List<double> times)
    {
        var sorted = times.Order().ToList();
        return $"p50 {sorted[sorted.Count / 2]:0.0} ms, p99 {sorted[(int)Math.Ceiling(sorted.Count * 0.99) - 1]:0.0} ms";
    }

    private static long Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static List<long> IdsOf(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var ids = new List<long>();
        while (r.Read()) ids.Add(r.GetInt64(0));
        return ids;
    }

    private static string Iso(long ms) => Uri.EscapeDataString(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
}
