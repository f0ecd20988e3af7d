namespace Herald.Storage;

/// <summary>An event that carried a text (an inbound message): who sent it, when, and what.</summary>
public readonly record struct TextEvent(string? Recipient, long OccurredAtMs, string Text);

public interface IConsentReader
{
    /// <summary>Short texts (possible keywords) before <paramref name="untilMs"/>, oldest first; of one recipient when named.</summary>
    IReadOnlyList<TextEvent> KeywordEvents(int teamId, long untilMs, string? recipient = null);

    /// <summary>Every text event of the window.</summary>
    IReadOnlyList<TextEvent> InboundTexts(int teamId, long fromMs, long toMs);
}

/// <summary>The contacts (distinct recipients) of a team's stored items.</summary>
public interface IContactReader
{
    long CountRecipients(int teamId);
    bool RecipientKnown(int teamId, string recipient);
}
