namespace Herald.Analytics.Consent;

/// <summary>A send made while its recipient was stopped or opted out: the change in force then, and when it came.</summary>
public readonly record struct ConsentHit(ConsentTimeline Contact, long ItemRef, string? ItemId, long AtMs, int State, long SinceMs);

/// <summary>A send inside its recipient's quiet window, under rule <see cref="Rule"/> of the question's <see cref="QuietRules"/>.</summary>
public readonly record struct QuietHit(string? Recipient, long ItemRef, string? ItemId, long AtMs, int Rule);

/// <summary>
/// What one stretch of a team's outbound sends (items by earliest event) holds for compliance: how many went to stopped or
/// opted-out contacts and to which, how many went inside quiet hours, and the first <see cref="MaxExamples"/> of each in
/// (time, recipient) order.
/// </summary>
public sealed class ComplianceTally
{
    public const int MaxExamples = 20;

    public long OptedOut { get; private set; }
    public long Quiet { get; private set; }
    /// <summary>The distinct contacts (<see cref="ConsentTimeline.Index"/>) of the opted-out sends.</summary>
    public List<int> Contacts { get; } = new();
    public List<ConsentHit> ConsentExamples { get; } = new();
    public List<QuietHit> QuietExamples { get; } = new();

    private HashSet<int>? _contacts = new();

    /// <summary>
    /// Counts a send to an opted-out contact. Sends must come in time order, except those with <paramref name="always"/>
    /// (the writer's pending items), which are kept as examples whatever their place until <see cref="Complete"/>.
    /// </summary>
    public void AddOptedOut(in ConsentHit hit, bool always)
    {
        OptedOut++;
        if (_contacts!.Add(hit.Contact.Index)) Contacts.Add(hit.Contact.Index);
        if (always || ConsentExamples.Count < MaxExamples) ConsentExamples.Add(hit);
    }

    public void AddQuiet(in QuietHit hit, bool always)
    {
        Quiet++;
        if (always || QuietExamples.Count < MaxExamples) QuietExamples.Add(hit);
    }

    /// <summary>Puts the examples in (time, recipient) order and keeps the first ones; the tally takes no more sends.</summary>
    public ComplianceTally Complete()
    {
        ConsentExamples.Sort((a, b) => a.AtMs != b.AtMs ? a.AtMs.CompareTo(b.AtMs) : string.CompareOrdinal(a.Contact.Recipient, b.Contact.Recipient));
        QuietExamples.Sort((a, b) => a.AtMs != b.AtMs ? a.AtMs.CompareTo(b.AtMs) : string.CompareOrdinal(a.Recipient, b.Recipient));
        if (ConsentExamples.Count > MaxExamples) ConsentExamples.RemoveRange(MaxExamples, ConsentExamples.Count - MaxExamples);
        if (QuietExamples.Count > MaxExamples) QuietExamples.RemoveRange(MaxExamples, QuietExamples.Count - MaxExamples);
        _contacts = null;
        return this;
    }
}
