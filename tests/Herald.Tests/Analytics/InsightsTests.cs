using System.Net;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Analytics;

/// <summary>
/// Seed 003's insights against a generator of planted effects: each insight recovers its effect, on a brute-force count of
/// the same stream, and with the outcomes shuffled across the stream (no effect) none recommends anything.
/// </summary>
public sealed class InsightsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static string Query => $"from={Kit.Format(Kit.Day)}&to={Kit.Format(Kit.Day.AddDays(1))}";

    /// <summary>A recipient of the generator: Berlin contacts (own zone), US numbers (country's zone), others (team's zone, UTC).</summary>
    private sealed record Person(string Recipient, string Group, bool Trial)
    {
        public TimeZoneInfo Zone => Group switch { "berlin" => Berlin, "us" => NewYork, _ => TimeZoneInfo.Utc };
        public string? Country => Group switch { "berlin" => "DE", "us" => "US", _ => null };
    }

    /// <summary>One generated outbound message and its final status.</summary>
    private sealed record Message(string ItemId, Person To, string Stream, string? Template, DateTimeOffset At, string Status, string? ErrorCode)
    {
        public bool Delivered => Status is "delivered" or "read" or "replied";
        public bool Read => Status is "read" or "replied";
        public bool Failed => Status == "failed";
    }

    private sealed record Stream(List<Person> People, List<Message> Messages, List<(Person From, DateTimeOffset At, string Text)> Inbound);

    /// <summary>
    /// The planted effects: template A delivered 95 %, B 80 %; trial-tier recipients delivered 0.7 times as often; Berlin
    /// recipients read 80 % of what reaches them at 10:00 local, 20 % otherwise; on route <c>hot</c>, minutes above 40 TPS
    /// fail 20 % with Twilio's throttling code, others 2 %.
    /// </summary>
    private static Stream Generate(int seed)
    {
        var rng = new Random(seed);
        // Numbers carry their group's calling code: Herald fills a missing country from it (+354, Iceland, has no main zone here).
        var people = Enumerable.Range(0, 240).Select(i => (i % 4) switch { 0 or 2 => "berlin", 1 => "us", _ => "other" })
            .Select((group, i) => new Person((group switch { "berlin" => "+49151", "us" => "+1415", _ => "+3546" }) + $"{seed:00}{i:00000}", group, i % 5 == 0)).ToList();
        var messages = new List<Message>();
        for (int i = 0; i < 4800; i++)
        {
            var to = people[rng.Next(people.Count)];
            var at = Kit.Day.AddSeconds(rng.Next(0, 86_400));
            string template = rng.Next(2) == 0 ? "A" : "B";
            double deliver = (template == "A" ? 0.95 : 0.80) * (to.Trial ? 0.7 : 1);
            int localHour = TimeZoneInfo.ConvertTime(at, to.Zone).Hour;
            string status = "failed";
            if (rng.NextDouble() < deliver)
            {
                double read = to.Group == "berlin" && localHour == 10 ? 0.8 : 0.2;
                status = rng.NextDouble() < read ? (rng.NextDouble() < 0.25 ? "replied" : "read") : "delivered";
            }
            messages.Add(new Message($"m-{i}", to, "main", template, at, status, status == "failed" ? "131026" : null));
        }
        int[] tps = [5, 12, 20, 28, 36, 44, 52, 60];
        var hotStart = Kit.Day.AddHours(20);
        var nobody = new Person("", "other", false);
        for (int m = 0; m < tps.Length; m++)
            for (int k = 0; k < tps[m] * 60; k++)
            {
                bool failed = rng.NextDouble() < (tps[m] > 40 ? 0.20 : 0.02);
                messages.Add(new Message($"h-{m}-{k}", nobody, "hot", null, hotStart.AddMinutes(m).AddMilliseconds(rng.Next(60_000)),
                    failed ? "failed" : "delivered", failed ? "14107" : null));
            }
        var inbound = new List<(Person, DateTimeOffset, string)>();
        foreach (var p in people.Where((_, i) => i % 3 == 0))
        {
            string[] texts = ["STOP", "START", "thanks", "when?"];
            int n = rng.Next(1, 4);
            for (int k = 0; k < n; k++) inbound.Add((p, Kit.Day.AddMinutes(rng.Next(1, 1430)), texts[rng.Next(texts.Length)]));
        }
        return new Stream(people, messages, inbound);
    }

    /// <summary>The same stream with each stream's outcomes shuffled across its messages: every label stays, every effect goes.</summary>
    private static Stream Shuffled(Stream s, int seed)
    {
        var rng = new Random(seed);
        var shuffled = new List<Message>();
        foreach (var group in s.Messages.GroupBy(m => m.Stream))
        {
            var list = group.ToList();
            var outcomes = list.Select(m => (m.Status, m.ErrorCode)).ToArray();
            rng.Shuffle(outcomes);
            shuffled.AddRange(list.Select((m, i) => m with { Status = outcomes[i].Status, ErrorCode = outcomes[i].ErrorCode }));
        }
        return s with { Messages = shuffled };
    }

    private async Task<HttpClient> Load(Stream s)
    {
        var (_, client) = await shared.NewTeamAsync();
        foreach (var p in s.People)
        {
            var body = new Dictionary<string, object?> { ["tier"] = p.Trial ? "trial" : "standard" };
            if (p.Group == "berlin") body["time_zone"] = "Europe/Berlin";
            var put = await client.PutAsync($"/api/v1/contacts/{Uri.EscapeDataString(p.Recipient)}", HeraldServer.Json(body));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        var events = new List<object>();
        foreach (var m in s.Messages)
        {
            var e = new Dictionary<string, object?>
            {
                ["item_id"] = m.ItemId, ["kind"] = "message", ["status"] = m.Status, ["occurred_at"] = Timestamp(m.At), ["direction"] = "outbound",
                ["route"] = m.Stream, ["channel"] = m.Stream == "hot" ? "sms" : "whatsapp", ["provider"] = m.Stream == "hot" ? "twilio" : "whatsapp",
                ["account"] = m.Stream == "hot" ? "bulk" : "main",
            };
            if (m.To.Recipient.Length > 0) e["recipient"] = m.To.Recipient;
            if (m.To.Country is { } c) e["country"] = c;
            if (m.Template is { } t) e["template"] = t;
            if (m.Stream == "main") e["campaign"] = "spring";
            if (m.ErrorCode is { } code) e["error_code"] = code;
            events.Add(e);
        }
        foreach (var (from, at, text) in s.Inbound)
            events.Add(new Dictionary<string, object?> { ["item_id"] = $"in-{from.Recipient}-{at.ToUnixTimeSeconds()}-{text}", ["kind"] = "message",
                ["status"] = "delivered", ["occurred_at"] = Timestamp(at), ["direction"] = "inbound", ["recipient"] = from.Recipient, ["text"] = text, ["channel"] = "sms" });
        foreach (var chunk in events.Chunk(5000)) await Kit.Ingest(client, chunk);

        await Put(client, "/api/v1/segments/trial", new { name = "Trial tier", rule = new { filter = new { tier = new[] { "trial" } } } });
        await Put(client, "/api/v1/segments/berlin", new { name = "Berlin", rule = new { filter = new { time_zone = new[] { "Europe/Berlin" } } } });
        await Put(client, "/api/v1/segments/listed", new { name = "Listed", rule = new { recipients = s.People.Take(40).Select(p => p.Recipient).ToArray() } });
        await Put(client, "/api/v1/campaigns/spring", new { name = "Spring sale", total_recipients = 240, segment_id = "trial" });
        return client;
    }

    private static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<JsonNode> Put(HttpClient client, string path, object body)
    {
        var response = await client.PutAsync(path, HeraldServer.Json(body));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await HeraldServer.ReadData(response);
    }

    [Fact]
    public async Task Each_insight_recovers_its_planted_effect_on_a_brute_force_count()
    {
        var s = Generate(31);
        var client = await Load(s);
        var main = s.Messages.Where(m => m.Stream == "main").ToList();

        // Templates: the same counts; A best and B worst on delivery, their intervals apart.
        var templates = await Kit.GetData(client, $"/api/v1/analytics/insights/templates?{Query}");
        foreach (var t in new[] { "A", "B" })
        {
            var row = templates["templates"]!.AsArray().Single(r => r!["template"]!.GetValue<string>() == t)!;
            var mine = main.Where(m => m.Template == t).ToList();
            Assert.Equal(mine.Count, Kit.Long(row, "sent"));
            Assert.Equal(mine.Count(m => m.Delivered), Kit.Long(row["delivery_rate"]!, "successes"));
            Assert.Equal(mine.Count(m => m.Read), Kit.Long(row["read_rate"]!, "successes"));
            Assert.Equal(mine.Count(m => m.Status == "replied"), Kit.Long(row["reply_rate"]!, "successes"));
            Assert.Equal(Math.Round(mine.Count(m => m.Delivered) * 100.0 / mine.Count, 4), row["delivery_rate"]!["rate"]!.GetValue<double>());
        }
        var best = templates["best"]!.AsArray().Single(p => p!["metric"]!.GetValue<string>() == "delivery_rate")!;
        var worst = templates["worst"]!.AsArray().Single(p => p!["metric"]!.GetValue<string>() == "delivery_rate")!;
        Assert.Equal(("A", "B"), (best["name"]!.GetValue<string>(), worst["name"]!.GetValue<string>()));
        Assert.True(best["rate"]!["lower"]!.GetValue<double>() > worst["rate"]!["upper"]!.GetValue<double>());

        // Send times: counts by local hour as the generator placed them; 10:00 local recommended for its read rate.
        var times = await Kit.GetData(client, $"/api/v1/analytics/insights/send-times?{Query}&route=main");
        var expected = Enumerable.Range(0, 24).Select(h => main.Where(m => TimeZoneInfo.ConvertTime(m.At, m.To.Zone).Hour == h).ToList())
            .Select(inHour => (inHour.Count, inHour.Count(m => m.Read))).ToList();
        var answered = times["hours"]!.AsArray().OrderBy(r => Kit.Int(r!, "hour"))
            .Select(r => (Kit.Int(r!, "sent"), Kit.Int(r!["read_rate"]!, "successes"))).ToList();
        Assert.Equal(expected, answered);
        Assert.Equal(main.Count(m => m.To.Group == "berlin"), Kit.Long(times["zone_sources"]!, "contact"));
        Assert.Equal(main.Count(m => m.To.Group == "us"), Kit.Long(times["zone_sources"]!, "country"));
        var window = times["recommendation"]!;
        Assert.Equal((10, 11, "read_rate"), (Kit.Int(window, "hour_start"), Kit.Int(window, "hour_end"), window["metric"]!.GetValue<string>()));
        Assert.Null(times["reason"]);

        // Rate limits: the hot route's TPS buckets; failures jump above 40 TPS, all of them throttling.
        var limits = await Kit.GetData(client, $"/api/v1/analytics/insights/rate-limits?{Query}&route=hot");
        var hot = limits["routes"]!.AsArray().Single()!;
        Assert.Equal(("hot", "twilio", "bulk"), (hot["route"]!.GetValue<string>(), hot["provider"]!.GetValue<string>(), hot["account"]!.GetValue<string>()));
        var hotMessages = s.Messages.Where(m => m.Stream == "hot").ToList();
        foreach (var bucket in hot["buckets"]!.AsArray())
        {
            double lo = bucket!["tps_from"]!.GetValue<double>(), hi = bucket["tps_to"]!.GetValue<double>();
            var inBucket = hotMessages.GroupBy(m => m.At.ToUnixTimeSeconds() / 60).Where(g => g.Count() / 60.0 >= lo && g.Count() / 60.0 < hi).SelectMany(g => g).ToList();
            Assert.Equal(inBucket.Count, Kit.Long(bucket, "sent"));
            Assert.Equal(inBucket.Count(m => m.Failed), Kit.Long(bucket, "failed"));
            Assert.Equal(inBucket.Count(m => m.Failed), Kit.Long(bucket, "rate_limited"));
            Assert.Equal(lo >= 40, bucket["significantly_above_baseline"]!.GetValue<bool>());
        }
        Assert.Equal(40, hot["recommended_max_tps"]!.GetValue<double>());
        Assert.Equal(60, hot["peak_tps"]!.GetValue<double>());

        // Segments: each (campaign, segment) row counted from the rule; the trial tier clearly lowest.
        var segments = await Kit.GetData(client, $"/api/v1/analytics/insights/segments?{Query}");
        var listed = s.People.Take(40).Select(p => p.Recipient).ToHashSet();
        var rules = new Dictionary<string, Func<Person, bool>> { ["trial"] = p => p.Trial, ["berlin"] = p => p.Group == "berlin", ["listed"] = p => listed.Contains(p.Recipient) };
        var rows = segments["rows"]!.AsArray();
        Assert.Equal(3, rows.Count);
        foreach (var (id, rule) in rules)
        {
            var row = rows.Single(r => r!["segment_id"]!.GetValue<string>() == id)!;
            var mine = main.Where(m => rule(m.To)).ToList();
            Assert.Equal(mine.Count, Kit.Long(row, "messages_sent"));
            Assert.Equal(mine.Count(m => m.Delivered), Kit.Long(row, "delivered"));
            Assert.Equal(("spring", "Spring sale", id == "trial"), (row["campaign_id"]!.GetValue<string>(), row["campaign_name"]!.GetValue<string>(), row["declared_segment"]!.GetValue<bool>()));
            Assert.Equal(s.People.Count(rule), Kit.Long(segments["segments"]!.AsArray().Single(r => r!["segment_id"]!.GetValue<string>() == id)!, "size"));
        }
        var rates = rows.Select(r => r!["delivery_rate"]!["rate"]!.GetValue<double>()).ToList();
        Assert.Equal(rates.OrderByDescending(r => r), rates);
        Assert.Equal("trial", segments["lowest_segment"]!.GetValue<string>());
        var small = segments["size_buckets"]!.AsArray().Single(b => b!["bucket"]!.GetValue<string>() == "100-999")!;
        Assert.Equal(1, Kit.Long(small, "segments")); // berlin (120); trial (48) and listed (40) are under 100
        Assert.Equal(main.Count(m => m.To.Group == "berlin"), Kit.Long(small, "messages_sent"));

        // Engagement funnel: users by consent state at the window's end, their messages and responses.
        var funnel = await Kit.GetData(client, $"/api/v1/analytics/insights/engagement-funnel?{Query}");
        var lastKeyword = s.Inbound.Where(i => i.Text is "STOP" or "START").GroupBy(i => i.From.Recipient)
            .ToDictionary(g => g.Key, g => g.OrderBy(i => i.At).ThenBy(i => i.Text == "STOP" ? 1 : 0).Last().Text == "STOP" ? "stopped" : "opt-in");
        var users = s.Messages.Where(m => m.To.Recipient.Length > 0).GroupBy(m => m.To.Recipient).ToList();
        foreach (var state in new[] { "stopped", "opt-in", "unknown" })
        {
            var inState = users.Where(u => lastKeyword.GetValueOrDefault(u.Key, "unknown") == state).ToList();
            var row = funnel["states"]!.AsArray().Single(r => r!["consent_state"]!.GetValue<string>() == state)!;
            Assert.Equal(inState.Count, Kit.Long(row, "users"));
            Assert.Equal(inState.Sum(u => u.Count()), Kit.Long(row, "messages_received"));
            Assert.Equal(inState.Sum(u => s.Inbound.Count(i => i.From.Recipient == u.Key)), Kit.Long(row, "responses"));
            Assert.Equal(inState.Count(u => s.Inbound.Any(i => i.From.Recipient == u.Key)), Kit.Long(row["engagement_rate"]!, "successes"));
        }

        // Another team sees none of it.
        var (_, other) = await shared.NewTeamAsync();
        Assert.Empty((await Kit.GetData(other, $"/api/v1/analytics/insights/templates?{Query}"))["templates"]!.AsArray());
        Assert.Empty((await Kit.GetData(other, $"/api/v1/analytics/insights/segments?{Query}"))["rows"]!.AsArray());
    }

    [Fact]
    public async Task With_the_outcomes_shuffled_no_insight_recommends_anything()
    {
        var s = Shuffled(Generate(31), 7);
        var client = await Load(s);
        var templates = await Kit.GetData(client, $"/api/v1/analytics/insights/templates?{Query}");
        Assert.Empty(templates["best"]!.AsArray());
        Assert.Empty(templates["worst"]!.AsArray());
        Assert.Contains("interval", templates["reason"]!.GetValue<string>());
        var times = await Kit.GetData(client, $"/api/v1/analytics/insights/send-times?{Query}&route=main");
        Assert.Null(times["recommendation"]);
        Assert.Contains("Bonferroni", times["reason"]!.GetValue<string>());
        var hot = (await Kit.GetData(client, $"/api/v1/analytics/insights/rate-limits?{Query}&route=hot"))["routes"]!.AsArray().Single()!;
        Assert.Null(hot["recommended_max_tps"]);
        Assert.Contains("baseline", hot["reason"]!.GetValue<string>());
        var segments = await Kit.GetData(client, $"/api/v1/analytics/insights/segments?{Query}");
        Assert.Null(segments["lowest_segment"]);
        Assert.Null(segments["highest_segment"]);
        Assert.NotNull(segments["reason"]);
    }

    /// <summary>
    /// Send times and segments as the rollup cells and the index by recipient give them, on a brute-force count: a window
    /// with ragged minutes at both ends; a country whose main zone is half an hour off (India) and a team zone that is too
    /// (St. John's), both read from minute cells; contacts in a zone 45 minutes off (Kathmandu) whose numbers' country says
    /// Germany; items queued before they were sent (their earliest event places them); segments on consent alone.
    /// </summary>
    [Fact]
    public async Task Send_times_and_segments_match_a_brute_force_count_on_ragged_windows_and_odd_zones()
    {
        var rng = new Random(11);
        var (_, client) = await shared.NewTeamAsync();
        var zones = new Dictionary<string, TimeZoneInfo>
        {
            ["india"] = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata"), ["nepal"] = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kathmandu"),
            ["us"] = NewYork, ["team"] = TimeZoneInfo.FindSystemTimeZoneById("America/St_Johns"),
        };
        await Put(client, "/api/v1/compliance/settings", new { time_zone = "America/St_Johns" });
        var people = Enumerable.Range(0, 120).Select(i => (Recipient: (i % 4) switch { 0 => "+9198", 1 => "+49151", 2 => "+1415", _ => "+3546" } + $"{i:00000}",
            Group: (i % 4) switch { 0 => "india", 1 => "nepal", 2 => "us", _ => "team" })).ToList();
        foreach (var p in people.Where(p => p.Group == "nepal"))
            await Put(client, $"/api/v1/contacts/{Uri.EscapeDataString(p.Recipient)}", new { time_zone = "Asia/Kathmandu" });
        var messages = new List<(string Recipient, string Group, DateTimeOffset At, string Status)>();
        var events = new List<object>();
        string[] finals = ["delivered", "read", "replied", "failed"];
        for (int i = 0; i < 3000; i++)
        {
            var p = people[rng.Next(people.Count)];
            var at = Kit.Day.AddSeconds(rng.Next(0, 86_400));
            string status = finals[rng.Next(finals.Length)];
            messages.Add((p.Recipient, p.Group, at, status));
            bool queuedFirst = i % 3 == 0;
            if (queuedFirst)
                events.Add(new Dictionary<string, object?> { ["item_id"] = $"t-{i}", ["kind"] = "message", ["status"] = "queued", ["occurred_at"] = Timestamp(at),
                    ["direction"] = "outbound", ["recipient"] = p.Recipient });
            events.Add(new Dictionary<string, object?> { ["item_id"] = $"t-{i}", ["kind"] = "message", ["status"] = status,
                ["occurred_at"] = Timestamp(queuedFirst ? at.AddSeconds(90) : at), ["direction"] = "outbound", ["recipient"] = p.Recipient, ["campaign"] = "c" });
        }
        var stops = people.Where((_, i) => i % 5 == 0).Select(p => p.Recipient).ToHashSet();
        foreach (var r in stops)
            events.Add(new Dictionary<string, object?> { ["item_id"] = $"in-{r}", ["kind"] = "message", ["status"] = "delivered", ["occurred_at"] = Timestamp(Kit.Day.AddMinutes(5)),
                ["direction"] = "inbound", ["recipient"] = r, ["text"] = "STOP", ["channel"] = "sms" });
        foreach (var chunk in events.Chunk(5000)) await Kit.Ingest(client, chunk);
        await Put(client, "/api/v1/segments/stopped", new { name = "Stopped", rule = new { filter = new { consent = new[] { "stopped" } } } });
        await Put(client, "/api/v1/segments/silent", new { name = "No keyword", rule = new { filter = new { consent = new[] { "unknown" } } } });
        await Put(client, "/api/v1/segments/nepal", new { name = "Kathmandu", rule = new { filter = new { time_zone = new[] { "Asia/Kathmandu" } } } });

        var from = Kit.Day.AddMinutes(37);
        var to = Kit.Day.AddHours(23).AddMinutes(11);
        var inWindow = messages.Where(m => m.At >= from && m.At < to).ToList();
        string window = $"from={Kit.Format(from)}&to={Kit.Format(to)}";
        var times = await Kit.GetData(client, $"/api/v1/analytics/insights/send-times?{window}");
        Assert.Equal("America/St_Johns", times["team_time_zone"]!.GetValue<string>());
        var expected = inWindow.GroupBy(m => (Day: TimeZoneInfo.ConvertTime(m.At, zones[m.Group]).DayOfWeek.ToString().ToLowerInvariant(), TimeZoneInfo.ConvertTime(m.At, zones[m.Group]).Hour))
            .Select(g => (g.Key.Day, g.Key.Hour, (long)g.Count(), (long)g.Count(m => m.Status is "delivered" or "read" or "replied"), (long)g.Count(m => m.Status is "read" or "replied"),
                (long)g.Count(m => m.Status == "replied")))
            .OrderBy(c => c.Day, StringComparer.Ordinal).ThenBy(c => c.Hour).ToList();
        var answered = times["cells"]!.AsArray().Select(c => c!).Select(c => (c["weekday"]!.GetValue<string>(), Kit.Int(c, "hour"), Kit.Long(c, "sent"), Kit.Long(c, "delivered"),
            Kit.Long(c, "read"), Kit.Long(c, "replied"))).OrderBy(c => c.Item1, StringComparer.Ordinal).ThenBy(c => c.Item2).ToList();
        Assert.Equal(expected, answered);
        Assert.Equal((inWindow.Count(m => m.Group == "nepal"), inWindow.Count(m => m.Group is "india" or "us"), inWindow.Count(m => m.Group == "team")),
            (Kit.Int(times["zone_sources"]!, "contact"), Kit.Int(times["zone_sources"]!, "country"), Kit.Int(times["zone_sources"]!, "team")));

        var segments = await Kit.GetData(client, $"/api/v1/analytics/insights/segments?{window}");
        var rules = new Dictionary<string, Func<string, bool>>
        {
            ["stopped"] = r => stops.Contains(r), ["silent"] = r => !stops.Contains(r), ["nepal"] = r => people.Single(p => p.Recipient == r).Group == "nepal",
        };
        foreach (var (id, rule) in rules)
        {
            var row = segments["rows"]!.AsArray().Single(r => r!["segment_id"]!.GetValue<string>() == id)!;
            var mine = inWindow.Where(m => rule(m.Recipient)).ToList();
            Assert.Equal((mine.Count, mine.Count(m => m.Status is "delivered" or "read" or "replied")), (Kit.Int(row, "messages_sent"), Kit.Int(row, "delivered")));
            var size = Kit.Long(segments["segments"]!.AsArray().Single(r => r!["segment_id"]!.GetValue<string>() == id)!, "size");
            Assert.Equal(people.Count(p => rule(p.Recipient) && (p.Group == "nepal" || inWindow.Any(m => m.Recipient == p.Recipient))), size);
        }
    }

    [Fact]
    public async Task Segments_are_declared_read_and_deleted_and_bad_rules_change_nothing()
    {
        var (_, client) = await shared.NewTeamAsync();
        var saved = await Put(client, "/api/v1/segments/vip", new { name = "VIP", rule = new { filter = new { tier = new[] { "premium" }, consent = new[] { "opt-in" }, signed_up_from = "2026-01-01T00:00:00Z" } } });
        Assert.Equal(("vip", "VIP"), (saved["segment_id"]!.GetValue<string>(), saved["name"]!.GetValue<string>()));
        Assert.Equal("premium", saved["rule"]!["filter"]!["tier"]![0]!.GetValue<string>());

        async Task Bad(object body, string field)
        {
            var response = await client.PutAsync("/api/v1/segments/bad", HeraldServer.Json(body));
            await Kit.AssertError(response, HttpStatusCode.BadRequest, field);
        }
        await Bad(new { name = "x" }, "rule");
        await Bad(new { rule = new { recipients = new[] { "+1" }, filter = new { tier = new[] { "a" } } } }, "rule");
        await Bad(new { rule = new { filter = new { } } }, "rule.filter");
        await Bad(new { rule = new { filter = new { consent = new[] { "maybe" } } } }, "rule.filter.consent");
        await Bad(new { rule = new { filter = new { time_zone = new[] { "Mars/Olympus" } } } }, "rule.filter.time_zone");
        await Bad(new { rule = new { filter = new { colour = new[] { "red" } } } }, "rule.filter.colour");
        await Bad(new { rule = new { recipients = Array.Empty<string>() } }, "rule.recipients");
        await Kit.AssertError(await client.GetAsync("/api/v1/segments/bad"), HttpStatusCode.NotFound, code: "not_found");

        // A campaign names a segment that exists; then the segment cannot go until the campaign lets it go.
        await Kit.AssertError(await client.PutAsync("/api/v1/campaigns/c1", HeraldServer.Json(new { total_recipients = 5, segment_id = "nope" })), HttpStatusCode.BadRequest, "segment_id");
        var campaign = await Put(client, "/api/v1/campaigns/c1", new { total_recipients = 5, segment_id = "vip" });
        Assert.Equal("vip", campaign["segment_id"]!.GetValue<string>());
        Assert.Equal("c1", (await Kit.GetData(client, "/api/v1/segments/vip"))["campaigns"]![0]!.GetValue<string>());
        await Kit.AssertError(await client.DeleteAsync("/api/v1/segments/vip"), HttpStatusCode.Conflict, "segment_id");
        await Put(client, "/api/v1/campaigns/c1", new { total_recipients = 5 });
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync("/api/v1/segments/vip")).StatusCode);
        Assert.Empty((await Kit.GetData(client, "/api/v1/segments")).AsArray());
        await Kit.AssertError(await client.DeleteAsync("/api/v1/segments/vip"), HttpStatusCode.NotFound, code: "not_found");

        // One team never sees another's segments.
        await Put(client, "/api/v1/segments/mine", new { rule = new { recipients = new[] { "+14155550100" } } });
        var (_, other) = await shared.NewTeamAsync();
        await Kit.AssertError(await other.GetAsync("/api/v1/segments/mine"), HttpStatusCode.NotFound, code: "not_found");
        await Kit.AssertError(await other.PutAsync("/api/v1/campaigns/c2", HeraldServer.Json(new { total_recipients = 1, segment_id = "mine" })), HttpStatusCode.BadRequest, "segment_id");
    }
}

