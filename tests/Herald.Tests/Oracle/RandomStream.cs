namespace Herald.Tests.Oracle;

/// <summary>
/// Random event streams with everything that makes exact metrics hard: duplicates (same event_id, or same
/// item+status+time without one), callbacks out of order, dimensions learned late or contradicted later,
/// earlier-than-known events, failures later followed by success, events invalid for their item's kind.
/// </summary>
public static class RandomStream
{
    private static readonly string[] Providers = ["twilio", "vonage", "meta", "sendgrid"];
    private static readonly string[] Channels = ["sms", "whatsapp", "email", "voice"];
    private static readonly string[] Campaigns = ["black-friday", "welcome", "otp-login"];
    private static readonly string[] Countries = ["US", "GB", "DE", "NG", "IN"];
    private static readonly string[] Agents = ["agt-ana", "agt-bo", "agt-chen"];
    private static readonly string[] Templates = ["order_update", "otp_code", "welcome_v2"];
    private static readonly string[] Recipients = ["+447700900123", "+4915112345678", "+14155550100", "+2348031234567"];

    public static List<TestEvent> Generate(int seed, string[] teams, int items, long startMs, long spanMs)
    {
        var rnd = new Random(seed);
        var events = new List<TestEvent>();
        var lattices = ReferenceModel.Lattices;
        var kinds = new[] { "message", "message", "message", "otp", "call", "parcel" };
        int eventSeq = 0;
        for (int n = 0; n < items; n++)
        {
            string team = teams[rnd.Next(teams.Length)];
            string kind = kinds[rnd.Next(kinds.Length)];
            string itemId = $"it-{n % (items / 2 + 1)}-{rnd.Next(3)}"; // some ids repeat across teams
            var statuses = lattices[kind].Keys.ToArray();
            long earliest = startMs + (long)(rnd.NextDouble() * spanMs);
            int count = 1 + rnd.Next(5);
            var usedTimes = new HashSet<long>();
            var itemEvents = new List<TestEvent>();
            string? provider = Pick(rnd, Providers), channel = Pick(rnd, Channels), campaign = Pick(rnd, Campaigns);
            string? country = rnd.Next(3) == 0 ? null : Pick(rnd, Countries);
            string? recipient = rnd.Next(2) == 0 ? Recipients[rnd.Next(Recipients.Length)] : null;
            // Parcels mostly name their agent, messages often their template; either may come late or be contradicted.
            string? agent = kind == "parcel" || rnd.Next(8) == 0 ? Pick(rnd, Agents) : null;
            string? template = kind is "message" or "otp" && rnd.Next(3) > 0 ? Pick(rnd, Templates) : null;
            for (int k = 0; k < count; k++)
            {
                string status = statuses[rnd.Next(statuses.Length)];
                long at;
                do
                {
                    // Mostly after the first event, sometimes before it (an earlier event arriving late).
                    at = earliest + (long)(rnd.NextDouble() < 0.1 ? -rnd.Next(1, 600_000) : Math.Exp(rnd.NextDouble() * 15));
                } while (!usedTimes.Add(at));
                bool first = k == 0;
                bool carriesDims = first ? rnd.NextDouble() < 0.6 : rnd.NextDouble() < 0.3; // late dims
                itemEvents.Add(new TestEvent(
                    team, itemId, status, at,
                    EventId: rnd.NextDouble() < 0.7 ? $"e{eventSeq++}" : null,
                    Kind: first || rnd.NextDouble() < 0.3 ? (rnd.NextDouble() < 0.03 ? "message" : kind) : null,
                    Account: carriesDims ? $"{team}-acct{rnd.Next(2)}" : null,
                    Channel: carriesDims ? channel : null,
                    Provider: carriesDims ? (rnd.NextDouble() < 0.1 ? Pick(rnd, Providers) : provider) : null,
                    Route: carriesDims && rnd.Next(2) == 0 ? "direct" : null,
                    Campaign: carriesDims ? campaign : null,
                    Country: carriesDims ? country : null,
                    Recipient: carriesDims ? recipient : null,
                    Direction: carriesDims ? (rnd.Next(10) == 0 ? "inbound" : "outbound") : null,
                    Agent: carriesDims && agent is not null ? (rnd.NextDouble() < 0.1 ? Pick(rnd, Agents) : agent) : null,
                    Template: carriesDims ? template : null,
                    Cost: rnd.NextDouble() < 0.4 ? Math.Round(rnd.NextDouble() * 0.05, 4) : null));
            }
            // Callbacks out of order: shuffle a third of the items' events.
            if (rnd.Next(3) == 0) Shuffle(rnd, itemEvents);
            events.AddRange(itemEvents);
        }
        // Interleave items: a local shuffle keeps most of the order but mixes neighbours.
        for (int i = 0; i < events.Count; i++)
        {
            int j = Math.Min(events.Count - 1, i + rnd.Next(20));
            (events[i], events[j]) = (events[j], events[i]);
        }
        // Duplicates: resend some events later, identically.
        int duplicates = events.Count / 12;
        for (int d = 0; d < duplicates; d++)
            events.Insert(rnd.Next(events.Count), events[rnd.Next(events.Count)]);
        return events;
    }

    private static string Pick(Random rnd, string[] values) => values[rnd.Next(values.Length)];

    private static void Shuffle<T>(Random rnd, List<T> list)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rnd.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
