using System.Net;
using Herald.Analytics.Consent;
using Herald.Tests.Api;
using Herald.Engine;

namespace Herald.Tests.Analytics;

/// <summary>Consent, inbound and compliance against a brute-force replay of a random stream of keywords and sends.</summary>
public sealed class ConsentTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static readonly string[] Texts = ["STOP", "start", "Yes!", "HELP", "hello there", "UNSUBSCRIBE", " stop ", "info", "QUIT", "unstop"];

    [Theory]
    [InlineData("STOP", KeywordClass.Stop)]
    [InlineData("  Stop. ", KeywordClass.Stop)]
    [InlineData("unsubscribe", KeywordClass.OptOut)]
    [InlineData("YES", KeywordClass.Start)]
    [InlineData("help?", KeywordClass.Help)]
    [InlineData("please stop", KeywordClass.Other)]
    [InlineData("", KeywordClass.Other)]
    [InlineData(null, KeywordClass.Other)]
    public void Keywords_are_whole_messages_in_any_case(string? text, KeywordClass expected) =>
        Assert.Equal(expected, ConsentKeywords.Classify(text));

    [Fact]
    public async Task Consent_inbound_and_compliance_match_a_replay_of_the_stream()
    {
        var (_, client) = await shared.NewTeamAsync();
        var rng = new Random(21);
        var inbound = new List<(string Contact, double Minute, string Text)>();
        var outbound = new List<(string Contact, double Minute)>();
        var anonymous = new List<(double Minute, string Text)>();
        var events = new List<object>();
        for (int i = 0; i < 160; i++)
        {
            string contact = $"+1415666{rng.Next(20):0000}";
            double minute = rng.Next(0, 1440) + rng.Next(60) / 60.0;
            if (rng.NextDouble() < 0.06)
            {
                // A text without a sender: inbound volume and keyword classes count it, no contact's consent changes.
                string text = Texts[rng.Next(Texts.Length)];
                anonymous.Add((minute, text));
                events.Add(new Dictionary<string, object?> { ["item_id"] = $"anon-{i}", ["kind"] = "message", ["status"] = "delivered",
                    ["occurred_at"] = Kit.At(minute), ["direction"] = "inbound", ["text"] = text, ["channel"] = "sms" });
            }
            else if (rng.NextDouble() < 0.45)
            {
                string text = Texts[rng.Next(Texts.Length)];
                inbound.Add((contact, minute, text));
                events.Add(new Dictionary<string, object?> { ["item_id"] = $"in-{i}", ["kind"] = "message", ["status"] = "delivered",
                    ["occurred_at"] = Kit.At(minute), ["direction"] = "inbound", ["recipient"] = contact, ["text"] = text, ["channel"] = "sms" });
            }
            else
            {
                outbound.Add((contact, minute));
                events.Add(new Dictionary<string, object?> { ["item_id"] = $"out-{i}", ["kind"] = "message", ["status"] = "sent",
                    ["occurred_at"] = Kit.At(minute), ["direction"] = "outbound", ["recipient"] = contact, ["channel"] = "sms" });
            }
        }
        // Posted out of order, in two requests: consent is a replay by time, not by arrival.
        events.Reverse();
        await Kit.Ingest(client, events.Take(80).ToList());
        await Kit.Ingest(client, events.Skip(80).ToList());

        // Brute force: each contact's state as its keywords leave it, in time order.
        string? StateAt(string contact, double minute)
        {
            string? state = null;
            foreach (var k in inbound.Where(k => k.Contact == contact && k.Minute <= minute).OrderBy(k => k.Minute)
                         .ThenBy(k => ConsentKeywords.Code(ConsentKeywords.Classify(k.Text))))
                state = ConsentKeywords.StateAfter(ConsentKeywords.Classify(k.Text)) ?? state;
            return state;
        }
        var contacts = inbound.Select(k => k.Contact).Distinct().ToList();
        var finalStates = contacts.Select(c => StateAt(c, 1440)).Where(s => s is not null).ToList();

        var summary = await Kit.GetData(client, $"/api/v1/analytics/consent?{Kit.DayWindow}");
        Assert.Equal(finalStates.Count(s => s == "opt-in"), Kit.Long(summary, "opted_in"));
        Assert.Equal(finalStates.Count(s => s == "opt-out"), Kit.Long(summary, "opted_out"));
        Assert.Equal(finalStates.Count(s => s == "stopped"), Kit.Long(summary, "stopped"));
        Assert.Equal(inbound.Count(k => ConsentKeywords.Classify(k.Text) == KeywordClass.Help), Kit.Long(summary, "help_requests_in_window"));

        var inb = await Kit.GetData(client, $"/api/v1/analytics/inbound?{Kit.DayWindow}");
        var texts = inbound.Select(k => (k.Minute, k.Text)).Concat(anonymous).ToList();
        Assert.NotEmpty(anonymous);
        Assert.Equal(texts.Count, Kit.Long(inb, "messages"));
        Assert.Equal(contacts.Count, Kit.Long(inb, "unique_senders"));
        foreach (var c in Enum.GetValues<KeywordClass>())
            Assert.Equal(texts.Count(k => ConsentKeywords.Classify(k.Text) == c), Kit.Long(inb["keyword_classes"]!, ConsentKeywords.Name(c)));
        long peak = texts.GroupBy(k => (int)(k.Minute / 60)).Max(g => g.Count());
        Assert.Equal(peak, Kit.Long(inb, "peak_hour_messages"));
        var byHourOfDay = inb["messages_by_hour_of_day"]!.AsArray().Select(n => (long)n!).ToList();
        for (int h = 0; h < 24; h++) Assert.Equal(texts.Count(k => (int)(k.Minute / 60) == h), byHourOfDay[h]);

        var compliance = await Kit.GetData(client, $"/api/v1/analytics/compliance?{Kit.DayWindow}");
        var violations = outbound.Where(o => StateAt(o.Contact, o.Minute) is "stopped" or "opt-out").ToList();
        Assert.Equal(violations.Count, Kit.Long(compliance, "messages_to_opted_out_contacts"));
        Assert.Equal(violations.Select(v => v.Contact).Distinct().Count(), Kit.Long(compliance, "contacts_affected"));

        var someone = contacts[0];
        var one = await Kit.GetData(client, $"/api/v1/contacts/{Uri.EscapeDataString(someone)}/consent");
        Assert.Equal(StateAt(someone, 1440) ?? "unknown", one["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Consent_endpoints_take_no_dimension_filters_and_keep_teams_apart()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.AssertError(await client.GetAsync("/api/v1/analytics/consent?channel=sms"), HttpStatusCode.BadRequest, "channel");
        await Kit.Ingest(client, new Dictionary<string, object?> { ["item_id"] = "in-x", ["kind"] = "message", ["status"] = "delivered",
            ["occurred_at"] = Kit.At(10), ["direction"] = "inbound", ["recipient"] = "+14155559999", ["text"] = "STOP" });
        var (_, other) = await shared.NewTeamAsync();
        Assert.Equal("unknown", (await Kit.GetData(other, "/api/v1/contacts/%2B14155559999/consent"))["state"]!.GetValue<string>());
        Assert.Equal("stopped", (await Kit.GetData(client, "/api/v1/contacts/%2B14155559999/consent"))["state"]!.GetValue<string>());
    }

    /// <summary>
    /// A random stream of keywords and sends with duplicates (the same event_id posted again), keywords arriving long after
    /// later ones, and conflicting keywords of one contact at the same instant, posted in shuffled requests: every consent
    /// and compliance figure equals a brute-force replay of the accepted raw events by time.
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(77)]
    public async Task Consent_state_is_a_replay_by_time_whatever_the_arrival_order(int seed)
    {
        var (_, client) = await shared.NewTeamAsync();
        var rng = new Random(seed);
        string[] words = ["STOP", "stop.", "START", "yes", "UNSUBSCRIBE", "HELP", "info", "Revoke!", "hi", "QUIT", "optin"];
        var keywords = new List<(string Id, string Contact, long Ms, string Text)>();
        var sends = new List<(string Id, string Contact, long Ms, string? Direction)>();
        var events = new List<Dictionary<string, object?>>();
        long dayMs = Kit.Day.ToUnixTimeMilliseconds();
        string Ts(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        for (int i = 0; i < 400; i++)
        {
            string contact = $"+4477009{rng.Next(12):00000}";
            // Coarse times (whole minutes) so that a contact often has several keywords at one instant.
            long ms = dayMs + rng.Next(0, 1440) * 60_000L;
            if (rng.NextDouble() < 0.4)
            {
                string text = words[rng.Next(words.Length)];
                keywords.Add(($"kw-{i}", contact, ms, text));
                events.Add(new() { ["event_id"] = $"kw-{i}", ["item_id"] = $"in-{i}", ["kind"] = "message", ["status"] = "delivered",
                    ["occurred_at"] = Ts(ms), ["direction"] = "inbound", ["recipient"] = contact, ["text"] = text, ["channel"] = "sms" });
            }
            else
            {
                string? direction = rng.Next(3) switch { 0 => null, 1 => "outbound", _ => rng.NextDouble() < 0.2 ? "inbound" : "outbound" };
                sends.Add(($"out-{i}", contact, ms + rng.Next(0, 3) * 30_000L - 30_000L, direction));
                events.Add(new() { ["event_id"] = $"out-{i}", ["item_id"] = $"out-{i}", ["kind"] = "message", ["status"] = "sent",
                    ["occurred_at"] = Ts(sends[^1].Ms), ["direction"] = direction, ["recipient"] = contact, ["channel"] = "sms" });
            }
        }
        // Duplicates: a fifth of the events again, same event_id (the text may even differ: the first accepted one counts).
        var posted = new List<Dictionary<string, object?>>(events);
        foreach (var e in events.Where(_ => rng.NextDouble() < 0.2).ToList()) posted.Add(new(e));
        posted = posted.OrderBy(_ => rng.Next()).ToList();
        for (int i = 0; i < posted.Count; i += 97) await Kit.Ingest(client, posted.Skip(i).Take(97).Select(e => e.Where(p => p.Value is not null).ToDictionary()).ToList());

        (int Code, long Ms)? At(string contact, long ms)
        {
            (int, long)? state = null;
            foreach (var k in keywords.Where(k => k.Contact == contact && k.Ms <= ms)
                         .Select(k => (Code: ConsentKeywords.Code(ConsentKeywords.Classify(k.Text)), k.Ms))
                         .Where(k => k.Code > 0).OrderBy(k => k.Ms).ThenBy(k => k.Code))
                state = k;
            return state;
        }
        string Name(int code) => ConsentKeywords.StateName(code);

        var contacts = keywords.Select(k => k.Contact).Distinct().ToList();
        var finals = contacts.Select(c => At(c, long.MaxValue)).Where(s => s is not null).Select(s => s!.Value.Code).ToList();
        var summary = await Kit.GetData(client, $"/api/v1/analytics/consent?{Kit.DayWindow}");
        Assert.Equal(finals.Count(c => c == 1), Kit.Long(summary, "opted_in"));
        Assert.Equal(finals.Count(c => c == 2), Kit.Long(summary, "opted_out"));
        Assert.Equal(finals.Count(c => c == 3), Kit.Long(summary, "stopped"));
        Assert.Equal(finals.Count, Kit.Long(summary, "contacts_with_consent"));
        int Changes(KeywordClass c) => keywords.Count(k => ConsentKeywords.Classify(k.Text) == c);
        Assert.Equal(Changes(KeywordClass.Stop), Kit.Long(summary, "stops_in_window"));
        Assert.Equal(Changes(KeywordClass.OptOut), Kit.Long(summary, "opt_outs_in_window"));
        Assert.Equal(Changes(KeywordClass.Start), Kit.Long(summary, "opt_ins_in_window"));
        Assert.Equal(Changes(KeywordClass.Help), Kit.Long(summary, "help_requests_in_window"));

        // The state at the end of a window in the middle of the day.
        long noon = dayMs + 12 * 3_600_000L;
        var morning = await Kit.GetData(client, $"/api/v1/analytics/consent?from={Kit.At(0)}&to={Kit.At(720)}");
        var noonStates = contacts.Select(c => At(c, noon - 1)).Where(s => s is not null).Select(s => s!.Value.Code).ToList();
        Assert.Equal(noonStates.Count(c => c == 3), Kit.Long(morning, "stopped"));
        Assert.Equal(noonStates.Count(c => c == 1), Kit.Long(morning, "opted_in"));

        foreach (var contact in contacts.Take(5))
        {
            var one = await Kit.GetData(client, $"/api/v1/contacts/{Uri.EscapeDataString(contact)}/consent");
            var expected = At(contact, long.MaxValue);
            Assert.Equal(expected is { } e ? Name(e.Code) : "unknown", one["state"]!.GetValue<string>());
            Assert.Equal(keywords.Count(k => k.Contact == contact && ConsentKeywords.Code(ConsentKeywords.Classify(k.Text)) > 0),
                one["history"]!.AsArray().Count);
        }

        var violations = sends.Where(s => s.Direction != "inbound" && At(s.Contact, s.Ms) is { Code: >= 2 }).ToList();
        var compliance = await Kit.GetData(client, $"/api/v1/analytics/compliance?{Kit.DayWindow}");
        Assert.Equal(violations.Count, Kit.Long(compliance, "messages_to_opted_out_contacts"));
        Assert.Equal(violations.Select(v => v.Contact).Distinct().Count(), Kit.Long(compliance, "contacts_affected"));
        var examples = compliance["examples"]!.AsArray();
        Assert.Equal(Math.Min(violations.Count, ComplianceAnalysis.MaxExamples), examples.Count);
        foreach (var ex in examples)
        {
            var send = sends.Single(s => s.Id == ex!["item_id"]!.GetValue<string>());
            Assert.Equal(Name(At(send.Contact, send.Ms)!.Value.Code), ex!["state"]!.GetValue<string>());
        }
    }
}
