namespace Herald.Engine;

public enum EventOutcomeKind : byte
{
    Accepted,
    Duplicate,
    Rejected,
}

/// <summary>What became of one event of a request.</summary>
public readonly record struct EventOutcome(EventOutcomeKind Kind, string? Error = null)
{
    public static readonly EventOutcome Accepted = new(EventOutcomeKind.Accepted);
    public static readonly EventOutcome Duplicate = new(EventOutcomeKind.Duplicate);
    public static EventOutcome Rejected(string error) => new(EventOutcomeKind.Rejected, error);
}
