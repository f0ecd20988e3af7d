using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Deliveries;
using Herald.Domain;
using Herald.Storage;
using Herald.Storage.Sqlite;
using Herald.Tenancy;
using Microsoft.Data.Sqlite;

namespace Herald.Bench;

/// <summary>Nearest-rank quantiles of measured times.</summary>
public static class BenchStats
{
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public static string P50P99(IReadOnlyList<double> ms) => $"p50 {Quantile(ms, 0.5):F2} ms, p99 {Quantile(ms, 0.99):F2} ms";
}

/// <summary>
/// Seed 001's delivery operation: listing deliveries filtered by status and agent among a million, nearby agents among
/// ten thousand, and creating deliveries over HTTP; each beside a baseline measured in the same run, and the write cost
/// of the deliveries table's indexes beside the same rows inserted without them and into a bare table.
/// </summary>
public static class DeliveryBench
{
    private const int Agents = 100;
    private const int Customers = 1000;
    private const int NearbyAgents = 10_000;
    private const int Samples = 2000;
    private const int WriteSample = 200_000;

    public static async Task RunAsync(BenchOptions o, Report report)
    {
        long deliveries = o.Events == 10_000_000 ? 1_000_000 : o.Events;
        Console.WriteLine($"deliveries: {deliveries:N0} deliveries, {NearbyAgents:N0} agents for nearby");
        WriteCost(o, report);
        ListingAndNearby(o, report, deliveries);
        await Http(o, report, 32);
    }

    /// <summary>Only the HTTP creation measure, at 32 and at 128 clients (a rate that grows with clients is bound by waiting, not work).</summary>
    public static async Task HttpOnlyAsync(BenchOptions o, Report report)
    {
        await Http(o, report, 32);
        await Http(o, report, 128);
    }

    private static string Db(BenchOptions o, string name)
    {
        string path = Path.Combine(o.Dir, "deliveries-" + name, "herald.db");
        if (Directory.Exists(Path.GetDirectoryName(path))) Directory.Delete(Path.GetDirectoryName(path)!, true);
        return path;
    }

    /// <summary>A store with one team, its agents and customers; the team id, agent ids and customer ids.</summary>
    private static (SqliteStore Store, int Team, long[] Agents, string[] Customers) Prepared(string path)
    {
        var store = new SqliteStore(path);
        store.MigrateUp();
        int team = new TeamDirectory(store, TimeProvider.System).GetOrCreate("bench").Id;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Argon2id is not what is measured: every agent gets the same hash.
        string hash = AgentPasswords.Hash("bench password");
        var agents = new long[Agents];
        for (int i = 0; i < Agents; i++)
            agents[i] = store.CreateAgent(new AgentRecord(0, PublicIds.New(PublicIds.Agent, now), team, $"Agent {i}", $"+1212{200 + i:D3}0000",
                $"agent{i}@bench.example", hash, "agent", true, null, null, null, null, 0, 0, null, 0, now, now)).Id;
        var customers = new string[Customers];
        for (int i = 0; i < Customers; i++)
            customers[i] = store.CreateCustomer(new CustomerRecord(PublicIds.New(PublicIds.Customer, now), team, $"+1646{200 + i / 10_000:D3}{i % 10_000:D4}",
                $"Customer {i}", null, null, CustomerPreferences.Default, null, now, now)).PublicId;
        return (store, team, agents, customers);
    }

    private static readonly Status[] StatusMix =
        [Status.Completed, Status.Completed, Status.Completed, Status.Completed, Status.Completed, Status.Failed, Status.InTransit, Status.Assigned,
         Status.Scheduled, Status.Cancelled];

