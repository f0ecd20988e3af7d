namespace Herald.Engine;

/// <summary>What an inbound message's text asks for.</summary>
public enum KeywordClass { Other, Stop, OptOut, Start, Help }

/// <summary>
/// The opt-out and opt-in keywords carriers and providers honour (Twilio's defaults, CTIA's list): a message whose whole
/// text, trimmed and without surrounding punctuation, is one of them, in any case. STOP-family words (<c>STOP</c>,
/// <c>STOPALL</c>, <c>END</c>, <c>QUIT</c>, <c>CANCEL</c>) put a contact in <c>stopped</c> (the carrier blocks further sends);
/// <c>UNSUBSCRIBE</c>, <c>OPTOUT</c>, <c>REVOKE</c> in <c>opt-out</c>; <c>START</c>, <c>YES</c>, <c>UNSTOP</c>,
/// <c>SUBSCRIBE</c>, <c>OPTIN</c> back to <c>opt-in</c>; <c>HELP</c>, <c>INFO</c> ask for help and change nothing.
/// </summary>
public static class ConsentKeywords
{
    /// <summary>Longer texts are never keywords.</summary>
    public const int MaxKeywordLength = 16;

    /// <summary>
    /// Stored state codes of <c>consent_changes</c> (migration 14). Ordered by restriction: when two keywords of a contact
    /// carry the same time, the more restrictive one wins, so the state never depends on arrival order.
    /// </summary>
    public const int HelpCode = 0, OptInCode = 1, OptOutCode = 2, StoppedCode = 3;

    private static readonly Dictionary<string, KeywordClass> Words = new(StringComparer.OrdinalIgnoreCase)
    {
        ["STOP"] = KeywordClass.Stop, ["STOPALL"] = KeywordClass.Stop, ["END"] = KeywordClass.Stop, ["QUIT"] = KeywordClass.Stop,
        ["CANCEL"] = KeywordClass.Stop, ["UNSUBSCRIBE"] = KeywordClass.OptOut, ["OPTOUT"] = KeywordClass.OptOut,
        ["OPT-OUT"] = KeywordClass.OptOut, ["REVOKE"] = KeywordClass.OptOut, ["START"] = KeywordClass.Start, ["YES"] = KeywordClass.Start,
        ["UNSTOP"] = KeywordClass.Start, ["SUBSCRIBE"] = KeywordClass.Start, ["OPTIN"] = KeywordClass.Start, ["OPT-IN"] = KeywordClass.Start,
        ["HELP"] = KeywordClass.Help, ["INFO"] = KeywordClass.Help,
    };

    private static readonly Dictionary<string, KeywordClass>.AlternateLookup<ReadOnlySpan<char>> BySpan = Words.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly char[] Punctuation = ['.', '!', '?', ',', ';', ':', '"', '\'', ' '];

    public static KeywordClass Classify(string? text) => Classify(text, out _);

    /// <summary>The class of a text and its keyword as listed above (upper case); no allocation (the writer calls it per inbound text).</summary>
    public static KeywordClass Classify(string? text, out string? keyword)
    {
        keyword = null;
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxKeywordLength * 2) return KeywordClass.Other;
        var word = text.AsSpan().Trim().Trim(Punctuation);
        if (!BySpan.TryGetValue(word, out var canonical, out var c)) return KeywordClass.Other;
        keyword = canonical;
        return c;
    }

    public static string Name(KeywordClass c) => c switch
    {
        KeywordClass.Stop => "stop",
        KeywordClass.OptOut => "opt_out",
        KeywordClass.Start => "start",
        KeywordClass.Help => "help",
        _ => "other",
    };

    /// <summary>The consent state a keyword leaves a contact in; null when it changes nothing.</summary>
    public static string? StateAfter(KeywordClass c) => c switch
    {
        KeywordClass.Stop => "stopped",
        KeywordClass.OptOut => "opt-out",
        KeywordClass.Start => "opt-in",
        _ => null,
    };

    /// <summary>The stored code of a keyword class (<see cref="HelpCode"/> for help), or -1 for other texts.</summary>
    public static int Code(KeywordClass c) => c switch
    {
        KeywordClass.Stop => StoppedCode,
        KeywordClass.OptOut => OptOutCode,
        KeywordClass.Start => OptInCode,
        KeywordClass.Help => HelpCode,
        _ => -1,
    };

    /// <summary>The keyword class of a stored state code.</summary>
    public static KeywordClass ClassOf(int code) => code switch
    {
        StoppedCode => KeywordClass.Stop,
        OptOutCode => KeywordClass.OptOut,
        OptInCode => KeywordClass.Start,
        _ => KeywordClass.Help,
    };

    public static string StateName(int code) => code switch
    {
        StoppedCode => "stopped",
        OptOutCode => "opt-out",
        OptInCode => "opt-in",
        _ => "help",
    };
}
