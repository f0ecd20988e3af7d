using System.Globalization;
using Herald.Engine;
using Herald.Maintenance;
using Herald.Tests.Api;
using Herald.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static Herald.Tests.Operations.RowRetentionKit;

namespace Herald.Tests.Operations;

/// <summary>
/// Retention of items, contacts, deliveries and recordings: each goes past its own policy and nothing else does (against a
/// brute-force expectation on random data), metrics stay exactly as they were, a purged item's later events are refused,
/// an opted-out contact stays, and a recording's audio goes with it.
/// </summary>
public sealed class RowRetentionTests
{
    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Herald:Alerts:Enabled"] = "false",
            ["Herald:Retention:InitialDelay"] = "1.00:00:00", // the test runs the job itself
            ["Herald:Writer:FlushInterval"] = "00:00:00.100",
            ["Herald:Recordings:Transcriber"] = "none",
        };
        foreach (var (key, value) in more) settings[key] = value;
        return settings;
    }

    private static async Task<List<string>> Summaries(HttpClient c, DateTimeOffset now)
    {
        // Edges on whole days, so the rollup tiers' own retention (which widens older edges to whole hours or days) answers them exactly.
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var windows = new (DateTimeOffset From, DateTimeOffset To, string Extra)[]
        {
            (today.AddDays(-130), today.AddDays(1), ""),
            (today.AddDays(-130), today.AddDays(1), "&provider=twilio"),
            (today.AddDays(-130), today.AddDays(1), "&provider=vonage"),
            (today.AddDays(-100), today.AddDays(-40), ""),
            (today.AddDays(-50), today.AddDays(-20), "&provider=vonage"),
            (today.AddDays(-10), today.AddDays(1), ""),
        };
        var list = new List<string>();
        foreach (var (from, to, extra) in windows)
        {
            var d = await Kit.GetData(c, $"/api/v1/metrics/summary?from={Kit.Format(from)}&to={Kit.Format(to)}{extra}");
            list.Add(d.ToJsonString()); // every figure: counts, status breakdown, latency, events, cost
        }
        return list;
    }

    [Fact]
    public async Task Items_go_once_closed_and_their_raw_events_are_gone_metrics_stay_and_their_later_events_are_refused()
    {
        var now = DateTimeOffset.UtcNow;
        await using var server = await HeraldServer.StartAsync(Settings(("Herald:Retention:RawEvents", "30.00:00:00"), ("Herald:Retention:Items", "45.00:00:00")));
        var (_, key) = await server.CreateTeamAsync("item-retention", "events:write", "metrics:read");
        var c = server.Client(key);

        // Random items over 120 days: one to three events each, the last received 0 to 3 days after it occurred.
        var rnd = new Random(46);
        var events = new List<object>();
        var lastOccurred = new Dictionary<string, long>();
        for (int i = 0; i < 300; i++)
        {
            string id = $"it-{i}";
            var first = now.AddMinutes(-rnd.Next(5, 120 * 24 * 60));
            events.Add(Kit.Event(id, "sent", Kit.Format(first), eventId: id + "-s", kind: "message", provider: i % 2 == 0 ? "twilio" : "vonage", cost: 0.01 * (i % 5)));
            var last = first;
            if (rnd.Next(3) > 0)
            {
                last = first.AddMinutes(rnd.Next(1, 20 * 24 * 60));
                if (last > now) last = now;
                events.Add(Kit.Event(id, rnd.Next(4) == 0 ? "failed" : "delivered", Kit.Format(last), eventId: id + "-o"));
            }
            lastOccurred[id] = last.ToUnixTimeMilliseconds();
        }
        foreach (var chunk in events.Chunk(500)) await Kit.Ingest(c, chunk);
        // "kept" stays open: its last event is received now. "closed" is closed (its last event counts as received 50 days
        // ago) but stays stored, since its raw event (occurred 5 days ago) is kept.
        await Kit.Ingest(c, new[]
        {
            Kit.Event("kept", "sent", Kit.Format(now.AddMinutes(-3)), eventId: "kept-s", kind: "message"),
            Kit.Event("closed", "sent", Kit.Format(now.AddDays(-5)), eventId: "closed-s", kind: "message", provider: "twilio"),
        });
        await Task.Delay(1000);

        // As if each item's last event had been received when the data says: 0 to 3 days after it occurred.
        var receivedAt = lastOccurred.ToDictionary(p => p.Key, p => Math.Min(p.Value + rnd.Next(0, 3 * 24 * 60) * 60_000L, now.ToUnixTimeMilliseconds()));
        await server.RestartAsync(() =>
        {
            using var db = Open(server.DataDir);
            foreach (var (id, at) in receivedAt.Append(new("closed", now.ToUnixTimeMilliseconds() - 50 * Day)))
                Execute(db, "UPDATE items SET last_event_received_at = $at WHERE item_id = $id", ("$at", at), ("$id", id));
        });
        c = server.Client(key);
        var before = await Summaries(c, now);

        // What each item's raw events say, before the job deletes them.
        Dictionary<string, long> maxOccurred;
        using (var db = Open(server.DataDir))
        {
            maxOccurred = new();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "SELECT i.item_id, MAX(e.occurred_at) FROM items i JOIN events e ON e.item_ref = i.id GROUP BY i.id";
            using var r = cmd.ExecuteReader();
            while (r.Read()) maxOccurred[r.GetString(0)] = r.GetInt64(1);
        }

        var run = server.Services.GetRequiredService<DatabaseMaintenance>().RunOnce();
        Assert.Null(run.Error);
        var horizons = server.Services.GetRequiredService<RetentionHorizons>();
        long rawCut = horizons.RawEvents.ToUnixMillis(), itemCut = horizons.Items.ToUnixMillis();
        Assert.InRange(now.ToUnixTimeMilliseconds() - rawCut, 30 * Day - 1_800_000, 30 * Day + 60_000);
        Assert.InRange(now.ToUnixTimeMilliseconds() - itemCut, 45 * Day - 1_800_000, 45 * Day + 60_000);

        // Brute force: an item goes when its last event was received before the item cut and every one of its events
        // occurred before the raw-event cut (so none is left).
        var expectedGone = receivedAt.Where(p => p.Value < itemCut && maxOccurred[p.Key] < rawCut).Select(p => p.Key).Order().ToList();
        Assert.True(expectedGone.Count is > 20 and < 280, $"{expectedGone.Count} of 300 purged: the data must test both sides");
        using (var db = Open(server.DataDir))
        {
            var stored = new HashSet<string>();
            using (var cmd = db.CreateCommand())
            {
                cmd.CommandText = "SELECT item_id FROM items";
                using var r = cmd.ExecuteReader();
                while (r.Read()) stored.Add(r.GetString(0));
            }
            Assert.Equal(expectedGone, receivedAt.Keys.Where(id => !stored.Contains(id)).Order().ToList());
            Assert.Contains("kept", stored);
            Assert.Contains("closed", stored);
            Assert.Equal(expectedGone.Count, Scalar(db, "SELECT COUNT(*) FROM purged_items"));
            Assert.Equal(0L, Scalar(db, "SELECT COUNT(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = e.item_ref)"));
        }
        Assert.Equal(expectedGone.Count, run.Deleted["items"]);

        // A later event of a purged item, or of a closed one still stored (twice: read from the store, then from the writer's
        // cache), is refused, whatever its event id and time; the open item takes its event.
        string purged = expectedGone[0];
        var answer = await Kit.Ingest(c, new[]
        {
            Kit.Event(purged, "read", Kit.Format(now)), Kit.Event("kept", "delivered", Kit.Format(now)), Kit.Event("closed", "failed", Kit.Format(now)),
            Kit.Event("closed", "delivered", Kit.Format(now.AddSeconds(1)), eventId: "closed-again"),
        });
        Assert.Equal(1, Kit.Int(answer, "accepted"));
        Assert.Equal([0, 2, 3], answer["rejected"]!.AsArray().Select(r => Kit.Int(r!, "index")).ToArray());
        Assert.Contains("Herald:Retention:Items", answer["rejected"]![0]!["error"]!.GetValue<string>(), StringComparison.Ordinal);

        // After a restart (no cache of any answer or item left) every metric is what it was: the rollup cells are untouched.
        // Only "kept", delivered now, moved the windows it is in.
        await server.RestartAsync();
        c = server.Client(key);
        var after = await Summaries(c, now);
        Assert.Equal(before.Skip(1).Take(4), after.Skip(1).Take(4));
        Assert.NotEqual(before[0], after[0]);
        // The writer finds the purged id again (in purged_items) and still refuses it.
        answer = await Kit.Ingest(c, new[] { Kit.Event(purged, "failed", Kit.Format(now), eventId: purged + "-again") });
        Assert.Equal(0, Kit.Int(answer, "accepted"));
        Assert.Single(answer["rejected"]!.AsArray());
        await Task.Delay(500);
        Assert.Equal(after, await Summaries(c, now));

        var report = await Kit.GetData(server.Admin, "/api/v1/admin/retention");
        var items = report["collections"]!.AsArray().Single(x => x!["collection"]!.GetValue<string>() == "items")!;
        Assert.Equal(("45.00:00:00", "Herald:Retention:Items"), (items["retention"]!.GetValue<string>(), items["setting"]!.GetValue<string>()));
        Assert.Equal(horizons.Items.ToDateTimeOffset(), DateTimeOffset.Parse(items["horizon"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        Assert.Equal(Convert.ToInt64(server.StoredValue("SELECT (SELECT COUNT(*) FROM items) + (SELECT COUNT(*) FROM purged_items)"), CultureInfo.InvariantCulture),
            items["rows"]!.GetValue<long>());
    }

    [Fact]
    public async Task Contacts_deliveries_and_recordings_go_past_their_policies_opted_out_contacts_stay_and_audio_files_go()
    {
        var now = DateTimeOffset.UtcNow;
        long nowMs = now.ToUnixTimeMilliseconds();
        await using var server = await HeraldServer.StartAsync(Settings(
            ("Herald:Retention:Contacts", "90.00:00:00"), ("Herald:Retention:Deliveries", "120.00:00:00"), ("Herald:Retention:Recordings", "60.00:00:00")));
        var (teamId, _) = await server.CreateTeamAsync("row-retention", "metrics:read");
        long team = TeamRowId(server, teamId);

        var rnd = new Random(47);
        var contacts = new List<(string Recipient, long UpdatedAt, int? LatestState, string? Customer)>();
        var deliveries = new List<(long Id, int Status, long UpdatedAt, string Customer, long? RecordedAt)>();
        int[] statuses = [Scheduled, InTransit, Completed, Failed, Cancelled];
        await server.RestartAsync(() =>
        {
            using var db = Open(server.DataDir);
            for (int i = 0; i < 120; i++)
            {
                string recipient = $"+4477001{i:D5}";
                long updated = nowMs - rnd.Next(0, 300) * Day - rnd.Next(0, 86_400_000);
                // Consent: none, or a timeline whose latest state is random (1 opt-in, 2 opt-out, 3 stop).
                int? latest = rnd.Next(3) == 0 ? null : 1 + rnd.Next(3);
                string? customer = rnd.Next(4) == 0 ? $"cus_{i}" : null;
                AddContact(db, team, recipient, updated, customer);
                if (latest is { } state)
                {
                    Execute(db, "INSERT INTO consent_changes (team_id, recipient, occurred_at, state, event_ref, keyword, source) VALUES ($t, $r, $at, $s, 0, '', 'api')",
                        ("$t", team), ("$r", recipient), ("$at", updated - 5 * Day), ("$s", 1 + (state % 3)));
                    Execute(db, "INSERT INTO consent_changes (team_id, recipient, occurred_at, state, event_ref, keyword, source) VALUES ($t, $r, $at, $s, 0, '', 'api')",
                        ("$t", team), ("$r", recipient), ("$at", updated - Day), ("$s", state));
                }
                contacts.Add((recipient, updated, latest, customer));
            }
            // Deliveries of some customers (a kept one keeps its customer's contact).
            foreach (var (recipient, _, _, customer) in contacts.Where(x => x.Customer is not null))
            {
                int status = statuses[rnd.Next(statuses.Length)];
                long updated = nowMs - rnd.Next(0, 250) * Day - rnd.Next(0, 86_400_000);
                long? recorded = rnd.Next(2) == 0 ? updated - rnd.Next(0, 3) * Day : null;
                long id = AddDelivery(db, server.DataDir, team, customer!, status, updated, recorded is not null, recorded);
                deliveries.Add((id, status, updated, customer!, recorded));
            }
            // The engine has taken every tracking event.
            Execute(db, "UPDATE delivery_engine_sync SET synced_through = (SELECT MAX(id) FROM delivery_tracking) WHERE id = 1");
        });

        var run = server.Services.GetRequiredService<DatabaseMaintenance>().RunOnce();
        Assert.Null(run.Error);
        long finished = run.FinishedAtMs, started = run.StartedAtMs;

        // Brute force, with the cut-offs from the run's start.
        long deliveryCut = started - 120 * Day, recordingCut = started - 60 * Day, contactCut = started - 90 * Day;
        var goneDeliveries = deliveries.Where(d => d.Status is Completed or Failed or Cancelled && d.UpdatedAt < deliveryCut).Select(d => d.Id).ToHashSet();
        var keptDeliveries = deliveries.Where(d => !goneDeliveries.Contains(d.Id)).ToList();
        var keptRecordings = keptDeliveries.Where(d => d.RecordedAt is { } at && at >= recordingCut).Select(d => d.Id).Order().ToList();
        var keptCustomers = keptDeliveries.Select(d => d.Customer).ToHashSet();
        var keptContacts = contacts.Where(x => x.UpdatedAt >= contactCut || x.LatestState is 2 or 3 || (x.Customer is not null && keptCustomers.Contains(x.Customer)))
            .Select(x => x.Recipient).Order().ToList();
        Assert.True(goneDeliveries.Count > 3 && keptDeliveries.Count > 3, $"{goneDeliveries.Count} of {deliveries.Count} deliveries go: the data must test both sides");
        Assert.True(keptContacts.Count is > 10 and < 110, $"{keptContacts.Count} of 120 contacts kept: the data must test both sides");
        Assert.Contains(contacts, x => x.UpdatedAt < contactCut && x.LatestState is 2 or 3); // an old opted-out contact, which must stay

        using (var db = Open(server.DataDir))
        {
            Assert.Equal(keptDeliveries.Select(d => d.Id).Order().ToList(), Longs(db, $"SELECT id FROM deliveries WHERE team_id = {team} ORDER BY id"));
            foreach (var table in new[] { "delivery_attempts", "delivery_tracking", "call_logs", "recordings" })
                Assert.Equal(0L, Scalar(db, $"SELECT COUNT(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = t.delivery_id)"));
            Assert.Equal(keptDeliveries.Count * 2L, Scalar(db, "SELECT COUNT(*) FROM delivery_tracking"));
            Assert.Equal(keptRecordings, Longs(db, "SELECT delivery_id FROM recordings ORDER BY delivery_id"));
            // A kept delivery whose recording went keeps its call.
            Assert.Equal(keptDeliveries.Count(d => d.RecordedAt is not null), Scalar(db, "SELECT COUNT(*) FROM call_logs"));
            var storedContacts = new List<string>();
            using (var cmd = db.CreateCommand())
            {
                cmd.CommandText = $"SELECT recipient FROM contacts WHERE team_id = {team} ORDER BY recipient";
                using var r = cmd.ExecuteReader();
                while (r.Read()) storedContacts.Add(r.GetString(0));
            }
            Assert.Equal(keptContacts, storedContacts);
            // Consent is not the contacts' collection: every change is still there, so opt-outs stay in force.
            Assert.Equal(2L * contacts.Count(x => x.LatestState is not null), Scalar(db, "SELECT COUNT(*) FROM consent_changes"));
        }
        // Audio files: exactly those of the kept recordings are left.
        var files = Directory.EnumerateFiles(Path.Combine(server.DataDir, "recordings"), "*.wav", SearchOption.AllDirectories).Count();
        Assert.Equal(keptRecordings.Count, files);
        Assert.Equal(((long)goneDeliveries.Count, (long)(contacts.Count - keptContacts.Count)), (run.Deleted["deliveries"], run.Deleted["contacts"]));
        Assert.True(finished >= started);

        var report = await Kit.GetData(server.Admin, "/api/v1/admin/retention");
        var byName = report["collections"]!.AsArray().ToDictionary(x => x!["collection"]!.GetValue<string>(), x => x!);
        Assert.Equal(("90.00:00:00", "Herald:Retention:Contacts"), (byName["contacts"]["retention"]!.GetValue<string>(), byName["contacts"]["setting"]!.GetValue<string>()));
        Assert.Equal(("120.00:00:00", "Herald:Retention:Deliveries"), (byName["deliveries"]["retention"]!.GetValue<string>(), byName["deliveries"]["setting"]!.GetValue<string>()));
        Assert.Equal(("60.00:00:00", "Herald:Retention:Recordings"), (byName["recordings"]["retention"]!.GetValue<string>(), byName["recordings"]["setting"]!.GetValue<string>()));
        Assert.Equal("forever", byName["items"]["retention"]!.GetValue<string>());
        Assert.Equal(keptRecordings.Count, byName["recordings"]["rows"]!.GetValue<long>());
        var horizon = DateTimeOffset.Parse(byName["recordings"]["horizon"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.InRange((DateTimeOffset.UtcNow - horizon).TotalDays, 59.99, 60.01);
        Assert.Null(report["last_run"]!["error"]);
        Assert.False(report["archive"]!.GetValue<bool>());
    }

    [Fact]
    public async Task With_no_row_policy_set_nothing_of_those_collections_is_deleted()
    {
        await using var server = await HeraldServer.StartAsync(Settings());
        var (teamId, _) = await server.CreateTeamAsync("row-retention-default", "metrics:read");
        long team = TeamRowId(server, teamId);
        long old = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 3000 * Day;
        await server.RestartAsync(() =>
        {
            using var db = Open(server.DataDir);
            AddContact(db, team, "+447700900001", old);
            AddDelivery(db, server.DataDir, team, "cus_old", Completed, old, withRecording: true);
        });
        var run = server.Services.GetRequiredService<DatabaseMaintenance>().RunOnce();
        Assert.Null(run.Error);
        Assert.False(run.Deleted.ContainsKey("items") || run.Deleted.ContainsKey("contacts") || run.Deleted.ContainsKey("deliveries") || run.Deleted.ContainsKey("recordings"));
        using var check = Open(server.DataDir);
        Assert.Equal((1L, 1L, 1L), (Scalar(check, "SELECT COUNT(*) FROM contacts"), Scalar(check, "SELECT COUNT(*) FROM deliveries"), Scalar(check, "SELECT COUNT(*) FROM recordings")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("45.00:00:00")]
    [InlineData("44.12:00:00")]
    public async Task Item_retention_without_raw_event_retention_a_day_shorter_stops_the_start(string? rawEvents)
    {
        var settings = Settings(("Herald:Retention:Items", "45.00:00:00"));
        settings["Herald:Retention:RawEvents"] = rawEvents;
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => HeraldServer.StartAsync(settings));
        Assert.Contains("Herald:Retention:RawEvents", e.Message, StringComparison.Ordinal);
    }
}
