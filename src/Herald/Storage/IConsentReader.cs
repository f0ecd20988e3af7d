
namespace Herald.Storage;

/// <summary>
/// The text events (inbound messages) of a window, counted from the covering index of texts: how many, from how many
/// distinct senders, per UTC hour (hours since the epoch); and the short texts that came without a sender, which the
/// writer cannot record as consent changes (they still count in the keyword classes).
/// </summary>
public sealed record InboundCounts(long Messages, long UniqueSenders, IReadOnlyDictionary<long, long> ByHour, IReadOnlyList<string> ShortTextsWithoutSender);

/// <summary>
/// One consent change of a contact: a keyword it sent, as the writer recorded it (state code of <c>ConsentKeywords</c>;
/// 0 = help; <paramref name="Source"/> null), or a change recorded through the API (<paramref name="Keyword"/> null, its
/// <paramref name="Source"/>).
/// </summary>
public readonly record struct ConsentRow(long OccurredAtMs, int State, string? Keyword, string? Source);

/// <summary>
/// One stored item as <see cref="IConsentReader.ScanItemsByEarliest"/> reads it; <paramref name="recipient"/> is empty when
/// <paramref name="hasRecipient"/> is false, and valid only during the call.
/// </summary>
public delegate void ItemByEarliestVisitor(long itemRef, long earliestAtMs, int dimensionSetId, bool hasRecipient, ReadOnlySpan<char> recipient);

public interface IConsentReader
{
    /// <summary>Every state change of a team (help left out), in replay order per recipient: (recipient, time, state code).</summary>
    void ForEachConsentChange(int teamId, Action<string, long, int> visit);

    /// <summary>
    /// The team's stored items whose earliest event is in [from, to), in time order, from the covering index by earliest
    /// event (migration 16): no item row is read, and nothing is allocated per row.
    /// </summary>
    void ScanItemsByEarliest(int teamId, long fromMs, long toMs, ItemByEarliestVisitor visit);

    /// <summary>A contact's keywords before <paramref name="untilMs"/> (help included) in replay order: time, then restriction.</summary>
    IReadOnlyList<ConsentRow> ContactConsent(int teamId, string recipient, long untilMs);

    /// <summary>Contacts per state code as their last change before <paramref name="toMs"/> left them.</summary>
    IReadOnlyDictionary<int, long> ConsentStates(int teamId, long toMs);

    /// <summary>Changes per state code (0 = help) in [from, to): keywords and those recorded through the API.</summary>
    IReadOnlyDictionary<int, long> ConsentChanges(int teamId, long fromMs, long toMs);

    /// <summary>Keywords per state code (0 = help) in [from, to): the inbound texts that were keywords, nothing recorded through the API.</summary>
    IReadOnlyDictionary<int, long> ConsentKeywordsReceived(int teamId, long fromMs, long toMs);

    /// <summary>The item ids of stored rows.</summary>
    IReadOnlyDictionary<long, string> ItemIdsOf(IReadOnlyCollection<long> itemRefs);

    /// <summary>The text events of [from, to), counted.</summary>
    InboundCounts Inbound(int teamId, long fromMs, long toMs);

    /// <summary>The texts of the inbound messages of [from, to), in no particular order (each read from its event row).</summary>
    void ForEachInboundText(int teamId, long fromMs, long toMs, Action<string> visit);

    /// <summary>The inbound messages of [from, to) that name their sender: (time, sender), from the index of texts alone.</summary>
    void ForEachInboundSender(int teamId, long fromMs, long toMs, Action<long, string> visit);
}

/// <summary>Consent a contact gave or withdrew outside SMS keywords (a signup form, a web form), into the same timeline.</summary>
public interface IConsentStore
{
    /// <summary>Records a state change (<c>ConsentKeywords</c>' opt-in or opt-out code); false when the same change (contact, time, state) is already recorded.</summary>
    bool RecordConsent(int teamId, string recipient, long occurredAtMs, int state, string source);
}
