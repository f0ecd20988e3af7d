namespace Herald.Storage;

/// <summary>An event that carried a text (an inbound message): who sent it, when, and what.</summary>
public readonly record struct TextEvent(string? Recipient, long OccurredAtMs, string Text);

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

    /// <summary>Stored items whose earliest event is in [from, to) and fell while their recipient was stopped or opted out.</summary>
    void ForEachOptedOutItem(int teamId, long fromMs, long toMs, Action<OptedOutItem> visit);

    /// <summary>The item ids of stored rows.</summary>
    IReadOnlyDictionary<long, string> ItemIdsOf(IReadOnlyCollection<long> itemRefs);

    /// <summary>Every text event of the window.</summary>
    IReadOnlyList<TextEvent> InboundTexts(int teamId, long fromMs, long toMs);
}

/// <summary>The contacts (distinct recipients) of a team's stored items.</summary>
public interface IContactReader
{
    long CountRecipients(int teamId);
    bool RecipientKnown(int teamId, string recipient);
}