    /// <summary>Inserts deliveries as the delivery writer does (delivery, attempt, tracking row), in transactions of 5,000; answers deliveries/s.</summary>
    private static double Fill(SqliteStore store, int team, long[] agents, string[] customers, long count, int seed)
    {
        var rnd = new Random(seed);
        long start = DateTimeOffset.UtcNow.AddDays(-30).ToUnixTimeMilliseconds();
        var sw = new Stopwatch();
        for (long done = 0; done < count;)
        {
            sw.Start();
            using (var s = store.BeginDeliveryWrite())
            {
                for (int i = 0; i < 5000 && done < count; i++, done++)
                {
                    long created = start + done * 2;
                    var status = StatusMix[rnd.Next(StatusMix.Length)];
                    long? agent = status == Status.Scheduled ? null : agents[rnd.Next(agents.Length)];
                    var d = new DeliveryRecord(0, PublicIds.New(PublicIds.Delivery, created), team, customers[rnd.Next(customers.Length)], agent, "1 Main St",
                        new GeoPoint(-74 + rnd.NextDouble() * 0.3, 40.6 + rnd.NextDouble() * 0.3), created + 3_600_000, 30, status,
                        (DeliveryPriority)rnd.Next(1, 5), PackageDetails.None.ToJson(), rnd.Next(5) == 0, null, null, null, null, null, null, 0, 3, created, created);
                    long id = s.InsertDelivery(d);
                    s.InsertAttempt(new AttemptRecord(id, 1, team, agent, agent, "US", d.ScheduledTimeMs, created, created, status, created, null, null, null));
                    s.AppendTracking(new TrackingRecord(0, id, 1, status, created, null, null, agent, created));
                }
                s.Commit();
            }
            sw.Stop();
        }
        return count / sw.Elapsed.TotalSeconds;
    }

    /// <summary>The same rows without the deliveries table's four secondary indexes, and into a bare table: what each index costs.</summary>
    private static void WriteCost(BenchOptions o, Report report)
    {
        var (full, team, agents, customers) = Prepared(Db(o, "write-indexed"));
        double indexed = Fill(full, team, agents, customers, WriteSample, 1);
        full.Dispose();
        var (plain, team2, agents2, customers2) = Prepared(Db(o, "write-unindexed"));
        using (var c = new SqliteConnection($"Data Source={plain.Path}"))
        {
            c.Open();
            using var drop = c.CreateCommand();
            drop.CommandText = "DROP INDEX ix_deliveries_created; DROP INDEX ix_deliveries_agent_status; DROP INDEX ix_deliveries_status; DROP INDEX ix_deliveries_customer;";
            drop.ExecuteNonQuery();
        }
        double unindexed = Fill(plain, team2, agents2, customers2, WriteSample, 1);
        plain.Dispose();
        double bare = BareInserts(Db(o, "write-bare"), WriteSample);
        report.Add($"bare INSERT of {WriteSample:N0} delivery rows (no secondary index, one table)", $"{bare:N0} rows/s");
        report.Add($"deliveries written as the writer does, without the 4 secondary indexes of deliveries", $"{unindexed:N0} deliveries/s",
            $"delivery + attempt + tracking row; ratio to bare {unindexed / bare:F2}");
        report.Add($"deliveries written as the writer does, with its indexes (created, agent+status, status, customer)", $"{indexed:N0} deliveries/s",
            $"ratio to the same without them {indexed / unindexed:F2}");
    }

