namespace Herald.Storage;

/// <summary>
/// The idempotency key of a raw event: the caller's event_id, or, when none was given, one made of the
/// item, status and time. Synthetic keys start with a control character that an event_id may not contain.
/// </summary>
public static class EventKeys
{
    public const string SyntheticPrefix = "\u001F";

    public static string Synthetic(long itemRef, int status, long occurredAtMs) =>
        string.Create(null, stackalloc char[64], $"{SyntheticPrefix}{itemRef}:{status}:{occurredAtMs}");
}
