using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Herald.Bench;

/// <summary>
/// Item search, streaming exports and the message report's per-message rows over real HTTP, on the endpoints bench's store
/// (<c>--events</c> simulated events ending when it was filled; the same folder, so one fill serves both): a `herald serve`
/// child answers, this process times each request to its last byte and reads the server's CPU time. Baselines side by side:
/// a bare SELECT of the same rows (the same columns, window, filters and order) written to /dev/null as text, in this process
/// for a page, by the sqlite3 shell for exports and reports.
/// </summary>
public static class ItemsBench
{
    private const int SearchRuns = 200, WarmUps = 3;
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
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var bare = Repeat(SearchRuns, () => SelectToDevNull(store, page));
        double bareCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / (SearchRuns + WarmUps);
        report.Add("baseline: the first page's bare SELECT to /dev/null", Percentiles(bare), $"{SearchRuns} runs in process, CPU {bareCpu:0.0} ms a run");
        cpu = server.CpuTime();
        var calls = await RepeatAsync(SearchRuns, () => GetAsync(http, search));
        double callCpu = (server.CpuTime() - cpu).TotalMilliseconds / (SearchRuns + WarmUps);
        report.Add("GET /api/v1/items, first page of 100 (failed,undelivered × twilio, 24 h)", Percentiles(calls),
            $"{SearchRuns} calls over HTTP, server CPU {callCpu:0.0} ms a call ({callCpu / bareCpu:0.0}× the baseline's)");
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
        // A smaller store (fewer --events) exports all of acme's items.
        long acme = Scalar(store, "SELECT COUNT(*) FROM items WHERE team_id = 1");
        long exportFrom = Scalar(store, $"SELECT earliest_at FROM items INDEXED BY ix_items_earliest WHERE team_id = 1 ORDER BY earliest_at DESC LIMIT 1 OFFSET {Math.Min(999_999, acme - 1)}") / 60_000 * 60_000;
        long exportRows = Scalar(store, $"SELECT COUNT(*) FROM items WHERE team_id = 1 AND earliest_at >= {exportFrom} AND earliest_at < {to}");
        string all = $"SELECT {Columns} FROM items INDEXED BY ix_items_earliest WHERE team_id = 1 AND earliest_at >= {exportFrom} AND earliest_at < {to} ORDER BY earliest_at DESC, id DESC";
        var cold = CliToDevNull(db, all);
        report.Add("baseline: the export's rows, bare SELECT to /dev/null, cold", Show(cold), $"{exportRows:N0} rows, sqlite3 CLI, the first read");
        foreach (var (stage, cost) in Stages(db, exportFrom, to))
            report.Add($"in process: {stage}", Show(cost), $"{exportRows:N0} rows, one thread");
        // The baseline runs beside each round of exports: on a shared machine the load moves between rounds.
        for (int run = 1; run <= 2; run++)
        {
            var baseline = CliToDevNull(db, all);
            report.Add($"baseline: the export's rows, bare SELECT to /dev/null (round {run})", Show(baseline), $"{exportRows:N0} rows, sqlite3 CLI, warm");
            foreach (var format in new[] { "csv", "ndjson", "xlsx" })
            {
                var (cost, bytes, rss, growth) = await DownloadAsync(server, http, $"/api/v1/exports/items?team=acme&from={Iso(exportFrom)}&to={Iso(to)}&format={format}");
                report.Add($"GET /api/v1/exports/items format={format} (round {run})", Show(cost),
                    $"{Ratios(cost, baseline)}; {exportRows:N0} rows, {bytes / 1e6:N0} MB; server RSS {rss / 1e6:N0} MB before, grew {growth / 1e6:N1} MB at most");
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
        var reportBaseline = CliToDevNull(db, reportRows);
        report.Add("baseline: the report's messages, bare SELECT to /dev/null", Show(reportBaseline), $"{count:N0} rows ({reportQuery}), sqlite3 CLI, warm");
        foreach (var format in new[] { "csv", "json", "excel", "pdf" })
        {
            var (generated, downloaded, size) = await ReportAsync(server, http, $"/api/v1/analytics/reports/messages?{reportQuery}&format={format}");
            var total = new Cost(generated.WallMs + downloaded.WallMs, generated.CpuMs + downloaded.CpuMs);
            report.Add($"POST message report detail=items format={format}", Show(total),
                $"{Ratios(total, reportBaseline)}; {generated.WallMs:N0} ms to completed + {downloaded.WallMs:N0} ms to download {size / 1e6:N1} MB; {count:N0} messages");
        }
    }

    /// <summary>What a run took: wall-clock milliseconds and CPU milliseconds (user and system) of the process that did the work.</summary>
    private readonly record struct Cost(double WallMs, double CpuMs);

    private static string Show(Cost c) => $"{c.WallMs:N0} ms (CPU {c.CpuMs:N0} ms)";

    private static string Ratios(Cost c, Cost baseline) => $"{c.WallMs / baseline.WallMs:0.00}× the baseline's time, {c.CpuMs / baseline.CpuMs:0.00}× its CPU";

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
    private static List<(string Stage, Cost Cost)> Stages(string db, long from, long to)
    {
        using var sqlite = new Herald.Storage.Sqlite.SqliteStore(db);
        var registry = new Herald.Engine.DimensionRegistry();
        registry.Load(sqlite);
        var search = new Herald.Analytics.Items.ItemSearch(sqlite, new Herald.Engine.PendingRollups(), registry);
        var rows = new Herald.Analytics.Items.ItemRows(registry, new Herald.Tenancy.TeamDirectory(sqlite, TimeProvider.System));
        var query = new Herald.Analytics.Items.ItemQuery([1], from, to, Herald.Analytics.MetricFilter.None);
        Cost Time(Action<Herald.Storage.ItemRecord> each, Action? end = null)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            using (var reading = search.Read(query))
                foreach (var item in reading) each(item);
            end?.Invoke();
            return new Cost(sw.Elapsed.TotalMilliseconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds);
        }
        long n = 0;
        var result = new List<(string, Cost)>();
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
        Cost Scan(Func<Herald.Analytics.Items.ItemFieldCursor, long> each)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            using (var cursor = search.OpenCursor(query)) n += each(cursor);
            return new Cost(sw.Elapsed.TotalMilliseconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds);
        }
        result.Add(("the export's cursor reads the rows in place", Scan(c =>
        {
            long events = 0;
            while (c.Next()) events += c.Current.EventCount;
            return events;
        })));
        foreach (var format in new[] { "csv", "ndjson" })
        {
            using var devNull = new FileStream("/dev/null", FileMode.Open, FileAccess.Write);
            var encoder = Herald.Reports.Writers.ItemRowEncoder.For(format, rows)!;
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(1 << 17);
            result.Add(($"+ {format} bytes (ItemRowEncoder) to /dev/null", Scan(c =>
            {
                long k = 0;
                for (; c.Next(); k++)
                {
                    encoder.Write(c.Current, buffer);
                    if (buffer.WrittenCount < 1 << 16) continue;
                    devNull.Write(buffer.WrittenSpan);
                    buffer.ResetWrittenCount();
                }
                devNull.Write(buffer.WrittenSpan);
                return k;
            })));
        }
        using (var devNull = new FileStream("/dev/null", FileMode.Open, FileAccess.Write))
        {
            var xlsx = Herald.Reports.Writers.XlsxReportWriter.OpenRows("Items", Herald.Reports.ItemColumns.All, devNull);
            result.Add(("+ XLSX to /dev/null", Time(i => xlsx.Write(Herald.Reports.ItemColumns.Values(rows.Of(i))), xlsx.Dispose)));
        }
        return result;
    }

    private static async Task<(Cost Generated, Cost Downloaded, long Size)> ReportAsync(HeraldChild server, HttpClient http, string path)
    {
        var cpu = server.CpuTime();
        var sw = Stopwatch.StartNew();
        using var post = await http.PostAsync(path, null);
        var data = JsonNode.Parse(await post.Content.ReadAsStringAsync())!["data"]!;
        while (data["status"]!.GetValue<string>() == "running")
        {
            await Task.Delay(20);
            data = JsonNode.Parse(await http.GetStringAsync(data["status_url"]!.GetValue<string>()))!["data"]!;
        }
        if (data["status"]!.GetValue<string>() != "completed") throw new InvalidOperationException($"{path}: {data}");
        var generated = new Cost(sw.Elapsed.TotalMilliseconds, (server.CpuTime() - cpu).TotalMilliseconds);
        cpu = server.CpuTime();
        sw.Restart();
        using var file = await http.GetAsync(data["file_path"]!.GetValue<string>(), HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await file.Content.ReadAsStreamAsync();
        long size = await CopyToDevNullAsync(stream);
        return (generated, new Cost(sw.Elapsed.TotalMilliseconds, (server.CpuTime() - cpu).TotalMilliseconds), size);
    }

    /// <summary>Times a download to its last byte while sampling the server's RSS every 20 ms.</summary>
    private static async Task<(Cost Cost, long Bytes, long RssBefore, long Growth)> DownloadAsync(HeraldChild server, HttpClient http, string path)
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
        var cpu = server.CpuTime();
        var sw = Stopwatch.StartNew();
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        long bytes = await CopyToDevNullAsync(stream);
        var cost = new Cost(sw.Elapsed.TotalMilliseconds, (server.CpuTime() - cpu).TotalMilliseconds);
        sampling.Cancel();
        await sampler;
        return (cost, bytes, before, peak - before);
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

    /// <summary>The rows of a SELECT by the sqlite3 command-line shell (Debian's sqlite3), as text to /dev/null, timed by bash's <c>time</c>.</summary>
    private static Cost CliToDevNull(string db, string sql)
    {
        var sw = Stopwatch.StartNew();
        var start = new ProcessStartInfo("bash", ["-c", $"TIMEFORMAT='%3U %3S'; time sqlite3 -readonly '{db}' \"{sql.ReplaceLineEndings(" ")}\" > /dev/null"])
        {
            RedirectStandardError = true,
        };
        using var shell = Process.Start(start)!;
        string stderr = shell.StandardError.ReadToEnd();
        shell.WaitForExit();
        double wall = sw.Elapsed.TotalMilliseconds;
        var times = stderr.Trim().Split('\n')[^1].Split(' ');
        if (shell.ExitCode != 0 || times.Length != 2) throw new InvalidOperationException($"sqlite3 failed ({shell.ExitCode}: {stderr}); apt-get install sqlite3");
        return new Cost(wall, (double.Parse(times[0], CultureInfo.InvariantCulture) + double.Parse(times[1], CultureInfo.InvariantCulture)) * 1000);
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
        for (int i = 0; i < WarmUps; i++) run(); // JIT and page cache
        return Enumerable.Range(0, runs).Select(_ => run()).ToList();
    }

    private static async Task<List<double>> RepeatAsync(int runs, Func<Task<double>> run)
    {
        for (int i = 0; i < WarmUps; i++) await run();
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
