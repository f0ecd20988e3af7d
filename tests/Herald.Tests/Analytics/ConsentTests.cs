using System.Net;
using Herald.Analytics.Consent;
using Herald.Tests.Api;

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
        var events = new List<object>();
        for (int i = 0; i < 160; i++)
        {
            string contact = $"+1415666{rng.Next(20):0000}";
            double minute = rng.Next(0, 1440) + rng.Next(60) / 60.0;
            if (rng.NextDouble() < 0.45)
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
            foreach (var k in inbound.Where(k => k.Contact == contact && k.Minute <= minute).OrderBy(k => k.Minute))
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
        Assert.Equal(inbound.Count, Kit.Long(inb, "messages"));
        Assert.Equal(contacts.Count, Kit.Long(inb, "unique_senders"));
        Assert.Equal(inbound.Count(k => ConsentKeywords.Classify(k.Text) == KeywordClass.Stop), Kit.Long(inb["keyword_classes"]!, "stop"));
        long peak = inbound.GroupBy(k => (int)(k.Minute / 60)).Max(g => g.Count());
        Assert.Equal(peak, Kit.Long(inb, "peak_hour_messages"));

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
}
