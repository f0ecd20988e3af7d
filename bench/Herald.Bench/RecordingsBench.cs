using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Deliveries;
using Herald.Domain;
using Herald.Hosting;
using Herald.Recordings;
using Herald.Storage;
using Herald.Storage.Sqlite;
using Herald.Tenancy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Bench;

/// <summary>
/// The recording pipeline with the transcriber off (Herald:Recordings:Transcriber=none): Twilio's recording callbacks over
/// HTTP, then the queue's claim, download from a local server (on both allow-lists), audio store, analysis and writes to
/// the call and the delivery, until every recording is completed. Baseline, same run: the same recording rows inserted
/// bare into a store of their own.
/// </summary>
public static class RecordingsBench
{
    private const string AdminKey = "hk_bench_recordings";
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";

    public static async Task RunAsync(BenchOptions o, Report report)
    {
        int count = (int)Math.Min(o.Events == 10_000_000 ? 2000 : o.Events, 100_000);
        Console.WriteLine($"recordings: {count:N0} recordings of 3 s, transcriber off");
        byte[] audio = Tone(seconds: 3);
        await using var source = await AudioSource.StartAsync(audio);
        var (pipeline, cpuMs) = await Pipeline(o, count, source.BaseUrl);
        double bare = BareInserts(o, count);
        report.Add("recording pipeline without the transcriber", $"{pipeline:N0} recordings/s",
            $"callback over HTTP to completed, {audio.Length:N0}-byte WAV each; process CPU {cpuMs:F2} ms/recording (server, callback senders and audio source together); target >= 50/s");
        report.Add("baseline: bare insert of the same recording rows", $"{bare:N0} rows/s", $"pipeline / baseline = {pipeline / bare:P2}");
    }

