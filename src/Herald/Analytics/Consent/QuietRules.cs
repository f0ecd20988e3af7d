using Herald.Storage;

namespace Herald.Analytics.Consent;

/// <summary>
/// The quiet-hours rules of one team at one moment: the team's and each contact's own (<see cref="QuietRule"/>), numbered,
/// with the minutes of each hour that each rule makes quiet as a 60-bit mask, so judging a send is a lookup and a bit test.
/// <see cref="Fingerprint"/> changes whenever a rule does (a kept answer computed under other rules is not used).
/// Built for one question; after <see cref="Prepare"/> its scans may read it from several threads.
/// </summary>
public sealed class QuietRules
{
    /// <summary>A distinct rule: a zone and a window, and whether it is a contact's own ("contact") or the team's ("team").</summary>
    public sealed record Rule(string ZoneId, TimeZoneInfo Zone, QuietWindow Window, string Setting);

    private readonly List<Rule> _rules = new();
    private readonly Dictionary<string, int> _ownRule = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _ownBySpan;
    private readonly Dictionary<long, ulong[]> _masks = new();

    public QuietRules(ComplianceSettingsRecord? teamSettings, IReadOnlyList<ContactRecord> contacts)
    {
        _ownBySpan = _ownRule.GetAlternateLookup<ReadOnlySpan<char>>();
        Team = QuietRule.OfTeam(teamSettings);
        var numbers = new Dictionary<(string, QuietWindow, string), int>();
        int NumberOf(QuietRule rule, string setting)
        {
            if (rule.Window is not { } window) return -1;
            if (!numbers.TryGetValue((rule.ZoneId, window, setting), out int n))
            {
                numbers[(rule.ZoneId, window, setting)] = n = _rules.Count;
                _rules.Add(new Rule(rule.ZoneId, rule.Zone, window, setting));
            }
            return n;
        }
        TeamRule = NumberOf(Team, "team");
        ulong hash = Fnv(FnvOffset, Team);
        foreach (var c in contacts)
        {
            if (!c.HasOwnSettings) continue; // a contact with attributes only follows the team's rule
            var rule = QuietRule.For(c, Team);
            _ownRule[c.Recipient] = NumberOf(rule, "contact");
            hash = Fnv(Fnv(hash, c.Recipient), rule);
        }
        Fingerprint = (long)hash;
    }

    // 64-bit FNV-1a over the rules' text: two different rule sets share a fingerprint with odds of about 2^-64.
    private const ulong FnvOffset = 14695981039346656037, FnvPrime = 1099511628211;

    private static ulong Fnv(ulong hash, string text)
    {
        foreach (char ch in text) hash = (hash ^ ch) * FnvPrime;
        return (hash ^ 0xFFFF) * FnvPrime; // a separator, so "ab"+"c" differs from "a"+"bc"
    }

    private static ulong Fnv(ulong hash, QuietRule rule) =>
        Fnv(hash, rule.Window is { } w ? $"{rule.ZoneId}|{w.StartMinute}|{w.EndMinute}" : rule.ZoneId + "|-");

    public QuietRule Team { get; }
    /// <summary>The team rule's number, or -1 when the team has no quiet window.</summary>
    public int TeamRule { get; }
    public int ContactsWithOwnSettings => _ownRule.Count;
    public long Fingerprint { get; }

    public Rule this[int number] => _rules[number];

    /// <summary>The number of the rule in force for a send to <paramref name="recipient"/> (-1: never quiet).</summary>
    public int RuleOf(bool hasRecipient, ReadOnlySpan<char> recipient) =>
        hasRecipient && _ownBySpan.TryGetValue(recipient, out int own) ? own : TeamRule;

    /// <summary>
    /// Works out the masks of every hour of [<paramref name="fromMinute"/>, <paramref name="toMinute"/>) (Unix minutes, from
    /// on an hour), so that <see cref="MasksOf"/> only reads afterwards and may be called from several threads.
    /// </summary>
    public void Prepare(long fromMinute, long toMinute)
    {
        for (long hour = fromMinute; hour < toMinute; hour += 60)
        {
            if (_masks.ContainsKey(hour)) continue;
            var masks = new ulong[_rules.Count];
            for (int n = 0; n < _rules.Count; n++)
                foreach (var (start, end) in TimeZones.QuietRanges(_rules[n].Zone, _rules[n].Window, hour, hour + 60))
                    for (long m = start; m < end; m++) masks[n] |= 1UL << (int)(m - hour);
            _masks[hour] = masks;
        }
    }

    /// <summary>For each rule, the minutes of a prepared hour (Unix minutes) it makes quiet: bit i is minute i of the hour.</summary>
    public ulong[] MasksOf(long hourMinute) =>
        _masks.TryGetValue(hourMinute, out var masks) ? masks : throw new InvalidOperationException($"hour {hourMinute} was not prepared");
}
