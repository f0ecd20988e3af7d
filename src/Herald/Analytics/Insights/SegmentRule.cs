using System.Text.Json;
using Herald.Analytics.Consent;
using Herald.Api;
using Herald.Domain;
using Herald.Engine;
using Herald.Storage;

namespace Herald.Analytics.Insights;

/// <summary>
/// Who a segment holds: an explicit list of recipients (<c>{"recipients": [...]}</c>), or a filter on contact attributes
/// (<c>{"filter": {"city": [...], "tier": [...], "consent": [...], "time_zone": [...], "signed_up_from": t, "signed_up_to": t}}</c>).
/// A filter's given criteria must all hold (each list: one of its values); the sign-up range is [from, to). Consent states:
/// <c>opt-in</c>, <c>opt-out</c>, <c>stopped</c>, or <c>unknown</c> for a contact that never sent a state keyword.
/// </summary>
public sealed class SegmentRule
{
    /// <summary>The consent state of a recipient without a state keyword.</summary>
    public const string NoConsentState = "unknown";
    public const int MaxRecipients = 100_000;
    private static readonly string[] KnownConsentStates = [ConsentKeywords.StateName(ConsentKeywords.OptInCode),
        ConsentKeywords.StateName(ConsentKeywords.OptOutCode), ConsentKeywords.StateName(ConsentKeywords.StoppedCode), NoConsentState];

    public IReadOnlySet<string>? Recipients { get; private init; }
    public IReadOnlySet<string>? Cities { get; private init; }
    public IReadOnlySet<string>? Tiers { get; private init; }
    public IReadOnlySet<string>? ConsentStates { get; private init; }
    public IReadOnlySet<string>? Zones { get; private init; }
    public long? SignedUpFromMs { get; private init; }
    public long? SignedUpToMs { get; private init; }

    /// <summary>Whether the rule needs the contacts' consent state.</summary>
    public bool UsesConsent => ConsentStates is not null;

    /// <summary>Whether the rule names a contact attribute (city, tier, time zone, sign-up): then only contacts can match it.</summary>
    public bool UsesContactAttributes => Cities is not null || Tiers is not null || Zones is not null || SignedUpFromMs is not null || SignedUpToMs is not null;

    /// <summary>Whether a recipient with this contact record (or none) and consent state belongs to the segment.</summary>
    public bool Matches(string recipient, ContactRecord? contact, string consentState)
    {
        if (Recipients is not null) return Recipients.Contains(recipient);
        if (Cities is not null && (contact?.City is not { } city || !Cities.Contains(city))) return false;
        if (Tiers is not null && (contact?.Tier is not { } tier || !Tiers.Contains(tier))) return false;
        if (Zones is not null && (contact?.TimeZone is not { } zone || !Zones.Contains(zone))) return false;
        if (ConsentStates is not null && !ConsentStates.Contains(consentState)) return false;
        if (SignedUpFromMs is not null || SignedUpToMs is not null)
        {
            if (contact?.SignedUpAtMs is not { } at) return false;
            if (at < (SignedUpFromMs ?? long.MinValue) || at >= (SignedUpToMs ?? long.MaxValue)) return false;
        }
        return true;
    }

    /// <summary>The consent state in force for a recipient at <paramref name="atMs"/> (<see cref="NoConsentState"/> without one, or without <paramref name="consent"/>).</summary>
    public static string ConsentStateOf(TeamConsent? consent, string recipient, long atMs)
    {
        if (consent?.Of(recipient) is not { } timeline) return NoConsentState;
        int position = timeline.InForce(atMs);
        return position < 0 ? NoConsentState : ConsentKeywords.StateName(timeline.StateOf(position));
    }

    /// <summary>Parses a stored or requested rule; a bad rule is a <see cref="BadParameterException"/> naming the field under <c>rule</c>.</summary>
    public static SegmentRule Parse(JsonElement rule)
    {
        if (rule.ValueKind != JsonValueKind.Object) throw new BadParameterException("rule", "must be an object with recipients or filter");
        bool hasList = rule.TryGetProperty("recipients", out var list), hasFilter = rule.TryGetProperty("filter", out var filter);
        if (hasList == hasFilter) throw new BadParameterException("rule", "give exactly one of recipients or filter");
        foreach (var p in rule.EnumerateObject())
            if (p.Name is not ("recipients" or "filter")) throw new BadParameterException("rule." + p.Name, "is not a rule field (recipients, filter)");
        if (hasList)
        {
            var recipients = Strings(list, "rule.recipients", Identifier.MaxDimensionLength);
            if (recipients.Count > MaxRecipients) throw new BadParameterException("rule.recipients", $"at most {MaxRecipients} recipients");
            return new SegmentRule { Recipients = recipients };
        }
        if (filter.ValueKind != JsonValueKind.Object) throw new BadParameterException("rule.filter", "must be an object");
        IReadOnlySet<string>? cities = null, tiers = null, consent = null, zones = null;
        long? from = null, to = null;
        foreach (var p in filter.EnumerateObject())
        {
            string field = "rule.filter." + p.Name;
            switch (p.Name)
            {
                case "city": cities = Strings(p.Value, field, 200); break;
                case "tier": tiers = Strings(p.Value, field, 200); break;
                case "time_zone":
                    zones = Strings(p.Value, field, 64);
                    foreach (var z in zones)
                        if (Herald.Analytics.Consent.TimeZones.Find(z) is null) throw new BadParameterException(field, $"'{z}' is not an IANA time zone");
                    break;
                case "consent":
                    consent = Strings(p.Value, field, 16);
                    foreach (var s in consent)
                        if (Array.IndexOf(KnownConsentStates, s) < 0) throw new BadParameterException(field, $"'{s}' is not one of {string.Join(", ", KnownConsentStates)}");
                    break;
                case "signed_up_from": from = Instant(p.Value, field); break;
                case "signed_up_to": to = Instant(p.Value, field); break;
                default: throw new BadParameterException(field, "is not a filter field (city, tier, consent, time_zone, signed_up_from, signed_up_to)");
            }
        }
        if (cities is null && tiers is null && consent is null && zones is null && from is null && to is null)
            throw new BadParameterException("rule.filter", "must name at least one criterion");
        if (from is { } f && to is { } t && f >= t) throw new BadParameterException("rule.filter.signed_up_from", "must be earlier than signed_up_to");
        return new SegmentRule { Cities = cities, Tiers = tiers, ConsentStates = consent, Zones = zones, SignedUpFromMs = from, SignedUpToMs = to };
    }

    /// <summary>A JSON string's text; one escaping a lone surrogate (not text) is a <see cref="BadParameterException"/> naming the field.</summary>
    public static string Text(JsonElement value, string field)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new BadParameterException(field, "is not valid Unicode text");
        }
    }

    private static HashSet<string> Strings(JsonElement value, string field, int maxLength)
    {
        if (value.ValueKind != JsonValueKind.Array) throw new BadParameterException(field, "must be a list of strings");
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in value.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.String || Text(e, field).Trim() is not { Length: > 0 } s) throw new BadParameterException(field, "must hold non-empty strings");
            if (s.Length > maxLength) throw new BadParameterException(field, $"values of at most {maxLength} characters");
            set.Add(s);
        }
        if (set.Count == 0) throw new BadParameterException(field, "must name at least one value");
        return set;
    }

    private static long Instant(JsonElement value, string field)
    {
        if (value.ValueKind != JsonValueKind.String || !Timestamp.TryParse(Text(value, field), null, out var t))
            throw new BadParameterException(field, "must be an RFC 3339 time with a time zone");
        return t.Value.ToUnixTimeMilliseconds();
    }
}
