namespace Herald.Analytics.Consent;

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
    /// <summary>Longer texts are never keywords; the keyword index holds only texts this short.</summary>
    public const int MaxKeywordLength = 16;

    private static readonly Dictionary<string, KeywordClass> Words = new(StringComparer.OrdinalIgnoreCase)
    {
        ["STOP"] = KeywordClass.Stop, ["STOPALL"] = KeywordClass.Stop, ["END"] = KeywordClass.Stop, ["QUIT"] = KeywordClass.Stop,
        ["CANCEL"] = KeywordClass.Stop, ["UNSUBSCRIBE"] = KeywordClass.OptOut, ["OPTOUT"] = KeywordClass.OptOut,
        ["OPT-OUT"] = KeywordClass.OptOut, ["REVOKE"] = KeywordClass.OptOut, ["START"] = KeywordClass.Start, ["YES"] = KeywordClass.Start,
        ["UNSTOP"] = KeywordClass.Start, ["SUBSCRIBE"] = KeywordClass.Start, ["OPTIN"] = KeywordClass.Start, ["OPT-IN"] = KeywordClass.Start,
        ["HELP"] = KeywordClass.Help, ["INFO"] = KeywordClass.Help,
    };

    public static KeywordClass Classify(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxKeywordLength * 2) return KeywordClass.Other;
        var word = text.Trim().Trim('.', '!', '?', ',', ';', ':', '"', '\'', ' ');
        return Words.TryGetValue(word, out var c) ? c : KeywordClass.Other;
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
}
