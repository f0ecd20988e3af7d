using System.Text.RegularExpressions;

namespace Herald.Recordings;

/// <summary>Something named in a call: a time, a place or a person, with how sure the pattern that found it is.</summary>
public sealed record CallEntity(string Type, string Value, double Confidence);

/// <summary>What a call's transcript says, as the seed's ai_analysis.</summary>
/// <param name="Sentiment">positive, neutral or negative.</param>
/// <param name="Priority">low, normal, high or urgent.</param>
/// <param name="Instructions">What the customer asked, clauses joined by "; " (null when nothing).</param>
public sealed record CallAnalysis(
    string Sentiment, IReadOnlyList<string> Keywords, string? Instructions, string Priority, IReadOnlyList<CallEntity> Entities,
    string Summary, double ConfidenceScore);

/// <summary>
/// Deterministic, offline analysis of a customer's words: sentiment from a word lexicon (a negation flips the next few
/// words), instructions from imperative delivery phrases, priority from urgency words, entities (times, places, names)
/// from patterns. Works on punctuated text and on a recogniser's lower-case, unpunctuated words alike.
/// </summary>
public static partial class CallAnalyzer
{
    private static readonly HashSet<string> Positive = new(StringComparer.Ordinal)
    {
        "thank", "thanks", "great", "good", "perfect", "wonderful", "excellent", "happy", "appreciate", "appreciated", "fine", "lovely", "awesome",
        "glad", "pleased", "nice", "helpful", "fantastic", "brilliant", "love", "amazing", "sure", "okay", "ok",
    };
    private static readonly HashSet<string> Negative = new(StringComparer.Ordinal)
    {
        "late", "angry", "upset", "terrible", "awful", "bad", "worst", "damaged", "broken", "missing", "lost", "wrong", "never", "disappointed",
        "annoyed", "frustrated", "unacceptable", "complaint", "complain", "horrible", "poor", "ridiculous", "problem", "delay", "delayed", "again",
        "waiting", "refund", "cancel",
    };
    private static readonly HashSet<string> Negations = new(StringComparer.Ordinal) { "not", "no", "don't", "dont", "didn't", "didnt", "isn't", "wasn't", "never", "nothing" };
    private static readonly HashSet<string> Stopwords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "if", "to", "of", "in", "on", "at", "by", "for", "with", "it", "its", "it's", "is", "are", "was", "were", "be",
        "been", "i", "i'm", "me", "my", "you", "your", "we", "our", "us", "he", "she", "they", "them", "this", "that", "there", "here", "so", "just",
        "please", "can", "could", "would", "will", "should", "do", "does", "did", "have", "has", "had", "not", "no", "yes", "um", "uh", "oh", "hi",
        "hello", "ok", "okay", "then", "than", "as", "from", "up", "out", "about", "what", "when", "where", "who", "which", "how", "all", "any", "some",
        "very", "really", "also", "too", "am", "pm", "o'clock", "going", "get", "got", "let", "know", "like", "want", "need", "thank", "thanks",
        "don't", "dont", "call", "calling", "this", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    };
    private static readonly string[] UrgentPhrases = ["urgent", "urgently", "emergency", "asap", "as soon as possible", "immediately", "right away", "right now", "critical"];
    private static readonly string[] HighPhrases = ["today", "soon", "quickly", "hurry", "before noon", "this morning", "this afternoon", "tonight", "important"];
    private static readonly string[] LowPhrases = ["no rush", "no hurry", "whenever", "any time", "anytime", "not urgent", "next week"];

    private const string Number = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve";

    [GeneratedRegex(@"\b(?:leave|put|drop|place|hand|give|deliver|bring|ring|knock|call|text|use|ask|go|come|take|don't|do not|please)\b[^.!?;]*",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InstructionPattern();

    [GeneratedRegex(@"\b(?:at|door|porch|gate|garage|mailbox|neighbou?r|reception|lobby|concierge|front desk|back|side|behind|under|inside|buzz|buzzer|code|apartment|floor|unit|ring|knock|leave|don't|do not)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DeliveryWords();

    [GeneratedRegex($@"\b(?:(?:[01]?\d|2[0-3])(?::[0-5]\d)?\s*(?:a\.?m\.?|p\.?m\.?)|(?:[01]?\d|2[0-3]):[0-5]\d|(?:{Number})(?:\s+(?:thirty|fifteen|forty\s+five|o'clock))?\s+(?:a\s?m|p\s?m|o'clock)|(?:{Number})\s+o'clock|noon|midnight|(?:this|tomorrow)\s+(?:morning|afternoon|evening)|tonight|tomorrow|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"\b(?:(?:back|front|side|garage|kitchen|patio)\s+(?:door|gate|porch|entrance|yard)|porch|garage|mailbox|letterbox|reception|front desk|lobby|concierge|doorstep|(?:apartment|unit|suite|flat|floor|building)\s+[a-z0-9]+|(?:next door|neighbou?r(?:'s)?(?:\s+house)?)|\d+\s+[a-z]+\s+(?:street|st|avenue|ave|road|rd|lane|drive|way))\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PlacePattern();

    [GeneratedRegex(@"\b(?i:my name is|this is|ask for|give it to|hand it to|leave it with)\s+(?!the\b|my\b|a\b|an\b|at\b|your\b)([A-Za-z][a-z]+(?:\s+[A-Z][a-z]+)?)",
        RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"[a-z0-9']+", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"[.!?;,]+|\b(?:and then|but|also)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ClauseBreak();

    /// <summary>The analysis of a transcript; <paramref name="transcriptConfidence"/> (0..1) scales how sure it is. Empty text is neutral with no findings.</summary>
    public static CallAnalysis Analyze(string? text, double transcriptConfidence = 1.0)
    {
        text = (text ?? "").Trim();
        if (text.Length == 0) return new CallAnalysis("neutral", [], null, "normal", [], "No speech was transcribed.", 0);
        string lower = text.ToLowerInvariant();
        var words = WordPattern().Matches(lower).Select(m => m.Value).ToList();

        string sentiment = Sentiment(words);
        string priority = Contains(lower, UrgentPhrases) ? "urgent" : Contains(lower, LowPhrases) ? "low" : Contains(lower, HighPhrases) ? "high" : "normal";
        var instructions = Instructions(text);
        var entities = Entities(text);
        var keywords = words.Where(w => w.Length > 2 && !Stopwords.Contains(w))
            .GroupBy(w => w, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => words.IndexOf(g.Key))
            .Take(8).Select(g => g.Key).ToList();

        string summary = instructions.Count > 0
            ? $"Customer asked to {string.Join("; ", instructions.Select(Lead))}. Sentiment {sentiment}, priority {priority}."
            : $"Customer call with {sentiment} sentiment, priority {priority}{(keywords.Count > 0 ? $", about {string.Join(", ", keywords.Take(3))}" : "")}.";
        // More findings make the reading surer; an unsure transcript makes every finding less sure.
        double signals = Math.Min(1, 0.4 + 0.15 * (instructions.Count + entities.Count) + (sentiment == "neutral" ? 0 : 0.1) + (priority == "normal" ? 0 : 0.1));
        double confidence = Math.Round(signals * Math.Clamp(transcriptConfidence, 0, 1), 3);
        return new CallAnalysis(sentiment, keywords, instructions.Count == 0 ? null : string.Join("; ", instructions), priority, entities, summary, confidence);
    }

    private static string Sentiment(List<string> words)
    {
        int score = 0, negatedFor = 0;
        foreach (var word in words)
        {
            int polarity = Positive.Contains(word) ? 1 : Negative.Contains(word) ? -1 : 0;
            if (polarity != 0) score += negatedFor > 0 ? -polarity : polarity;
            negatedFor = Negations.Contains(word) ? 3 : Math.Max(0, negatedFor - 1);
        }
        return score > 0 ? "positive" : score < 0 ? "negative" : "neutral";
    }

    private static List<string> Instructions(string text)
    {
        var found = new List<string>();
        foreach (var clause in ClauseBreak().Split(text))
        {
            var m = InstructionPattern().Match(clause);
            if (!m.Success) continue;
            string instruction = Regex.Replace(m.Value.Trim(), @"\s+", " ");
            if (instruction.StartsWith("please ", StringComparison.OrdinalIgnoreCase)) instruction = instruction[7..];
            // A polite word or a verb alone is no instruction; it must say something about the delivery.
            if (instruction.Split(' ').Length < 3 || !DeliveryWords().IsMatch(instruction)) continue;
            if (!found.Contains(instruction, StringComparer.OrdinalIgnoreCase)) found.Add(instruction);
        }
        return found;
    }

    private static List<CallEntity> Entities(string text)
    {
        var entities = new List<CallEntity>();
        void Add(string type, string value, double confidence)
        {
            value = Regex.Replace(value.Trim(), @"\s+", " ");
            if (!entities.Exists(e => e.Type == type && string.Equals(e.Value, value, StringComparison.OrdinalIgnoreCase))) entities.Add(new CallEntity(type, value, confidence));
        }
        foreach (Match m in TimePattern().Matches(text)) Add("time", m.Value, char.IsDigit(m.Value[0]) ? 0.95 : 0.8);
        foreach (Match m in PlacePattern().Matches(text)) Add("place", m.Value.ToLowerInvariant(), 0.85);
        foreach (Match m in NamePattern().Matches(text)) Add("name", m.Groups[1].Value, char.IsUpper(m.Groups[1].Value[0]) ? 0.85 : 0.6);
        return entities;
    }

    private static bool Contains(string lower, string[] phrases) =>
        phrases.Any(p => Regex.IsMatch(lower, $@"\b{Regex.Escape(p)}\b", RegexOptions.CultureInvariant));

    private static string Lead(string instruction) => instruction.Length > 0 ? char.ToLowerInvariant(instruction[0]) + instruction[1..] : instruction;
}
