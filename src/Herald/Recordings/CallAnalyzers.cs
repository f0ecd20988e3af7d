using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Herald.Recordings;

/// <summary>Reads a call's transcript into the seed's ai_analysis. Pluggable: the offline lexicon by default.</summary>
public interface ICallAnalyzer
{
    /// <summary>The analysis of <paramref name="text"/>; <paramref name="transcriptConfidence"/> (0..1) is how sure the transcriber was.</summary>
    Task<CallAnalysis> AnalyzeAsync(string? text, double transcriptConfidence, CancellationToken ct);
}

/// <summary>The deterministic, offline analysis of <see cref="CallAnalyzer"/>.</summary>
public sealed class LexiconCallAnalyzer : ICallAnalyzer
{
    /// <inheritdoc/>
    public Task<CallAnalysis> AnalyzeAsync(string? text, double transcriptConfidence, CancellationToken ct) =>
        Task.FromResult(CallAnalyzer.Analyze(text, transcriptConfidence));
}

/// <summary>
/// Analysis by a chat model through Microsoft.Extensions.AI, asked for a JSON answer of the seed's shape (a JSON-schema response
/// format). An answer outside the seed's values is refused, naming the field, so the recordings queue retries it and, in
/// the end, fails the recording with that reason rather than storing a made-up sentiment or priority. No speech is no call.
/// </summary>
public sealed class ChatCallAnalyzer(IChatClient chat) : ICallAnalyzer
{
    /// <summary>What the model is told; the transcript follows as the user's message.</summary>
    public const string Instructions = """
        You analyse the transcript of a phone call between a delivery service and its customer.
        Answer with: sentiment (positive, neutral or negative); keywords (up to 8 lower-case words the call is about);
        instructions (what the customer asked the driver to do, in their words, or null); priority (low, normal, high or urgent:
        urgent only when the customer says it cannot wait); entities (times, places and names mentioned, each with type
        time, place or name, its value as said, and your confidence from 0 to 1); summary (one sentence); confidence_score
        (0 to 1, how sure you are of the whole analysis).
        """;

    private static readonly JsonSerializerOptions Json = new(AIJsonUtilities.DefaultOptions) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static readonly string[] Sentiments = ["positive", "neutral", "negative"];
    private static readonly string[] Priorities = ["low", "normal", "high", "urgent"];
    private static readonly string[] EntityTypes = ["time", "place", "name"];

    /// <summary>The answer the model is asked for: the seed's ai_analysis fields.</summary>
    public sealed record Answer(
        string Sentiment, IReadOnlyList<string> Keywords, string? Instructions, string Priority, IReadOnlyList<CallEntity> Entities,
        string Summary, double ConfidenceScore);

    /// <inheritdoc/>
    public async Task<CallAnalysis> AnalyzeAsync(string? text, double transcriptConfidence, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(text)) return CallAnalyzer.Analyze(text, transcriptConfidence);
        var response = await chat.GetResponseAsync<Answer>(
            [new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, text)], Json,
            new ChatOptions { Temperature = 0 }, useJsonSchemaResponseFormat: true, ct);
        if (!response.TryGetResult(out var answer) || answer is null)
            throw new InvalidDataException("the chat model's answer is not the analysis JSON asked for");
        return Checked(answer);
    }

    /// <summary>The model's answer as an analysis, or the first field outside the seed's values.</summary>
    public static CallAnalysis Checked(Answer a)
    {
        string sentiment = a.Sentiment?.Trim().ToLowerInvariant() ?? "";
        if (Array.IndexOf(Sentiments, sentiment) < 0) throw new InvalidDataException($"the chat model's sentiment '{a.Sentiment}' is not positive, neutral or negative");
        string priority = a.Priority?.Trim().ToLowerInvariant() ?? "";
        if (Array.IndexOf(Priorities, priority) < 0) throw new InvalidDataException($"the chat model's priority '{a.Priority}' is not low, normal, high or urgent");
        if (!(a.ConfidenceScore is >= 0 and <= 1)) throw new InvalidDataException($"the chat model's confidence_score {a.ConfidenceScore} is not from 0 to 1");
        var entities = new List<CallEntity>();
        foreach (var e in a.Entities ?? [])
        {
            string type = e.Type?.Trim().ToLowerInvariant() ?? "";
            if (Array.IndexOf(EntityTypes, type) < 0 || string.IsNullOrWhiteSpace(e.Value)) throw new InvalidDataException($"the chat model's entity type '{e.Type}' is not time, place or name");
            entities.Add(new CallEntity(type, e.Value.Trim(), Math.Clamp(e.Confidence, 0, 1)));
        }
        var keywords = (a.Keywords ?? []).Where(k => !string.IsNullOrWhiteSpace(k)).Select(k => k.Trim().ToLowerInvariant()).Distinct(StringComparer.Ordinal).Take(8).ToList();
        string? instructions = string.IsNullOrWhiteSpace(a.Instructions) ? null : a.Instructions.Trim();
        return new CallAnalysis(sentiment, keywords, instructions, priority, entities, (a.Summary ?? "").Trim(), Math.Round(a.ConfidenceScore, 3));
    }
}
