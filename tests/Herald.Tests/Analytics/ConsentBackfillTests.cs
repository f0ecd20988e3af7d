using Herald.Analytics.Consent;
using Herald.Domain;
using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Herald.Engine;

namespace Herald.Tests.Analytics;

/// <summary>
/// Migration 14 on a store filled before it: the consent table is backfilled from the raw events with the writer's own
/// classification, so the answers after the upgrade equal those of a store the writer kept, and a brute-force replay.
/// </summary>
public sealed class ConsentBackfillTests
{
    [Fact]
    public void Migration_14_backfills_consent_from_the_raw_events_of_an_older_store()
    {
        var dir = Path.Combine(Path.GetTempPath(), "herald-tests", Guid.NewGuid().ToString("n"));
        try
        {
            string db = Path.Combine(dir, "herald.db");
            var rng = new Random(5);
            string[] words = ["STOP", " stop. ", "START", "Yes!", "UNSUBSCRIBE", "HELP", "thanks", "CANCEL", "unstop"];
            long t0 = new DateTimeOffset(2026, 10, 25, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
            var keywords = new List<(string Contact, long Ms, string Text)>();
            int teamId;
            ConsentSummary kept;
            long keptCompliance;
            using (var store = new SqliteStore(db))
            {
                store.MigrateUp();
                teamId = store.CreateTeam("bf", "tm_bf", "wh_bf", 0).Id;
                var registry = new DimensionRegistry();
                registry.Load(store);
                var writer = new BatchWriter(store, registry, new PendingRollups(), TimeProvider.System);
                var events = new List<IncomingEvent>();
                for (int i = 0; i < 300; i++)
                {
                    string contact = $"+3361234{rng.Next(15):0000}";
                    long ms = t0 + rng.Next(0, 2 * 1440) * 60_000L;
                    if (rng.NextDouble() < 0.5)
                    {
                        string text = words[rng.Next(words.Length)];
                        keywords.Add((contact, ms, text));
                        events.Add(new IncomingEvent { ItemId = $"in-{i}", Kind = ItemKind.Message, Status = Status.Delivered, OccurredAtMs = ms,
                            Direction = "inbound", Recipient = contact, Text = text, Channel = "sms" });
                    }
                    else
                    {
                        events.Add(new IncomingEvent { ItemId = $"out-{i}", Kind = ItemKind.Message, Status = Status.Sent, OccurredAtMs = ms,
                            Direction = "outbound", Recipient = contact, Channel = "sms" });
                    }
                }
                // Out of order, in three batches.
                events.Reverse();
                for (int i = 0; i < events.Count; i += 100) writer.Write([new IngestBatch(teamId, events.Skip(i).Take(100).ToArray())]);
                writer.Flush();
                var consent = new ConsentAnalysis(store);
                kept = consent.Summary(teamId, t0, t0 + 2 * 86_400_000L);
                // Sends to opted-out contacts, judged by a fresh view of the stored keywords.
                long OptedOutSends()
                {
                    var pending = new PendingRollups();
                    var hours = new ComplianceHours(store, new ConsentTimelines(store, pending), new DataChanges(), pending, registry);
                    using (pending.Read())
                        return hours.Tallies(teamId, UtcMinute.FromUnixMillis(t0), UtcMinute.FromUnixMillis(t0 + 2 * 86_400_000L),
                            new QuietRules(null, []), out _).Sum(t => t.OptedOut);
                }
                keptCompliance = OptedOutSends();
                Assert.True(keptCompliance > 0);

                // Back to the schema of before consent was kept (13): the table is gone, the raw keyword index is back.
                Assert.Equal(store.Migrations.Select(m => m.Version).Where(v => v > 13).OrderDescending().ToArray(), store.MigrateDown(13).Select(m => m.Version).ToArray());
                Assert.ThrowsAny<SqliteException>(() => consent.Summary(teamId, t0, t0 + 86_400_000L));
                // An older writer stored more keyword events: raw rows only, no consent rows.
                using (var c = new SqliteConnection($"Data Source={db}"))
                {
                    c.Open();
                    foreach (var (text, minute) in new[] { ("  Stop! ", 30), ("HELP", 31), ("quit", 32) })
                    {
                        using var cmd = c.CreateCommand();
                        cmd.CommandText = """
                            INSERT INTO events (team_id, item_ref, dedupe_key, status, occurred_at, received_at, dimension_set_id, recipient, text)
                            VALUES ($team, 999999, $key, 6, $at, $at, 1, '+33699999999', $text)
                            """;
                        cmd.Parameters.AddWithValue("$team", teamId);
                        cmd.Parameters.AddWithValue("$key", "old-" + minute);
                        cmd.Parameters.AddWithValue("$at", t0 + minute * 60_000L);
                        cmd.Parameters.AddWithValue("$text", text);
                        cmd.ExecuteNonQuery();
                        keywords.Add(("+33699999999", t0 + minute * 60_000L, text));
                    }
                }

                Assert.Equal(store.Migrations.Select(m => m.Version).Where(v => v > 13).Order().ToArray(), store.MigrateUp().Select(m => m.Version).ToArray());
                using (var c = new SqliteConnection($"Data Source={db}"))
                {
                    c.Open();
                    using var cmd = c.CreateCommand();
                    cmd.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'index' AND name IN ('ix_events_keywords', 'ix_items_recipient')";
                    Assert.Null(cmd.ExecuteScalar());
                }

                var upgraded = consent.Summary(teamId, t0, t0 + 2 * 86_400_000L);
                Assert.Equal(kept.Stopped + 1, upgraded.Stopped);
                Assert.Equal(kept.StopsInWindow + 2, upgraded.StopsInWindow);
                Assert.Equal(kept.HelpRequestsInWindow + 1, upgraded.HelpRequestsInWindow);
                Assert.Equal(kept.OptedIn, upgraded.OptedIn);
                Assert.Equal(kept.OptedOut, upgraded.OptedOut);
                Assert.Equal(keptCompliance, OptedOutSends());

                // And both equal a brute-force replay of the keywords by time (restriction breaks ties).
                var finals = keywords.GroupBy(k => k.Contact).Select(g => g
                        .Select(k => (Code: ConsentKeywords.Code(ConsentKeywords.Classify(k.Text)), k.Ms)).Where(k => k.Code > 0)
                        .OrderBy(k => k.Ms).ThenBy(k => k.Code).Select(k => (int?)k.Code).LastOrDefault())
                    .Where(c => c is not null).ToList();
                Assert.Equal(finals.Count(c => c == ConsentKeywords.StoppedCode), upgraded.Stopped);
                Assert.Equal(finals.Count(c => c == ConsentKeywords.OptInCode), upgraded.OptedIn);
                Assert.Equal(finals.Count(c => c == ConsentKeywords.OptOutCode), upgraded.OptedOut);
                var one = consent.Contact(teamId, "+33699999999", t0 + 3 * 86_400_000L);
                Assert.Equal("stopped", one.State);
                Assert.Equal(["STOP", "QUIT"], one.History.Select(h => h.Keyword!).ToArray());

                // The writer goes on recording after the upgrade.
                writer.Write([new IngestBatch(teamId, [new IncomingEvent { ItemId = "in-late", Kind = ItemKind.Message, Status = Status.Delivered,
                    OccurredAtMs = t0 + 40 * 60_000L, Direction = "inbound", Recipient = "+33699999999", Text = "START" }])]);
                Assert.Equal("opt-in", consent.Contact(teamId, "+33699999999", t0 + 3 * 86_400_000L).State);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
