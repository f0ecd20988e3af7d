namespace Herald.Storage;

/// <summary>
/// The text events (inbound messages) of a window, counted from the covering index of texts: how many, from how many
/// distinct senders, per UTC hour (hours since the epoch); and the short texts that came without a sender, which the
/// writer cannot record as consent changes (they still count in the keyword classes).
/// </summary>
public sealed record InboundCounts(long Messages, long UniqueSenders, IReadOnlyDictionary<long, long> ByHour, IReadOnlyList<string> ShortTextsWithoutSender);

/// <summary>One keyword a contact sent, as the writer recorded it (state code of <c>ConsentKeywords</c>; 0 = help).</summary>
public readonly record struct ConsentRow(long OccurredAtMs, int State, string Keyword);

/// <summary>A stored item whose earliest event fell while its recipient was stopped or opted out, with that state.</summary>
public readonly record struct OptedOutItem(string Recipient, long ItemRef, long EarliestAtMs, int DimensionSetId, int State, long StateSinceMs);

/// <summary>A stored item of a recipient (row id, earliest event, dimension set), from the covering recipient index.</summary>
public readonly record struct ContactItem(string Recipient, long ItemRef, long EarliestAtMs, int DimensionSetId);

public interface IConsentReader
{
    /// <summary>A contact's keywords before <paramref name="untilMs"/> (help included) in replay order: time, then restriction.</summary>
    IReadOnlyList<ConsentRow> ContactConsent(int teamId, string recipient, long untilMs);

    /// <summary>Contacts per state code as their last change before <paramref name="toMs"/> left them.</summary>
    IReadOnlyDictionary<int, long> ConsentStates(int teamId, long toMs);

    /// <summary>Keywords per state code (0 = help) in [from, to).</summary>
    IReadOnlyDictionary<int, long> ConsentChanges(int teamId, long fromMs, long toMs);

    /// <summary>State changes (help left out) of the named recipients, in replay order per recipient.</summary>
    IReadOnlyDictionary<string, List<ConsentRow>> ConsentOf(int teamId, IReadOnlyCollection<string> recipients);

    /// <summary>
    /// Per recipient, the stored items whose earliest event is in [from, to) and fell while it was stopped or opted out,
    /// leaving out items of <paramref name="inboundSets"/> and the rows <paramref name="skip"/> names.
    /// </summary>
    IReadOnlyDictionary<string, long> CountOptedOutItems(int teamId, long fromMs, long toMs, IReadOnlyCollection<int> inboundSets, IReadOnlyCollection<long> skip);

    /// <summary>Up to <paramref name="limit"/> of the items <see cref="CountOptedOutItems"/> counts, with the state they met.</summary>
    IReadOnlyList<OptedOutItem> OptedOutItems(int teamId, long fromMs, long toMs, IReadOnlyCollection<int> inboundSets, IReadOnlyCollection<long> skip, int limit);

    /// <summary>The item ids of stored rows.</summary>
    IReadOnlyDictionary<long, string> ItemIdsOf(IReadOnlyCollection<long> itemRefs);

    /// <summary>The text events of [from, to), counted.</summary>
    InboundCounts Inbound(int teamId, long fromMs, long toMs);
}

/// <summary>The contacts (distinct recipients) of a team's stored items.</summary>
public interface IContactReader
{
    long CountRecipients(int teamId);
    bool RecipientKnown(int teamId, string recipient);
}
