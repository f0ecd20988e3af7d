namespace Herald.Tests.Oracle;

/// <summary>One event as the test sends it (null = field omitted).</summary>
public sealed record TestEvent(
    string Team, string ItemId, string Status, long OccurredMs, string? EventId = null, string? Kind = null,
    string? Account = null, string? Channel = null, string? Provider = null, string? Route = null, string? Campaign = null,
    string? Country = null, string? Recipient = null, string? Direction = null, double? Cost = null, string? ErrorCode = null, string? Agent = null, string? Template = null);

/// <summary>
/// A deliberately naive re-implementation of PRODUCT.md's semantics, written from the brief and not from
/// Herald's code: it keeps every accepted event and recomputes each answer by brute force.
/// </summary>
public sealed class ReferenceModel
{
    // The lattices of PRODUCT.md: rank per status per kind.
    private static readonly Dictionary<string, Dictionary<string, int>> Ranks = new()
    {
        ["message"] = new() { ["queued"] = 0, ["sent"] = 1, ["failed"] = 2, ["undelivered"] = 2, ["expired"] = 2, ["delivered"] = 3, ["read"] = 4, ["replied"] = 5 },
        ["otp"] = new() { ["pending"] = 0, ["sent"] = 1, ["failed"] = 2, ["expired"] = 2, ["delivered"] = 3 },
        ["call"] = new() { ["queued"] = 0, ["ringing"] = 1, ["busy"] = 2, ["no-answer"] = 2, ["failed"] = 2, ["canceled"] = 2, ["in-progress"] = 3, ["completed"] = 4 },
        ["parcel"] = new() { ["scheduled"] = 0, ["assigned"] = 1, ["in_transit"] = 2, ["failed"] = 3, ["cancelled"] = 3, ["completed"] = 4 },
    };
    private static readonly Dictionary<string, int> SuccessRank = new() { ["message"] = 3, ["otp"] = 3, ["call"] = 4, ["parcel"] = 4 };
    private static readonly HashSet<string> FailureStatuses = ["failed", "undelivered", "expired", "busy", "no-answer", "canceled", "cancelled"];

    public static IReadOnlyDictionary<string, Dictionary<string, int>> Lattices => Ranks;

    public sealed class Item
    {
        public required string Team;
        public required string Id;
        public required string Kind;
        public readonly List<TestEvent> Events = new();
        public readonly Dictionary<string, string> Dims = new();

        public long Earliest => Events.Min(e => e.OccurredMs);

        /// <summary>The event that gave the item its current status (its error code is the item's).</summary>
        public TestEvent StatusEvent => Events
            .OrderByDescending(e => Ranks[Kind][e.Status]).ThenByDescending(e => e.OccurredMs).First();

        public string Status => StatusEvent.Status;

        /// <summary>The first recipient an accepted event named, in arrival order.</summary>
        public string? Recipient => Events.Select(e => e.Recipient).FirstOrDefault(r => r is not null);

        public long? FirstSentMs => Events.Where(e => e.Status == "sent").Select(e => (long?)e.OccurredMs).Min();

        public long? FirstSuccessMs => Events.Where(e => Ranks[Kind][e.Status] >= SuccessRank[Kind]).Select(e => (long?)e.OccurredMs).Min();

        public string Outcome =>
            Ranks[Kind][Status] >= SuccessRank[Kind] ? "delivered" : FailureStatuses.Contains(Status) ? "failed" : "pending";

        public double? LatencyMs
        {
            get
            {
                if (FirstSuccessMs is not { } success) return null;
                return Math.Max(0, success - (FirstSentMs ?? Earliest));
            }
        }

        public double Cost => Events.Sum(e => e.Cost ?? 0);
    }

    private readonly HashSet<(string, string)> _keys = new();
    public readonly Dictionary<(string Team, string Item), Item> Items = new();

    /// <summary>Applies one event in arrival order; returns "accepted", "duplicate" or "rejected".</summary>
    public string Apply(TestEvent e)
    {
        Items.TryGetValue((e.Team, e.ItemId), out var item);
        // A new item without a stated kind: the first of message, otp, call, parcel whose lattice has the status.
        string kind = item?.Kind ?? e.Kind ?? new[] { "message", "otp", "call", "parcel" }.FirstOrDefault(k => Ranks[k].ContainsKey(e.Status)) ?? "message";
        if (e.Kind is not null && !Ranks[e.Kind].ContainsKey(e.Status)) return "rejected";
        if (!Ranks[kind].ContainsKey(e.Status)) return "rejected";
        string key = e.EventId ?? $"{e.ItemId}|{e.Status}|{e.OccurredMs}";
        if (!_keys.Add((e.Team, key))) return "duplicate";
        if (item is null) Items[(e.Team, e.ItemId)] = item = new Item { Team = e.Team, Id = e.ItemId, Kind = kind };
        item.Events.Add(e);
        void Fill(string dim, string? value)
        {
            if (value is not null) item.Dims.TryAdd(dim, value);
        }
        Fill("account", e.Account);
        Fill("channel", e.Channel);
        Fill("provider", e.Provider);
        Fill("route", e.Route);
        Fill("campaign", e.Campaign);
        Fill("country", e.Country ?? CountryOf(e.Recipient));
        Fill("direction", e.Direction);
        Fill("agent", e.Agent);
        Fill("template", e.Template);
        return "accepted";
    }

    public static string? CountryOf(string? recipient) => recipient switch
    {
        null => null,
        _ when recipient.StartsWith("+44") => "GB",
        _ when recipient.StartsWith("+49") => "DE",
        _ when recipient.StartsWith("+1415") => "US",
        _ when recipient.StartsWith("+234") => "NG",
        _ => null,
    };

    public static string? DimensionOf(Item item, string dimension) => dimension switch
    {
        "kind" => item.Kind,
        "team" => item.Team,
        _ => item.Dims.GetValueOrDefault(dimension),
    };

    public sealed record Expected(
        long Total, long Delivered, long Failed, long Pending, Dictionary<string, long> StatusBreakdown, long Events, double Cost,
        List<double> LatenciesMs);

    public Expected Compute(IEnumerable<string> teams, long fromMs, long toMs, IReadOnlyDictionary<string, string> filter)
    {
        var teamSet = teams.ToHashSet();
        var items = Items.Values.Where(i => teamSet.Contains(i.Team) && filter.All(f => DimensionOf(i, f.Key) == f.Value)).ToList();
        var cohort = items.Where(i => i.Earliest >= fromMs && i.Earliest < toMs).ToList();
        return new Expected(
            cohort.Count,
            cohort.Count(i => i.Outcome == "delivered"),
            cohort.Count(i => i.Outcome == "failed"),
            cohort.Count(i => i.Outcome == "pending"),
            cohort.GroupBy(i => i.Status).ToDictionary(g => g.Key, g => (long)g.Count()),
            items.Sum(i => i.Events.Count(e => e.OccurredMs >= fromMs && e.OccurredMs < toMs)),
            cohort.Sum(i => i.Cost),
            cohort.Where(i => i.LatencyMs is not null).Select(i => i.LatencyMs!.Value).OrderBy(x => x).ToList());
    }

    /// <summary>The nearest-rank percentile of sorted values.</summary>
    public static double Percentile(List<double> sorted, double p) => sorted[Math.Max(0, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];
}