/// <summary>The database insight once the planner statistics have run (at once here, instead of minutes after start).</summary>
public sealed class DatabaseInsightTests(DatabaseInsightTests.Server shared) : IClassFixture<DatabaseInsightTests.Server>
{
    public sealed class Server : SharedServer
    {
        protected override Dictionary<string, string?> Settings => new() { ["Herald:Planner:InitialDelay"] = "00:00:01", ["Herald:Planner:Interval"] = "00:00:01" };
    }

    [Fact]
    public async Task Indexes_show_their_size_and_the_planners_statistics()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.Ingest(client, Enumerable.Range(0, 50).Select(i => Kit.Event($"d-{i}", "sent", Kit.At(i), kind: "message", recipient: $"+1415555{i:0000}")).ToList());
        JsonNode data = null!;
        for (int attempt = 0; attempt < 100; attempt++)
        {
            data = await Kit.GetData(client, "/api/v1/analytics/insights/database");
            if (data["indexes"]!.AsArray().Any(i => i!["index"]!.GetValue<string>() == "ux_items_team_item" && i["analyzed"]!.GetValue<bool>())) break;
            await Task.Delay(100);
        }
        Assert.Equal("sqlite", data["provider"]!.GetValue<string>());
        Assert.NotNull(data["maintenance"]!["last_run_at"]);
        Assert.Null(data["maintenance"]!["last_error"]);
        var index = data["indexes"]!.AsArray().Single(i => i!["index"]!.GetValue<string>() == "ux_items_team_item")!;
        Assert.Equal("items", index["table"]!.GetValue<string>());
        Assert.True(index["analyzed"]!.GetValue<bool>());
        Assert.True(Kit.Long(index, "planner_rows") >= 50);
        Assert.True(Kit.Long(index, "size_bytes") > 0);
    }
}