    private static async Task<(double PerSecond, double CpuMsPerRecording)> Pipeline(BenchOptions o, int count, string audioBase)
    {
        string dataDir = Path.Combine(o.Dir, "recordings-pipeline");
        if (Directory.Exists(dataDir)) Directory.Delete(dataDir, true);
        var app = HeraldHost.Build(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Herald:DataDir"] = dataDir,
            ["Herald:AdminKey"] = AdminKey,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Herald:Recordings:Transcriber"] = "none",
            ["Herald:Recordings:AllowedHosts"] = "127.0.0.1",
            ["Herald:Security:OutboundAllowList"] = "127.0.0.1",
        }));
        await app.StartAsync();
        try
        {
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            using var admin = new HttpClient { BaseAddress = address };
            admin.DefaultRequestHeaders.Add("X-API-Key", AdminKey);
            var team = await Data(await admin.PostAsJsonAsync("/api/v1/teams", new { name = "recordings" }));
            string teamId = team["id"]!.GetValue<string>(), token = team["webhook_token"]!.GetValue<string>();
            string key = (await Data(await admin.PostAsJsonAsync("/api/v1/keys", new
            {
                team_id = teamId, name = "bench", scopes = new[] { "deliveries:read", "deliveries:write" }, rate_limit = new { requests = 1_000_000, period = 60_000 },
            })))["key"]!.GetValue<string>();
            using var client = new HttpClient { BaseAddress = address };
            client.DefaultRequestHeaders.Add("X-API-Key", key);
            await Data(await client.PutAsJsonAsync("/api/v1/delivery-settings", new
            {
                twilio = new { account_sid = AccountSid, auth_token = "bench-token", from_number = "+14155550100", base_url = audioBase },
            }));
            string customer = (await Data(await client.PostAsJsonAsync("/api/v1/customers", new { name = "C", phone = "+12127360000" })))["id"]!.GetValue<string>();
            string deliveryId = (await Data(await client.PostAsJsonAsync("/api/v1/deliveries", new
            {
                customer_id = customer, address = "1 Main St", coordinates = new { type = "Point", coordinates = new[] { -74.0, 40.7 } },
                scheduled_time = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
            })))["id"]!.GetValue<string>();

            // The calls themselves are not measured: they go straight into the store.
            var calls = app.Services.GetRequiredService<ICallStore>();
            var delivery = app.Services.GetRequiredService<IDeliveryStore>().FindDelivery(app.Services.GetRequiredService<TeamDirectory>().ByPublicIdOrName(teamId)!.Id, deliveryId)!;
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var sids = new string[count];
            for (int i = 0; i < count; i++)
            {
                sids[i] = "CA" + Guid.NewGuid().ToString("n");
                calls.InsertCall(new CallRecord(0, $"call_bench{i:D8}", delivery.TeamId, delivery.Id, delivery.PublicId, customer, sids[i], "completed",
                    "+14155550100", "+12127360000", "outbound", null, null, null, null, null, null, null, null, null, 0, "[]", now, now));
            }

            using var self = Process.GetCurrentProcess();
            var cpu = self.TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            int next = -1;
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            {
                using var hook = new HttpClient { BaseAddress = address };
                for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
                {
                    string recordingSid = "RE" + Guid.NewGuid().ToString("n");
                    var response = await hook.PostAsync($"/webhooks/twilio-recording/{token}", new FormUrlEncodedContent(new Dictionary<string, string>
                    {
                        ["CallSid"] = sids[i], ["RecordingSid"] = recordingSid, ["RecordingStatus"] = "completed", ["RecordingDuration"] = "3",
                        ["RecordingUrl"] = $"{audioBase}/2010-04-01/Accounts/{AccountSid}/Recordings/{recordingSid}",
                    }));
                    response.EnsureSuccessStatusCode();
                }
            }));
            string db = Path.Combine(dataDir, "herald.db");
            while (true)
            {
                var (done, failed) = Counts(db);
                if (failed > 0) throw new InvalidOperationException($"{failed} recordings failed");
                if (done == count) break;
                await Task.Delay(20);
            }
            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            self.Refresh();
            double cpuMs = (self.TotalProcessorTime - cpu).TotalMilliseconds / count;
            Console.WriteLine($"  pipeline: {count:N0} in {seconds:F2} s, {cpuMs:F2} ms CPU each");
            return (count / seconds, cpuMs);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static (long Done, long Failed) Counts(string db)
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Mode=ReadOnly");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT count(*) FILTER (WHERE processing_status = 'completed'), count(*) FILTER (WHERE processing_status = 'failed') FROM recordings";
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.GetInt64(1));
    }

    /// <summary>The same recording rows inserted one by one (each its own transaction, as callbacks arrive) into a fresh store.</summary>
    private static double BareInserts(BenchOptions o, int count)
    {
        string path = Path.Combine(o.Dir, "recordings-bare", "herald.db");
        if (Directory.Exists(Path.GetDirectoryName(path))) Directory.Delete(Path.GetDirectoryName(path)!, true);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var store = new SqliteStore(path);
        store.MigrateUp();
        int team = new TeamDirectory(store, TimeProvider.System).GetOrCreate("bench").Id;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var customer = store.CreateCustomer(new CustomerRecord("cus_bench", team, "+12127360000", "C", null, null, CustomerPreferences.Default, null, now, now));
        long deliveryId;
        using (var s = store.BeginDeliveryWrite())
        {
            deliveryId = s.InsertDelivery(new DeliveryRecord(0, "del_bench", team, customer.PublicId, null, "1 Main St", new GeoPoint(-74, 40.7), now, 30,
                Status.Scheduled, DeliveryPriority.Normal, PackageDetails.None.ToJson(), false, null, null, null, null, null, null, 0, 3, now, now));
            s.Commit();
        }
        var calls = new CallRecord[count];
        for (int i = 0; i < count; i++)
            calls[i] = store.InsertCall(new CallRecord(0, $"call_bench{i:D8}", team, deliveryId, "del_bench", customer.PublicId, "CA" + Guid.NewGuid().ToString("n"),
                "completed", "+14155550100", "+12127360000", "outbound", null, null, null, null, null, null, null, null, null, 0, "[]", now, now));
        var started = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
            store.InsertRecording(new RecordingRecord(0, $"rec_bench{i:D8}", team, calls[i].Id, calls[i].PublicId, deliveryId, "del_bench", "RE" + i,
                "http://127.0.0.1/recording", null, 3, null, null, null, null, RecordingStatuses.Pending, 0, now, null, null, null, 0, null, now, now));
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Console.WriteLine($"  bare inserts: {count:N0} in {seconds:F2} s");
        return count / seconds;
    }

    /// <summary>A 16 kHz mono WAV of a 440 Hz tone.</summary>
    private static byte[] Tone(int seconds)
    {
        var samples = new short[16_000 * seconds];
        for (int i = 0; i < samples.Length; i++) samples[i] = (short)(8000 * Math.Sin(2 * Math.PI * 440 * i / 16_000.0));
        return WavAudio.Write(samples);
    }

    private static async Task<JsonNode> Data(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!["data"]!;
    }

    /// <summary>Serves the same audio at every path, as Twilio serves a recording's WAV.</summary>
    private sealed class AudioSource : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private AudioSource(WebApplication app) => _app = app;

        public string BaseUrl { get; private set; } = "";

        public static async Task<AudioSource> StartAsync(byte[] audio)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            app.Run(async ctx =>
            {
                ctx.Response.ContentType = "audio/x-wav";
                ctx.Response.ContentLength = audio.Length;
                await ctx.Response.Body.WriteAsync(audio);
            });
            await app.StartAsync();
            var source = new AudioSource(app);
            source.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
            return source;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
