namespace Herald.Domain;

/// <summary>The instants answers carry (the API writes them with <c>InstantJsonConverter</c>), from the store's Unix milliseconds.</summary>
public static class Instants
{
    public static DateTimeOffset At(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);

    public static DateTimeOffset? At(long? unixMs) => unixMs is { } ms ? At(ms) : null;

    /// <summary>The instant without its fraction of a second, for fields the API has always given to the second.</summary>
    public static DateTimeOffset ToSecond(DateTimeOffset t) => At(t.ToUnixTimeMilliseconds() / 1000 * 1000);
}
