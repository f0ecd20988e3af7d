using System.Text.RegularExpressions;
using Herald.Engine;
using Herald.Tests.Api;

namespace Herald.Tests.Analytics;

/// <summary>Seed 003's inbound analytics (volume_metrics, content_analysis, response_patterns) against a brute-force pass over the posted stream.</summary>
public sealed class InboundPatternsTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private static readonly string[] Texts =
    [
        "STOP", "help", "START", "unsubscribe", "Where is my order?", "tracking number please", "my package never came", "Thanks!",
        "ok see you", "orderly queue", "What time?", "DELIVERY today?", "order #1234 status",
    ];

    private static readonly Regex OrderWord = new(@"\b(order|orders|ordered|track|tracking|shipment|shipping|shipped|delivery|deliver|delivered|package|parcel)\b",
        RegexOptions.IgnoreCase);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Inbound_volume_content_and_replies_match_a_replay(int seed)
    {
        var (_, client) = await shared.NewTeamAsync();
        var rng = new Random(seed);
        long day = Kit.Day.ToUnixTimeMilliseconds();
        string Ts(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        var inbound = new List<(string? Sender, long Ms, string Text)>();
        var outbound = new List<(string? Recipient, long Ms, string Kind)>();
        var events = new List<Dictionary<string, object?>>();
        var used = new HashSet<long>();
        long Unique(long ms)
        {
            while (!used.Add(ms)) ms++;
            return ms;
        }
        for (int i = 0; i < 260; i++)
        {
            string contact = $"+1628555{rng.Next(12):0000}";
            long ms = Unique(day + rng.Next(0, 24 * 60) * 60_000L + rng.Next(60_000));
            double roll = rng.NextDouble();
            if (roll < 0.45)
            {
                string text = Texts[rng.Next(Texts.Length)];
                string? sender = rng.NextDouble() < 0.08 ? null : contact;
                inbound.Add((sender, ms, text));
                events.Add(new() { ["item_id"] = $"in-{i}", ["kind"] = "message", ["status"] = "delivered", ["occurred_at"] = Ts(ms),
                    ["direction"] = "inbound", ["recipient"] = sender, ["text"] = text, ["channel"] = "sms" });
            }
            else
            {
                string kind = roll < 0.9 ? "message" : "otp";
                string? recipient = rng.NextDouble() < 0.05 ? null : contact;
                outbound.Add((recipient, ms, kind));
                events.Add(new() { ["item_id"] = $"out-{i}", ["kind"] = kind, ["status"] = "sent", ["occurred_at"] = Ts(ms),
                    ["direction"] = rng.Next(2) == 0 ? null : "outbound", ["recipient"] = recipient, ["channel"] = "sms" });
                // A late callback for some: the item's earliest event stays its first.
                if (rng.NextDouble() < 0.3)
                    events.Add(new() { ["item_id"] = $"out-{i}", ["kind"] = kind, ["status"] = "delivered", ["occurred_at"] = Ts(ms + 4_000) });
            }
        }
        var shuffled = events.OrderBy(_ => rng.Next()).Select(e => e.Where(p => p.Value is not null).ToDictionary()).ToList();
        for (int i = 0; i < shuffled.Count; i += 90) await Kit.Ingest(client, shuffled.Skip(i).Take(90).ToList());

        long from = day + 2 * 3_600_000L, to = day + 20 * 3_600_000L;
        var data = await Kit.GetData(client, $"/api/v1/analytics/inbound?from={Ts(from)}&to={Ts(to)}");

        var window = inbound.Where(m => m.Ms >= from && m.Ms < to).ToList();
        var volume = data["volume_metrics"]!;
        long senders = window.Where(m => m.Sender is not null).Select(m => m.Sender).Distinct().Count();
        Assert.Equal(window.Count, Kit.Long(volume, "total_inbound"));
        Assert.Equal(senders, Kit.Long(volume, "unique_senders"));
        Assert.Equal(Math.Round((double)window.Count / senders, 2), volume["messages_per_user_avg"]!.GetValue<double>());
        var peak = window.GroupBy(m => m.Ms / 3_600_000L).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First();
        Assert.Equal($"{peak.Key % 24:00}:00-{(peak.Key + 1) % 24:00}:00", volume["peak_hour"]!.GetValue<string>());
        Assert.Equal(peak.Count(), Kit.Long(volume, "peak_volume"));

        var classes = window.Select(m => ConsentKeywords.Classify(m.Text)).ToList();
        long stops = classes.Count(c => c is KeywordClass.Stop or KeywordClass.OptOut), help = classes.Count(c => c == KeywordClass.Help);
        long orders = window.Count(m => ConsentKeywords.Classify(m.Text) == KeywordClass.Other && OrderWord.IsMatch(m.Text));
        var content = data["content_analysis"]!;
        Assert.Equal((stops, help, orders, window.Count - stops - help - orders),
            (Kit.Long(content, "stop_requests"), Kit.Long(content, "help_requests"), Kit.Long(content, "order_inquiries"), Kit.Long(content, "general_messages")));
        Assert.Equal(Kit.Long(content, "stop_requests"), Kit.Long(content, "stop_commands"));
        Assert.Equal(Kit.Long(content, "general_messages"), Kit.Long(content, "general_responses"));
        Assert.True(orders > 0 && stops > 0);

        // Replies: the first inbound message from the recipient after the send, within 24 h and before its next send.
        var sends = outbound.Where(o => o.Kind == "message" && o.Recipient is not null).ToList();
        var delays = new List<long>();
        foreach (var s in sends.Where(s => s.Ms >= from && s.Ms < to))
        {
            long next = sends.Where(o => o.Recipient == s.Recipient && o.Ms > s.Ms).Select(o => o.Ms).DefaultIfEmpty(long.MaxValue).Min();
            var reply = inbound.Where(m => m.Sender == s.Recipient && m.Ms > s.Ms && m.Ms <= s.Ms + 86_400_000L && m.Ms < next)
                .Select(m => (long?)m.Ms).Min();
            if (reply is { } r) delays.Add(r - s.Ms);
        }
        long sent = sends.Count(s => s.Ms >= from && s.Ms < to);
        delays.Sort();
        var patterns = data["response_patterns"]!;
        Assert.Equal(sent, Kit.Long(patterns, "outbound_messages"));
        Assert.Equal(delays.Count, Kit.Long(patterns, "replies"));
        Assert.True(delays.Count > 3);
        Assert.Equal(Math.Round(delays.Count * 100.0 / sent, 4), patterns["reply_rate_percent"]!.GetValue<double>());
        double median = delays.Count % 2 == 1 ? delays[delays.Count / 2] : (delays[delays.Count / 2 - 1] + delays[delays.Count / 2]) / 2.0;
        Assert.Equal(Math.Round(median / 1000, 3), patterns["median_response_seconds"]!.GetValue<double>());
        Assert.Equal(delays.Count(d => d <= 300_000), Kit.Long(patterns, "immediate_responses"));
        Assert.Equal(delays.Count(d => d > 300_000), Kit.Long(patterns, "delayed_responses"));
        Assert.Equal(classes.Count(c => c != KeywordClass.Other), Kit.Long(patterns, "auto_reply_triggered"));

        // The earlier fields stand unchanged beside the seed's.
        Assert.Equal(window.Count, Kit.Long(data, "messages"));
        Assert.Equal(peak.Count(), Kit.Long(data, "peak_hour_messages"));

        // Another team sees none of it.
        var (_, other) = await shared.NewTeamAsync();
        var empty = await Kit.GetData(other, $"/api/v1/analytics/inbound?from={Ts(from)}&to={Ts(to)}");
        Assert.Equal(0, Kit.Long(empty["volume_metrics"]!, "total_inbound"));
        Assert.Equal(0, Kit.Long(empty["response_patterns"]!, "outbound_messages"));
        Assert.Null(empty["volume_metrics"]!["peak_hour"]);
    }
}