    private static double BareInserts(string path, int count)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using (var setup = c.CreateCommand())
        {
            setup.CommandText = """
                PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
                CREATE TABLE deliveries (id INTEGER PRIMARY KEY, public_id TEXT, team_id INTEGER, customer_id TEXT, agent_id INTEGER, address TEXT,
                    longitude REAL, latitude REAL, scheduled_time INTEGER, estimated_duration INTEGER, status INTEGER, priority INTEGER,
                    package_details TEXT, fragile INTEGER, created_at INTEGER, updated_at INTEGER);
                """;
            setup.ExecuteNonQuery();
        }
        var rnd = new Random(1);
        var sw = Stopwatch.StartNew();
        for (int done = 0; done < count;)
        {
            using var tx = c.BeginTransaction();
            using var insert = c.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO deliveries VALUES (NULL, $p, 1, $c, $a, '1 Main St', -74, 40.7, $s, 30, $st, 2, $pkg, 0, $t, $t)";
            var p = insert.Parameters;
            foreach (var name in new[] { "$p", "$c", "$a", "$s", "$st", "$pkg", "$t" }) p.Add(new SqliteParameter(name, null));
            for (int i = 0; i < 5000 && done < count; i++, done++)
            {
                long t = 1_700_000_000_000 + done * 2;
                p["$p"].Value = PublicIds.New(PublicIds.Delivery, t);
                p["$c"].Value = "cus_" + rnd.Next(Customers);
                p["$a"].Value = rnd.Next(Agents);
                p["$s"].Value = t + 3_600_000;
                p["$st"].Value = (int)StatusMix[rnd.Next(StatusMix.Length)];
                p["$pkg"].Value = PackageDetails.None.ToJson();
                p["$t"].Value = t;
                insert.ExecuteNonQuery();
            }
            tx.Commit();
        }
        return count / sw.Elapsed.TotalSeconds;
    }

    private static void ListingAndNearby(BenchOptions o, Report report, long count)
    {
        var (store, team, agents, customers) = Prepared(Db(o, "read"));
        using (store)
        {
            double rate = Fill(store, team, agents, customers, count, 2);
            Console.WriteLine($"  filled {count:N0} deliveries at {rate:N0}/s");
            var rnd = new Random(3);
            Status[] listed = [Status.Completed, Status.Failed, Status.InTransit, Status.Assigned];
            var baseline = new List<double>();
            var first = new List<double>();
            var deep = new List<double>();
            using (var c = new SqliteConnection($"Data Source={store.Path}"))
            {
                c.Open();
                using var bare = c.CreateCommand();
                bare.CommandText = $"SELECT {SqliteSqlColumns} FROM deliveries d WHERE d.id < $before ORDER BY d.id DESC LIMIT 50";
                bare.Parameters.Add(new SqliteParameter("$before", 0L));
                for (int i = 0; i < Samples; i++)
                {
                    bare.Parameters[0].Value = 1 + rnd.NextInt64(count);
                    baseline.Add(Timed(() => { using var r = bare.ExecuteReader(); while (r.Read()) _ = r.GetValue(12); }));
                }
            }
            var views = new DeliveryViews(store);
            for (int i = 0; i < Samples; i++)
            {
                var query = new DeliveryListQuery(team, [listed[rnd.Next(listed.Length)]], [agents[rnd.Next(agents.Length)]], null, null, null, null, null, null, 51);
                first.Add(Timed(() => views.Many(store.ListDeliveries(query).Take(50).ToList())));
                var cursor = new DeliveryCursor(long.MaxValue, 1 + rnd.NextInt64(count));
                deep.Add(Timed(() => views.Many(store.ListDeliveries(query with { Before = cursor }).Take(50).ToList())));
            }
            report.Add($"baseline: bare SELECT of 50 delivery rows by id range at {count:N0}", BenchStats.P50P99(baseline));
            report.Add($"list deliveries by status and agent at {count:N0}, first page of 50 (with tracking events)", BenchStats.P50P99(first),
                $"p99 ratio to baseline {BenchStats.Quantile(first, 0.99) / BenchStats.Quantile(baseline, 0.99):F1}; target p99 < 20 ms");
            report.Add($"list deliveries by status and agent at {count:N0}, a page at a random cursor", BenchStats.P50P99(deep),
                $"p99 ratio to baseline {BenchStats.Quantile(deep, 0.99) / BenchStats.Quantile(baseline, 0.99):F1}");

            // Nearby: 10 000 active agents over a 40 km square (New York), queries of 5 km.
            int nearbyTeam = new TeamDirectory(store, TimeProvider.System).GetOrCreate("bench-nearby").Id;
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            string hash = AgentPasswords.Hash("bench password");
            for (int i = 0; i < NearbyAgents; i++)
            {
                var a = store.CreateAgent(new AgentRecord(0, PublicIds.New(PublicIds.Agent, now), nearbyTeam, $"N{i}", $"+1718{200 + i / 10_000:D3}{i % 10_000:D4}",
                    $"n{i}@bench.example", hash, "agent", true, null, null, null, null, 0, 0, null, 0, now, now));
                store.SetAgentLocation(a.Id, new GeoPoint(-74.2 + rnd.NextDouble() * 0.48, 40.55 + rnd.NextDouble() * 0.36), now);
            }
            var near = new List<double>();
            var box = new List<double>();
            var scan = new List<double>();
            var point = new List<double>();
            using (var c = new SqliteConnection($"Data Source={store.Path}"))
            {
                c.Open();
                using var all = c.CreateCommand();
                all.CommandText = "SELECT id, public_id, name, longitude, latitude FROM agents WHERE team_id = $team AND is_active = 1 AND longitude IS NOT NULL";
                all.Parameters.AddWithValue("$team", nearbyTeam);
                using var one = c.CreateCommand();
                one.CommandText = "SELECT id, public_id, name, longitude, latitude FROM agents WHERE id = $id";
                one.Parameters.Add(new SqliteParameter("$id", 0L));
                for (int i = 0; i < Samples; i++)
                {
                    var center = new GeoPoint(-74.2 + rnd.NextDouble() * 0.48, 40.55 + rnd.NextDouble() * 0.36);
                    near.Add(Timed(() =>
                    {
                        var found = NearestAgents.Within(boxes => store.ActiveAgentsWithin(nearbyTeam, boxes), center, 5, 10);
                        return store.AgentLabels(found.Select(x => x.Agent.Id).ToList());
                    }));
                    box.Add(Timed(() => store.ActiveAgentsWithin(nearbyTeam, Geo.BoxesAround(center, 5))));
                    one.Parameters[0].Value = 1 + rnd.Next(Agents + NearbyAgents);
                    point.Add(Timed(() => { using var r = one.ExecuteReader(); r.Read(); }));
                    if (i < Samples / 10)
                    {
                        scan.Add(Timed(() =>
                        {
                            var found = new List<(long, double)>();
                            using var r = all.ExecuteReader();
                            while (r.Read())
                            {
                                double km = Geo.DistanceKm(center, new GeoPoint(r.GetDouble(3), r.GetDouble(4)));
                                if (km <= 5) found.Add((r.GetInt64(0), km));
                            }
                            return found.OrderBy(x => x.Item2).Take(10).ToList();
                        }));
                    }
                }
            }
            report.Add("baseline: bare SELECT of one agent by id", BenchStats.P50P99(point));
            report.Add("baseline: the R*Tree read of the whole 5 km box (every agent in it, no distance, no order)", BenchStats.P50P99(box));
            report.Add($"nearby agents among {NearbyAgents:N0} (R*Tree, 5 km, nearest 10)", BenchStats.P50P99(near),
                $"p99 ratio to the whole-box read {BenchStats.Quantile(near, 0.99) / BenchStats.Quantile(box, 0.99):F2}; target p99 < 5 ms");
            report.Add($"the same by scanning all {NearbyAgents:N0} agents (no spatial index)", BenchStats.P50P99(scan),
                $"p99 {BenchStats.Quantile(scan, 0.99) / BenchStats.Quantile(near, 0.99):F1}× the R*Tree's");
        }
    }

    private static readonly string SqliteSqlColumns = """
        d.id, d.public_id, d.team_id, d.customer_id, d.agent_id, d.address, d.longitude, d.latitude, d.scheduled_time,
        d.estimated_duration, d.status, d.priority, d.package_details, d.fragile, d.call_log_id, d.recording_id,
        d.actual_delivery_time, d.feedback_rating, d.feedback_comments, d.feedback_at, d.retry_count, d.max_retries, d.created_at, d.updated_at
        """;

    private static double Timed(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Timed<T>(Func<T> func) => Timed(() => { _ = func(); });

    /// <summary>POST /api/v1/deliveries from many clients at once against a real server, beside GET /healthz at the same concurrency.</summary>
    private static async Task Http(BenchOptions o, Report report, int concurrency)
    {
        int total = (int)Math.Min(o.HttpEvents, 40_000);
        string dataDir = Path.Combine(o.Dir, "deliveries-http");
        if (Directory.Exists(dataDir)) Directory.Delete(dataDir, true);
        await using var server = await HeraldChild.StartAsync(dataDir);
        using var admin = server.Client();
        var team = JsonNode.Parse(await (await admin.PostAsJsonAsync("/api/v1/teams", new { name = "bench" })).Content.ReadAsStringAsync())!["data"]!;
        string key = JsonNode.Parse(await (await admin.PostAsJsonAsync("/api/v1/keys", new
        {
            team_id = team["id"]!.GetValue<string>(), name = "bench", scopes = new[] { "deliveries:write", "deliveries:read" },
        })).Content.ReadAsStringAsync())!["data"]!["key"]!.GetValue<string>();
        using var client = server.Client(key);
        var customers = new List<string>();
        for (int i = 0; i < 20; i++)
            customers.Add(JsonNode.Parse(await (await client.PostAsJsonAsync("/api/v1/customers", new { name = $"C{i}", phone = $"+1646300{i:D4}" })).Content.ReadAsStringAsync())!["data"]!["id"]!.GetValue<string>());
        var bodies = Enumerable.Range(0, total).Select(i => System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new
        {
            customer_id = customers[i % customers.Count], address = $"{i} Main St", coordinates = new { type = "Point", coordinates = new[] { -74.0, 40.7 } },
            scheduled_time = DateTimeOffset.UtcNow.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), priority = "normal",
            package_details = new { weight = 1.5, fragile = i % 4 == 0 },
        }))).ToList();

        // Server CPU per request beside the rate: on a shared machine the wall clock says more about the neighbours than the code.
        async Task<(double PerSecond, long Failures, double CpuMs)> Run(int count, Func<HttpClient, int, Task<bool>> request)
        {
            int next = -1;
            long failures = 0;
            var cpu = server.CpuTime();
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                using var http = server.Client(key);
                for (int i; (i = Interlocked.Increment(ref next)) < count;)
                    if (!await request(http, i)) Interlocked.Increment(ref failures);
            }));
            return (count / sw.Elapsed.TotalSeconds, failures, (server.CpuTime() - cpu).TotalMilliseconds / count);
        }
        await Run(2000, async (http, _) => (await http.GetAsync("/healthz")).IsSuccessStatusCode);
        var (healthz, _, healthzCpu) = await Run(total, async (http, _) => (await http.GetAsync("/healthz")).IsSuccessStatusCode);
        var (created, failed, createCpu) = await Run(total, async (http, i) =>
        {
            using var content = new ByteArrayContent(bodies[i]) { Headers = { ContentType = new("application/json") } };
            using var response = await http.PostAsync("/api/v1/deliveries", content);
            return response.StatusCode == HttpStatusCode.Created;
        });
        report.Add($"baseline: GET /healthz over HTTP, {concurrency} clients", $"{healthz:N0} requests/s", $"server CPU {healthzCpu:F3} ms/request");
        report.Add($"POST /api/v1/deliveries over HTTP, {concurrency} clients, {total:N0} deliveries", $"{created:N0} deliveries/s",
            $"{failed} not created; ratio to /healthz {created / healthz:F2}; server CPU {createCpu:F3} ms/delivery ({createCpu / healthzCpu:F2}x /healthz); " +
            "target ≥ 5,000/s; each answered once its row and engine event are durable");
    }
}
