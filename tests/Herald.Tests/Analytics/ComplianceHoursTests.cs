using Herald.Analytics.Consent;
using Herald.Domain;
using Herald.Storage;
using Herald.Tests.Support;
using Herald.Engine;

namespace Herald.Tests.Analytics;

/// <summary>
/// Kept compliance hours (<see cref="ComplianceHours"/>) against a brute force over the events, question after question
/// while the stream goes on: late keywords (which change every hour after them), items whose earliest event moves to
/// another hour, recipients named by a later event, items that turn out to be inbound, duplicates, flushed and unflushed
/// states, and a change of quiet rules. Every answer must equal a fresh judgement; questions with nothing changed must
/// read nothing, and a keyword late in the window must re-read only the hours from its own on.
/// </summary>
public sealed class ComplianceHoursTests
{
    private sealed class Item
    {
        public required string Id;
        public string? Recipient;
        public string? Direction;
        public long EarliestMs = long.MaxValue;
        public bool Exists;
    }

    private static readonly string[] Contacts = ["+3310", "+3311", "+3312", "+3313", "+3314", "+3315", "+3316", "+3317"];
    private static readonly string[] Keywords = ["STOP", "START", "UNSUBSCRIBE", "stop", "unstop"];

    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    public void Kept_hours_equal_a_brute_force_while_the_stream_changes_them(int seed)
    {
        using var temp = new TempStore("ch");
        var (store, teamId, registry) = (temp.Store, temp.TeamId, temp.Registry);
        var changes = new DataChanges();
        var pending = new PendingRollups(changes);
        var writer = new BatchWriter(store, registry, pending, TimeProvider.System);
        var hours = new ComplianceHours(store, new ConsentTimelines(store, pending), changes, pending, registry);

        var rng = new Random(seed);
        long t0 = new DateTimeOffset(2026, 10, 24, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var from = UtcMinute.FromUnixMillis(t0);
        var to = new UtcMinute(from.Value + 12 * 60);
        var items = new Dictionary<string, Item>();
        var keywords = new List<(string Contact, long Ms, int State)>();
        var posted = new List<IncomingEvent>();
        int next = 0;

        var team = new ComplianceSettingsRecord("Europe/Paris", 22 * 60, 7 * 60, 0);
        var own = new List<ContactRecord> { new("+3311", "Asia/Tokyo", 1 * 60, 9 * 60 + 30, 0, 0), new("+3312", "America/New_York", null, null, 0, 0) };
        var rules = new QuietRules(team, own);

        long Minute() => t0 + (rng.Next(-60, 13 * 60) * 60_000L) + rng.Next(60_000);
        IncomingEvent Send(Item item, long at, Status status, bool withRecipient, bool withDirection) => new()
        {
            EventId = $"e{next++}", ItemId = item.Id, Kind = ItemKind.Message, Status = status, OccurredAtMs = at, Channel = "sms",
            Recipient = withRecipient ? item.Recipient : null, Direction = withDirection ? item.Direction : null,
        };
        void Apply(IncomingEvent e, Item item)
        {
            item.Exists = true;
            item.EarliestMs = Math.Min(item.EarliestMs, e.OccurredAtMs);
        }

        var unnamed = new List<Item>(); // items whose recipient no event has named yet
        var undirected = new List<Item>(); // items whose direction no event has given yet (they count as outbound)
        void Round(int size)
        {
            var batch = new List<IncomingEvent>();
            for (int i = 0; i < size; i++)
            {
                int what = rng.Next(100);
                if (what < 45)
                {
                    var item = new Item { Id = $"i{items.Count}", Recipient = rng.Next(10) == 0 ? null : Contacts[rng.Next(Contacts.Length)],
                        Direction = rng.Next(8) == 0 ? "inbound" : rng.Next(4) == 0 ? null : "outbound" };
                    items[item.Id] = item;
                    bool name = rng.Next(5) != 0, direct = rng.Next(5) != 0;
                    var e = Send(item, Minute(), Status.Sent, name, direct);
                    Apply(e, item);
                    batch.Add(e);
                    if (!name && item.Recipient is not null) unnamed.Add(item);
                    if (!direct && item.Direction is not null) undirected.Add(item);
                }
                else if (what < 60)
                {
                    string contact = Contacts[rng.Next(Contacts.Length)];
                    string text = Keywords[rng.Next(Keywords.Length)];
                    long at = Minute();
                    var item = new Item { Id = $"k{items.Count}", Recipient = contact, Direction = "inbound" };
                    items[item.Id] = item;
                    var e = new IncomingEvent { EventId = $"e{next++}", ItemId = item.Id, Kind = ItemKind.Message, Status = Status.Delivered,
                        OccurredAtMs = at, Channel = "sms", Recipient = contact, Direction = "inbound", Text = text };
                    Apply(e, item);
                    batch.Add(e);
                    int code = ConsentKeywords.Code(ConsentKeywords.Classify(text));
                    if (code > 0) keywords.Add((contact, at, code));
                }
                else if (what < 72 && items.Count > 0)
                {
                    // An earlier event: the item's earliest moves, often to another hour.
                    var item = items.Values.ElementAt(rng.Next(items.Count));
                    if (item.Id[0] == 'k') continue;
                    var e = Send(item, item.EarliestMs - rng.Next(1, 180) * 60_000L, Status.Queued, false, false);
                    Apply(e, item);
                    batch.Add(e);
                }
                else if (what < 82 && unnamed.Count > 0)
                {
                    var item = unnamed[rng.Next(unnamed.Count)];
                    unnamed.Remove(item);
                    // Sent again hours later (its status, cost and latency stay, the event counts in another hour): only the
                    // recipient changes, nothing in the cells of its cohort hour.
                    batch.Add(Send(item, item.EarliestMs + rng.Next(2, 6) * 3_600_000L, Status.Sent, true, false));
                }
                else if (what < 90 && undirected.Count > 0)
                {
                    var item = undirected[rng.Next(undirected.Count)];
                    undirected.Remove(item);
                    batch.Add(Send(item, item.EarliestMs + 120_000, Status.Delivered, false, true));
                }
                else if (posted.Count > 0)
                {
                    batch.Add(posted[rng.Next(posted.Count)]); // a duplicate: changes nothing
                }
            }
            posted.AddRange(batch);
            for (int i = 0; i < batch.Count; i += 40) writer.Write([new IngestBatch(teamId, batch.Skip(i).Take(40).ToArray())]);
            if (rng.Next(2) == 0) writer.Flush(); // else the question meets the writer's unflushed states
        }

        (long OptedOut, long Contacts, long Quiet) Expected(QuietRules r)
        {
            long optedOut = 0, quiet = 0;
            var affected = new HashSet<string>();
            foreach (var item in items.Values)
            {
                if (!item.Exists || item.EarliestMs < t0 || item.EarliestMs >= to.ToUnixMillis()) continue;
                // The recipient and direction count only once an event named them.
                string? recipient = unnamed.Contains(item) ? null : item.Recipient;
                string? direction = undirected.Contains(item) ? null : item.Direction;
                if (direction == "inbound") continue;
                if (recipient is not null)
                {
                    int? state = null;
                    foreach (var k in keywords.Where(k => k.Contact == recipient && k.Ms <= item.EarliestMs).OrderBy(k => k.Ms).ThenBy(k => k.State))
                        state = k.State;
                    if (state >= ConsentKeywords.OptOutCode)
                    {
                        optedOut++;
                        affected.Add(recipient);
                    }
                }
                var contact = recipient is null ? null : own.FirstOrDefault(c => c.Recipient == recipient);
                var rule = QuietRule.For(contact, r.Team);
                if (rule.Window is { } w && w.Contains(LocalMinute(rule.ZoneId, item.EarliestMs))) quiet++;
            }
            return (optedOut, affected.Count, quiet);
        }

        (long OptedOut, long Contacts, long Quiet) Asked(QuietRules r)
        {
            using (pending.Read())
            {
                var tallies = hours.Tallies(teamId, from, to, r, out var consent);
                Assert.Equal(12, tallies.Count);
                var contacts = new HashSet<int>();
                foreach (var t in tallies) contacts.UnionWith(t.Contacts);
                foreach (var t in tallies)
                    foreach (var e in t.ConsentExamples) Assert.True(e.State >= ConsentKeywords.OptOutCode);
                return (tallies.Sum(t => t.OptedOut), contacts.Count, tallies.Sum(t => t.Quiet));
            }
        }

        for (int round = 0; round < 8; round++)
        {
            Round(rng.Next(30, 90));
            Assert.Equal(Expected(rules), Asked(rules));
            long scanned = hours.HoursScanned;
            Assert.Equal(Expected(rules), Asked(rules));
            Assert.Equal(scanned, hours.HoursScanned); // nothing changed: every hour kept
        }

        // One change at a time, each touching known hours; an hour the change affects but a cell of does not change must
        // be read again all the same.
        long At(int hour, int minute) => t0 + hour * 3_600_000L + minute * 60_000L;
        long Step(params IncomingEvent[] events)
        {
            writer.Write([new IngestBatch(teamId, events)]);
            long before = hours.HoursScanned;
            Assert.Equal(Expected(rules), Asked(rules));
            return hours.HoursScanned - before;
        }
        // +3399 (no other keyword) stops before the window; a send to it in hour 2 names no recipient until an event in hour 8.
        keywords.Add(("+3399", t0 - 7_200_000L, ConsentKeywords.StoppedCode));
        Step(new IncomingEvent { EventId = $"e{next++}", ItemId = "k-early", Kind = ItemKind.Message, Status = Status.Delivered,
            OccurredAtMs = t0 - 7_200_000L, Channel = "sms", Recipient = "+3399", Direction = "inbound", Text = "STOP" });
        var quietSend = new Item { Id = "named-later", Recipient = "+3399", Direction = "outbound" };
        items[quietSend.Id] = quietSend;
        unnamed.Add(quietSend);
        var first = Send(quietSend, At(2, 10), Status.Sent, false, true);
        Apply(first, quietSend);
        Step(first);
        unnamed.Remove(quietSend);
        Assert.Equal(2, Step(Send(quietSend, At(8, 30), Status.Sent, true, true))); // hours 2 and 8

        // Its earliest event moves from hour 2 to hour 0.
        var earlier = Send(quietSend, At(0, 45), Status.Queued, false, false);
        Apply(earlier, quietSend);
        Assert.Equal(2, Step(earlier));

        // A send in hour 5 turns out to be inbound (an event in hour 9 says so).
        var turned = new Item { Id = "turned-inbound", Recipient = "+3399", Direction = "inbound" };
        items[turned.Id] = turned;
        undirected.Add(turned);
        var turnedFirst = Send(turned, At(5, 0), Status.Sent, true, false);
        Apply(turnedFirst, turned);
        Assert.Equal(1, Step(turnedFirst));
        undirected.Remove(turned);
        Assert.Equal(2, Step(Send(turned, At(9, 0), Status.Sent, false, true)));

        // A keyword in the window's last hour: that hour alone is read again.
        var late = new IncomingEvent { EventId = $"e{next++}", ItemId = "k-late", Kind = ItemKind.Message, Status = Status.Delivered,
            OccurredAtMs = t0 + 11 * 3_600_000L + 5 * 60_000, Channel = "sms", Recipient = "+3310", Direction = "inbound", Text = "STOP" };
        items["k-late"] = new Item { Id = "k-late", Recipient = "+3310", Direction = "inbound", EarliestMs = late.OccurredAtMs, Exists = true };
        keywords.Add(("+3310", late.OccurredAtMs, ConsentKeywords.StoppedCode));
        writer.Write([new IngestBatch(teamId, [late])]);
        long before = hours.HoursScanned;
        Assert.Equal(Expected(rules), Asked(rules));
        Assert.Equal(before + 1, hours.HoursScanned);

        // Other quiet rules: nothing kept under the old ones is used.
        own.Add(new ContactRecord("+3313", "Australia/Sydney", 0, 12 * 60, 0, 0));
        var changed = new QuietRules(new ComplianceSettingsRecord("America/Los_Angeles", 20 * 60, 6 * 60, 0), own);
        Assert.NotEqual(rules.Fingerprint, changed.Fingerprint);
        before = hours.HoursScanned;
        Assert.Equal(Expected(changed), Asked(changed));
        Assert.Equal(before + 12, hours.HoursScanned);
    }

    private static int LocalMinute(string zone, long utcMs)
    {
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(utcMs), TimeZoneInfo.FindSystemTimeZoneById(zone));
        return local.Hour * 60 + local.Minute;
    }
}
