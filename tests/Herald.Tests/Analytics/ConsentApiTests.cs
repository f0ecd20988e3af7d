using System.Net;
using Herald.Engine;
using Herald.Tests.Api;
using Herald.Tests.Support;

namespace Herald.Tests.Analytics;

/// <summary>
/// Consent given outside SMS keywords (<c>POST /api/v1/contacts/{recipient}/consent</c>) and seed 003's consent analytics,
/// against brute-force replays of what the test posted.
/// </summary>
public sealed class ConsentApiTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private const string Contact = "+14155550001";
    private static readonly string ContactPath = $"/api/v1/contacts/{Uri.EscapeDataString(Contact)}/consent";

    private static Dictionary<string, object?> Send(string id, double minute, string recipient) => new()
    {
        ["item_id"] = id, ["kind"] = "message", ["status"] = "sent", ["occurred_at"] = Kit.At(minute), ["direction"] = "outbound",
        ["recipient"] = recipient, ["channel"] = "sms",
    };

    private static Dictionary<string, object?> Inbound(string id, double minute, string recipient, string text) => new()
    {
        ["item_id"] = id, ["kind"] = "message", ["status"] = "delivered", ["occurred_at"] = Kit.At(minute), ["direction"] = "inbound",
        ["recipient"] = recipient, ["text"] = text, ["channel"] = "sms",
    };

    private static Task<HttpResponseMessage> Record(HttpClient client, object body, string path = "") =>
        client.PostAsync(path == "" ? ContactPath : path, HeraldServer.Json(body));

    private static async Task<long> OptedOutSends(HttpClient client) =>
        Kit.Long(await Kit.GetData(client, $"/api/v1/analytics/compliance?{Kit.DayWindow}"), "messages_to_opted_out_contacts");

    [Fact]
    public async Task Recorded_consent_joins_the_keyword_timeline_and_compliance_at_once()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.Ingest(client, new List<object>
        {
            Inbound("in-1", 30, Contact, "START"), Send("out-1", 60, Contact), Send("out-2", 180, Contact), Send("out-3", 300, Contact),
        });
        // The day's hours are judged (and kept) before the opt-out is recorded.
        Assert.Equal(0, await OptedOutSends(client));

        var created = await Record(client, new { state = "opt-out", source = "web_form", occurred_at = Kit.At(120) });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var contact = await HeraldServer.ReadData(created);
        Assert.Equal("opt-out", contact["state"]!.GetValue<string>());
        var history = contact["history"]!.AsArray();
        Assert.Equal(2, history.Count);
        Assert.Equal(("opt-in", "START", "inbound_keyword"), (history[0]!["state"]!.GetValue<string>(), history[0]!["keyword"]!.GetValue<string>(),
            history[0]!["source"]!.GetValue<string>()));
        Assert.Equal(("opt-out", "web_form", Kit.At(120)), (history[1]!["state"]!.GetValue<string>(), history[1]!["source"]!.GetValue<string>(),
            history[1]!["at"]!.GetValue<string>()));
        Assert.Null(history[1]!["keyword"]);
        // Sends at 180 and 300 minutes now went to an opted-out contact: the kept hours after 120 were judged again.
        Assert.Equal(2, await OptedOutSends(client));

        // The same change again changes nothing.
        var again = await Record(client, new { state = "opt_out", source = "web_form", occurred_at = Kit.At(120) });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(2, (await HeraldServer.ReadData(again))["history"]!.AsArray().Count);

        // An opt-in at signup later: the send at 300 is fine again.
        Assert.Equal(HttpStatusCode.Created, (await Record(client, new { state = "opt-in", source = "signup_form", occurred_at = Kit.At(240) })).StatusCode);
        Assert.Equal(1, await OptedOutSends(client));
        var compliance = await Kit.GetData(client, $"/api/v1/analytics/compliance?{Kit.DayWindow}");
        Assert.Equal("out-2", compliance["examples"]![0]!["item_id"]!.GetValue<string>());

        var summary = await Kit.GetData(client, $"/api/v1/analytics/consent?{Kit.DayWindow}");
        Assert.Equal((1, 0), (Kit.Long(summary, "opted_in"), Kit.Long(summary, "opted_out")));
        Assert.Equal((2, 1), (Kit.Long(summary, "opt_ins_in_window"), Kit.Long(summary, "opt_outs_in_window")));
        // Inbound analytics count the keywords the contact sent, not what was recorded for it.
        var inbound = await Kit.GetData(client, $"/api/v1/analytics/inbound?{Kit.DayWindow}");
        Assert.Equal((1, 0), (Kit.Long(inbound["keyword_classes"]!, "start"), Kit.Long(inbound["keyword_classes"]!, "opt_out")));
        Assert.Equal(1, Kit.Long(inbound, "messages"));
    }

    [Fact]
    public async Task Bad_consent_is_refused_naming_the_field_and_stores_nothing()
    {
        var (_, client) = await shared.NewTeamAsync();
        await Kit.AssertError(await Record(client, new { state = "maybe", source = "form" }), HttpStatusCode.BadRequest, "state");
        await Kit.AssertError(await Record(client, new { state = "stopped", source = "form" }), HttpStatusCode.BadRequest, "state");
        await Kit.AssertError(await Record(client, new { source = "form" }), HttpStatusCode.BadRequest, "state");
        await Kit.AssertError(await Record(client, new { state = "opt-in" }), HttpStatusCode.BadRequest, "source");
        await Kit.AssertError(await Record(client, new { state = "opt-in", source = "a\nb" }), HttpStatusCode.BadRequest, "source");
        await Kit.AssertError(await Record(client, new { state = "opt-in", source = new string('s', 65) }), HttpStatusCode.BadRequest, "source");
        await Kit.AssertError(await Record(client, new { state = "opt-in", source = "form", occurred_at = "2026-11-22 10:00" }), HttpStatusCode.BadRequest, "occurred_at");
        await Kit.AssertError(await Record(client, new { state = "opt-in", source = "form", occurred_at = Kit.Format(DateTimeOffset.UtcNow.AddDays(2)) }),
            HttpStatusCode.BadRequest, "occurred_at");
        await Kit.AssertError(await Record(client, new { state = "opt-in", source = "form", reason = "x" }), HttpStatusCode.BadRequest, "reason");
        await Kit.AssertError(await Record(client, new { state = "opt-in", source = "form" }, "/api/v1/contacts/" + new string('9', 129) + "/consent"),
            HttpStatusCode.BadRequest, "recipient");
        await Kit.AssertError(await client.PostAsync(ContactPath, HeraldServer.Json("[1]")), HttpStatusCode.BadRequest, "body");
        var state = await Kit.GetData(client, ContactPath);
        Assert.Equal("unknown", state["state"]!.GetValue<string>());
        Assert.Empty(state["history"]!.AsArray());

        // Recording needs events:write; another team never sees it.
        var (_, reader) = await shared.NewTeamAsync("metrics:read");
        await Kit.AssertError(await Record(reader, new { state = "opt-in", source = "form" }), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Created, (await Record(client, new { state = "opt-out", source = "form" })).StatusCode);
        var (_, other) = await shared.NewTeamAsync();
        Assert.Equal("unknown", (await Kit.GetData(other, ContactPath))["state"]!.GetValue<string>());
        Assert.Equal("opt-out", (await Kit.GetData(client, ContactPath))["state"]!.GetValue<string>());
    }

    /// <summary>Seed 003's consent_analytics: states at the window's end, their shares, opt-outs of the last two days and STOPs of the last.</summary>
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public async Task Consent_rates_and_trends_match_a_replay(int seed)
    {
        var (_, client) = await shared.NewTeamAsync();
        var rng = new Random(seed);
        string[] words = ["STOP", "START", "UNSUBSCRIBE", "HELP", "quit", "yes"];
        double to = 22 * 60;
        // (contact, minute, state code, from a keyword)
        var changes = new List<(string Contact, double Minute, int Code, bool Keyword)>();
        var events = new List<object>();
        for (int i = 0; i < 150; i++)
        {
            string contact = $"+1415777{rng.Next(25):0000}";
            double minute = rng.Next((int)to - 2880, (int)to + 60) + i / 60.0; // distinct seconds; some after the window's end
            if (rng.NextDouble() < 0.6)
            {
                string text = words[rng.Next(words.Length)];
                events.Add(Inbound($"in-{i}", minute, contact, text));
                changes.Add((contact, minute, ConsentKeywords.Code(ConsentKeywords.Classify(text)), true));
            }
            else
            {
                bool optIn = rng.Next(2) == 0;
                var r = await Record(client, new { state = optIn ? "opt-in" : "opt-out", source = "crm", occurred_at = Kit.At(minute) },
                    $"/api/v1/contacts/{Uri.EscapeDataString(contact)}/consent");
                Assert.Equal(HttpStatusCode.Created, r.StatusCode);
                changes.Add((contact, minute, optIn ? ConsentKeywords.OptInCode : ConsentKeywords.OptOutCode, false));
            }
        }
        await Kit.Ingest(client, events);

        var states = changes.Where(c => c.Code > 0 && c.Minute < to).GroupBy(c => c.Contact)
            .Select(g => g.OrderBy(c => c.Minute).ThenBy(c => c.Code).Last().Code).ToList();
        long withConsent = states.Count;
        double Rate(int code) => withConsent == 0 ? 0 : Math.Round(states.Count(s => s == code) * 100.0 / withConsent, 4);
        long OptOuts(double from, double until) => changes.Count(c => c.Minute >= from && c.Minute < until && c.Code >= ConsentKeywords.OptOutCode);
        long today = OptOuts(to - 1440, to), yesterday = OptOuts(to - 2880, to - 1440);

        var data = await Kit.GetData(client, $"/api/v1/analytics/consent?from={Kit.At(to - 600)}&to={Kit.At(to)}");
        var analytics = data["consent_analytics"]!;
        Assert.Equal(states.Count(s => s == 1), Kit.Long(analytics, "opt_in_users"));
        Assert.Equal(states.Count(s => s == 2), Kit.Long(analytics, "opt_out_users"));
        Assert.Equal(states.Count(s => s == 3), Kit.Long(analytics, "stop_users"));
        var rates = analytics["consent_rates"]!;
        Assert.Equal(Rate(1), rates["opt_in_rate"]!.GetValue<double>());
        Assert.Equal(Rate(2), rates["opt_out_rate"]!.GetValue<double>());
        Assert.Equal(Rate(3), rates["stop_rate"]!.GetValue<double>());
        Assert.Equal(data["opt_in_rate_percent"]!.GetValue<double>(), rates["opt_in_rate"]!.GetValue<double>());
        var trends = analytics["consent_trends"]!;
        Assert.Equal(today, Kit.Long(trends["daily_opt_outs"]!, "today"));
        Assert.Equal(yesterday, Kit.Long(trends["daily_opt_outs"]!, "yesterday"));
        double change = yesterday == 0 ? (today == 0 ? 0 : 100) : (today - yesterday) * 100.0 / yesterday;
        Assert.Equal(Math.Abs(change) <= 5 ? "stable" : change > 0 ? "worsening" : "improving", trends["daily_opt_outs"]!["trend"]!.GetValue<string>());
        Assert.Equal(changes.Count(c => c.Keyword && c.Code == ConsentKeywords.StoppedCode && c.Minute >= to - 1440 && c.Minute < to),
            Kit.Long(trends, "stop_commands_24h"));
    }
}
