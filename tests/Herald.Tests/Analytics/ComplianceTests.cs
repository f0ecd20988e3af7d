using System.Net;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Analytics;

/// <summary>Seed 003's compliance metrics: quiet hours per contact time zone, team defaults, rate limits, bad settings, teams apart.</summary>
public sealed class ComplianceTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    private static Dictionary<string, object?> Send(string id, string recipient, DateTimeOffset at, string? direction = "outbound", string? account = null) =>
        new Dictionary<string, object?> { ["event_id"] = id, ["item_id"] = id, ["kind"] = "message", ["status"] = "sent", ["occurred_at"] = Ts(at),
            ["direction"] = direction, ["recipient"] = recipient, ["channel"] = "sms", ["account"] = account }
            .Where(p => p.Value is not null).ToDictionary();

    private static async Task Put(HttpClient client, string path, object body)
    {
        var response = await client.PutAsync(path, HeraldServer.Json(body));
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonNode> Compliance(HttpClient client, DateTimeOffset from, DateTimeOffset to) =>
        (await Kit.GetData(client, $"/api/v1/analytics/compliance?from={Ts(from)}&to={Ts(to)}"))["compliance_metrics"]!;

    /// <summary>Local clock time by the IANA rules, checked independently of Herald's code path.</summary>
    private static bool Quiet(string zone, (int S, int E) w, DateTimeOffset utc)
    {
        var local = TimeZoneInfo.ConvertTime(utc, TimeZoneInfo.FindSystemTimeZoneById(zone));
        int m = local.Hour * 60 + local.Minute;
        return w.S < w.E ? m >= w.S && m < w.E : m >= w.S || m < w.E;
    }

    [Fact]
    public async Task Quiet_hours_follow_the_contacts_own_clock_across_daylight_saving()
    {
        var (_, client) = await shared.NewTeamAsync();
        // New York: 01:30-02:30. On 2026-03-08 clocks jump from 02:00 EST to 03:00 EDT; on 2026-11-01 01:00-02:00 happens twice.
        await Put(client, "/api/v1/contacts/%2B12125550100", new { time_zone = "America/New_York", quiet_hours = new { start = "01:30", end = "02:30" } });
        var spring = new DateTimeOffset(2026, 3, 8, 6, 45, 0, TimeSpan.Zero);     // 01:45 EST: quiet
        var springAfter = new DateTimeOffset(2026, 3, 8, 7, 15, 0, TimeSpan.Zero); // 03:15 EDT: not quiet (02:xx never happened)
        var fallFirst = new DateTimeOffset(2026, 11, 1, 5, 45, 0, TimeSpan.Zero);  // 01:45 EDT: quiet
        var fallSecond = new DateTimeOffset(2026, 11, 1, 6, 45, 0, TimeSpan.Zero); // 01:45 EST again: quiet
        var fallAfter = new DateTimeOffset(2026, 11, 1, 7, 35, 0, TimeSpan.Zero);  // 02:35 EST: not quiet
        await Kit.Ingest(client, new[] { Send("s1", "+12125550100", spring), Send("s2", "+12125550100", springAfter),
            Send("f1", "+12125550100", fallFirst), Send("f2", "+12125550100", fallSecond), Send("f3", "+12125550100", fallAfter) });

        var march = await Compliance(client, new DateTimeOffset(2026, 3, 8, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 9, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(1, Kit.Long(march["quiet_hours_compliance"]!, "messages_during_quiet_hours"));
        var ex = march["quiet_hours_compliance"]!["examples"]!.AsArray().Single()!;
        Assert.Equal("s1", ex["item_id"]!.GetValue<string>());
        Assert.Equal("01:45", ex["local_time"]!.GetValue<string>());
        Assert.Equal("America/New_York", ex["time_zone"]!.GetValue<string>());
        var november = await Compliance(client, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(2, Kit.Long(november["quiet_hours_compliance"]!, "messages_during_quiet_hours"));
        Assert.Equal(3, Kit.Long(november["quiet_hours_compliance"]!, "total_messages_sent"));
        Assert.Equal(33.33, november["quiet_hours_compliance"]!["compliance_rate"]!.GetValue<double>());
    }

    /// <summary>
    /// Random sends over a week around Europe's autumn change to contacts with their own zones and windows (across midnight
    /// and not), contacts under the team default, inbound messages and duplicates: the count equals a brute force.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Quiet_hours_count_equals_a_brute_force_over_own_and_team_settings(int seed)
    {
        var (_, client) = await shared.NewTeamAsync();
        var rng = new Random(seed);
        var team = ("Europe/Berlin", (S: 21 * 60 + 30, E: 7 * 60));
        await Put(client, "/api/v1/compliance/settings", new { time_zone = team.Item1, quiet_hours = new { start = "21:30", end = "07:00" } });
        var own = new Dictionary<string, (string Zone, (int S, int E) W)>
        {
            ["+441000"] = ("Europe/London", (22 * 60, 8 * 60)),
            ["+441001"] = ("Asia/Kolkata", (13 * 60 + 15, 14 * 60 + 45)),
            ["+441002"] = ("Australia/Lord_Howe", (0, 6 * 60)),
        };
        foreach (var (r, (zone, w)) in own)
            await Put(client, $"/api/v1/contacts/{Uri.EscapeDataString(r)}", new { time_zone = zone,
                quiet_hours = new { start = $"{w.S / 60:00}:{w.S % 60:00}", end = $"{w.E / 60:00}:{w.E % 60:00}" } });
        // Own zone, the team's window.
        await Put(client, "/api/v1/contacts/%2B441003", new { time_zone = "America/Los_Angeles" });
        own["+441003"] = ("America/Los_Angeles", team.Item2);

        var start = new DateTimeOffset(2026, 10, 22, 0, 0, 0, TimeSpan.Zero);
        var sends = new List<(string Id, string Recipient, DateTimeOffset At, string? Direction)>();
        var events = new List<Dictionary<string, object?>>();
        for (int i = 0; i < 500; i++)
        {
            string recipient = $"+44100{rng.Next(8)}";
            var at = start.AddMinutes(rng.Next(7 * 1440));
            string? direction = rng.Next(10) switch { 0 => "inbound", 1 or 2 => null, _ => "outbound" };
            sends.Add(($"q{i}", recipient, at, direction));
            events.Add(Send($"q{i}", recipient, at, direction));
        }
        events.AddRange(events.Where(_ => rng.Next(5) == 0).ToList());
        events = events.OrderBy(_ => rng.Next()).ToList();
        for (int i = 0; i < events.Count; i += 150) await Kit.Ingest(client, events.Skip(i).Take(150).ToList());

        var from = start.AddHours(5);
        var to = start.AddDays(6).AddHours(7);
        var inWindow = sends.Where(s => s.At >= from && s.At < to && s.Direction != "inbound").ToList();
        long expected = inWindow.Count(s => own.TryGetValue(s.Recipient, out var o) ? Quiet(o.Zone, o.W, s.At) : Quiet(team.Item1, team.Item2, s.At));
        var quiet = (await Compliance(client, from, to))["quiet_hours_compliance"]!;
        Assert.Equal(inWindow.Count, Kit.Long(quiet, "total_messages_sent"));
        Assert.Equal(expected, Kit.Long(quiet, "messages_during_quiet_hours"));
        Assert.Equal(4, Kit.Long(quiet, "contacts_with_own_settings"));
        var examples = quiet["examples"]!.AsArray();
        Assert.Equal(Math.Min(expected, 20), examples.Count);
        foreach (var ex in examples)
        {
            var s = sends.First(x => x.Id == ex!["item_id"]!.GetValue<string>());
            Assert.True(own.TryGetValue(s.Recipient, out var o) ? Quiet(o.Zone, o.W, s.At) : Quiet(team.Item1, team.Item2, s.At));
            Assert.Equal(own.ContainsKey(s.Recipient) ? "contact" : "team", ex!["setting"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Bad_settings_are_refused_naming_the_field_and_change_nothing()
    {
        var (_, client) = await shared.NewTeamAsync();
        const string path = "/api/v1/contacts/%2B33600000001";
        await Put(client, path, new { time_zone = "Europe/Paris", quiet_hours = new { start = "22:00", end = "07:30" } });
        async Task Refused(object body, string field)
        {
            await Kit.AssertError(await client.PutAsync(path, HeraldServer.Json(body)), HttpStatusCode.BadRequest, field);
            await Kit.AssertError(await client.PutAsync("/api/v1/compliance/settings", HeraldServer.Json(body)), HttpStatusCode.BadRequest, field);
        }
        await Refused(new { time_zone = "Mars/Olympus_Mons", quiet_hours = new { start = "01:00", end = "02:00" } }, "time_zone");
        await Refused(new { time_zone = "Eastern Standard Time" }, "time_zone");
        await Refused(new { time_zone = 5 }, "time_zone");
        await Refused(new { time_zone = "UTC", quiet_hours = new { start = "25:00", end = "07:00" } }, "quiet_hours.start");
        await Refused(new { quiet_hours = new { start = "21:00", end = "8pm" } }, "quiet_hours.end");
        await Refused(new { quiet_hours = new { start = "21:00" } }, "quiet_hours.end");
        await Refused(new { quiet_hours = new { start = "21:00", end = "21:00" } }, "quiet_hours");
        await Refused(new { quiet_hours = "21:00-07:00" }, "quiet_hours");
        await Refused(new { timezone = "UTC" }, "timezone");

        var contact = await Kit.GetData(client, path);
        Assert.Equal("Europe/Paris", contact["time_zone"]!.GetValue<string>());
        Assert.Equal("22:00", contact["quiet_hours"]!["start"]!.GetValue<string>());
        Assert.Equal("07:30", contact["quiet_hours"]!["end"]!.GetValue<string>());
        var settings = await Kit.GetData(client, "/api/v1/compliance/settings");
        Assert.Equal("UTC", settings["time_zone"]!.GetValue<string>());
        Assert.Null(settings["quiet_hours"]);
    }

    [Fact]
    public async Task Settings_and_compliance_keep_teams_apart()
    {
        var (_, a) = await shared.NewTeamAsync();
        var (_, b) = await shared.NewTeamAsync();
        await Put(a, "/api/v1/contacts/%2B15550000001", new { time_zone = "UTC", quiet_hours = new { start = "00:00", end = "23:59" } });
        await Put(a, "/api/v1/compliance/settings", new { time_zone = "UTC", quiet_hours = new { start = "00:00", end = "23:59" } });
        var at = Kit.Day.AddHours(3);
        await Kit.Ingest(a, new[] { Send("a1", "+15550000001", at) });
        await Kit.Ingest(b, new[] { Send("b1", "+15550000001", at), Send("b2", "+15550000002", at) });
        var qa = (await Compliance(a, Kit.Day, Kit.Day.AddDays(1)))["quiet_hours_compliance"]!;
        var qb = (await Compliance(b, Kit.Day, Kit.Day.AddDays(1)))["quiet_hours_compliance"]!;
        Assert.Equal(1, Kit.Long(qa, "messages_during_quiet_hours"));
        Assert.Equal(0, Kit.Long(qb, "messages_during_quiet_hours"));
        Assert.Equal(0, Kit.Long(qb, "contacts_with_own_settings"));
        Assert.Null((await Kit.GetData(b, "/api/v1/contacts/%2B15550000001"))["time_zone"]);
        Assert.Null((await Kit.GetData(b, "/api/v1/compliance/settings"))["quiet_hours"]);
        await Kit.AssertError(await b.DeleteAsync("/api/v1/contacts/%2B15550000001"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Rate_limit_adherence_counts_the_minutes_over_each_accounts_limit()
    {
        var (teamId, client) = await shared.NewTeamAsync();
        var admin = shared.Server.Admin;
        // 0.05 events/s = 3 events in a minute; "bulk" has no limit.
        await Put(admin, $"/api/v1/accounts/acc-limited?team={teamId}", new { tps_limit = 0.05 });
        var rng = new Random(9);
        var perMinute = new Dictionary<int, int>();
        var events = new List<Dictionary<string, object?>>();
        for (int i = 0; i < 200; i++)
        {
            int minute = 600 + rng.Next(0, 120) / (rng.Next(3) + 1); // skewed: some minutes get many
            string account = rng.Next(4) == 0 ? "bulk" : "acc-limited";
            events.Add(Send($"r{i}", $"+1555{i:0000}", Kit.Day.AddMinutes(minute).AddSeconds(rng.Next(60)), "outbound", account));
            if (account == "acc-limited") perMinute[minute] = perMinute.GetValueOrDefault(minute) + 1;
        }
        await Kit.Ingest(client, events);
        var rates = (await Compliance(client, Kit.Day, Kit.Day.AddDays(1)))["rate_limit_adherence"]!;
        long expected = perMinute.Count(p => p.Value > 3);
        Assert.True(expected > 0);
        Assert.Equal(expected, Kit.Long(rates, "rate_limit_violations"));
        Assert.Equal(1, Kit.Long(rates, "accounts_with_limits"));
        var limited = rates["accounts"]!.AsArray().Single()!;
        Assert.Equal("acc-limited", limited["account"]!.GetValue<string>());
        Assert.Equal(expected, Kit.Long(limited, "rate_limit_violations"));
        Assert.Equal(expected <= 14 ? "good" : "poor", limited["compliance_status"]!.GetValue<string>());
        Assert.Equal(limited["compliance_status"]!.GetValue<string>(), rates["compliance_status"]!.GetValue<string>());
        Assert.Equal(Math.Round(perMinute.Values.Max() / 60.0, 4), limited["peak_send_rate"]!.GetValue<double>());
        Assert.Equal(Math.Min(expected, 20), rates["examples"]!.AsArray().Count);
        Assert.Equal(Math.Round(200 / 86_400.0, 4), rates["average_send_rate"]!.GetValue<double>());

        // New events in an hour already answered (its minutes may be kept): the next answer includes them.
        int quietMinute = Enumerable.Range(600, 120).First(m => !perMinute.ContainsKey(m));
        await Kit.Ingest(client, Enumerable.Range(0, 5).Select(i =>
            Send($"late{i}", $"+1666{i:0000}", Kit.Day.AddMinutes(quietMinute).AddSeconds(i), "outbound", "acc-limited")).ToList());
        var again = (await Compliance(client, Kit.Day, Kit.Day.AddDays(1)))["rate_limit_adherence"]!;
        Assert.Equal(expected + 1, Kit.Long(again, "rate_limit_violations"));

        // Items whose account only a later callback names: their earlier events move to the account's minutes.
        int other = Enumerable.Range(quietMinute + 1, 200).First(m => !perMinute.ContainsKey(m));
        await Kit.Ingest(client, Enumerable.Range(0, 2).Select(i => new Dictionary<string, object?> { ["event_id"] = $"mv{i}q", ["item_id"] = $"mv{i}",
            ["kind"] = "message", ["status"] = "queued", ["occurred_at"] = Ts(Kit.Day.AddMinutes(other).AddSeconds(i)), ["recipient"] = "+17770000" }).ToList());
        var before = (await Compliance(client, Kit.Day, Kit.Day.AddDays(1)))["rate_limit_adherence"]!;
        Assert.Equal(expected + 1, Kit.Long(before, "rate_limit_violations"));
        await Kit.Ingest(client, Enumerable.Range(0, 2).Select(i => new Dictionary<string, object?> { ["event_id"] = $"mv{i}s", ["item_id"] = $"mv{i}",
            ["status"] = "sent", ["occurred_at"] = Ts(Kit.Day.AddMinutes(other).AddSeconds(10 + i)), ["account"] = "acc-limited" }).ToList());
        var moved = (await Compliance(client, Kit.Day, Kit.Day.AddDays(1)))["rate_limit_adherence"]!;
        Assert.Equal(expected + 2, Kit.Long(moved, "rate_limit_violations"));
    }

    /// <summary>The team rule's UTC ranges equal a minute-by-minute check of the local clock, across both DST changes.</summary>
    [Theory]
    [InlineData("America/New_York", "21:00", "08:00", 2026, 3, 7)]
    [InlineData("America/New_York", "01:30", "02:30", 2026, 10, 31)]
    [InlineData("Europe/Berlin", "02:15", "02:45", 2026, 3, 28)]
    [InlineData("Australia/Lord_Howe", "23:00", "06:00", 2026, 4, 4)]
    [InlineData("Asia/Kathmandu", "12:00", "13:00", 2026, 6, 1)]
    public void Quiet_ranges_equal_a_minute_by_minute_check(string zone, string start, string end, int y, int m, int d)
    {
        var tz = Herald.Analytics.Consent.TimeZones.Find(zone)!;
        var window = new Herald.Analytics.Consent.QuietWindow(
            Herald.Analytics.Consent.QuietWindow.ParseTime(start)!.Value, Herald.Analytics.Consent.QuietWindow.ParseTime(end)!.Value);
        long from = new DateTimeOffset(y, m, d, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() / 60_000 + 7;
        long to = from + 3 * 1440 + 13;
        var ranges = Herald.Analytics.Consent.TimeZones.QuietRanges(tz, window, from, to);
        for (long minute = from; minute < to; minute++)
        {
            bool expected = Quiet(zone, (window.StartMinute, window.EndMinute), DateTimeOffset.FromUnixTimeMilliseconds(minute * 60_000));
            Assert.True(expected == ranges.Any(r => minute >= r.Start && minute < r.End), $"{zone} at {DateTimeOffset.FromUnixTimeMilliseconds(minute * 60_000):u}");
        }
    }

    [Fact]
    public void A_cells_events_are_read_without_decoding_the_rest()
    {
        var cell = new Herald.Engine.CellStats { Events = 123_456, Cost = 1.5 };
        cell.ItemsByStatus[3] = 7;
        cell.AddLatency(40, 3, 900);
        Assert.Equal(123_456, Herald.Engine.CellStats.EventsOf(cell.Encode()));
    }
}
