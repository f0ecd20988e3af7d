using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using Herald.Outbound;
using OpenAI;
using OpenAI.Audio;

namespace Herald.Recordings;

/// <summary>The one OpenAI client of the recordings pipeline: its endpoint and key from the options, its HTTP through the outbound guard.</summary>
public sealed class OpenAiConnection(RecordingOptions options, IHttpClientFactory clients)
{
    private readonly Lazy<OpenAIClient> _client = new(() => new OpenAIClient(new ApiKeyCredential(options.OpenAi.ApiKey!), new OpenAIClientOptions
    {
        Endpoint = options.OpenAi.EndpointUri(),
        Transport = new HttpClientPipelineTransport(clients.CreateClient(OutboundHttp.ClientName)),
        NetworkTimeout = options.TranscriptionTimeout,
        // The recordings queue retries with its own backoff and attempt count; a second retry loop inside would hide failures.
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    }));

    /// <summary>The client, made on first use.</summary>
    public OpenAIClient Client => _client.Value;
}

/// <summary>
/// Transcription by an OpenAI-compatible <c>/audio/transcriptions</c> endpoint (Whisper), asked for its verbose answer: the
/// language is the detected one as an ISO 639-1 code, and the confidence is the duration-weighted mean of the segments'
/// probabilities (e^avg_logprob), 0 when the endpoint gives no segments.
/// </summary>
public sealed class OpenAiTranscriber(OpenAiConnection connection, RecordingOptions options) : ITranscriber
{
    /// <inheritdoc/>
    public async Task<Transcript?> TranscribeAsync(byte[] wav, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        var audio = connection.Client.GetAudioClient(options.OpenAi.TranscriptionModel);
        using var stream = new MemoryStream(wav, writable: false);
        AudioTranscription answer;
        try
        {
            answer = (await audio.TranscribeAudioAsync(stream, "recording.wav", new AudioTranscriptionOptions
            {
                ResponseFormat = AudioTranscriptionFormat.Verbose,
                TimestampGranularities = AudioTimestampGranularities.Segment,
            }, ct)).Value;
        }
        catch (ClientResultException e)
        {
            throw new InvalidOperationException($"the transcription endpoint answered {e.Status}: {Cut(e.Message)}");
        }
        double weight = 0, sum = 0;
        foreach (var segment in answer.Segments)
        {
            double seconds = Math.Max((segment.EndTime - segment.StartTime).TotalSeconds, 0.001);
            sum += seconds * Math.Exp(Math.Min(0, segment.AverageLogProbability));
            weight += seconds;
        }
        return new Transcript((answer.Text ?? "").Trim(), weight == 0 ? 0 : Math.Round(sum / weight, 4), LanguageCode(answer.Language),
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    // Whisper names the detected language in English ("english"); the API answers codes, as it does for PocketSphinx's en-US.
    // The process runs with invariant globalization, so the names cannot come from CultureInfo.
    private static readonly Dictionary<string, string> LanguageCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["english"] = "en", ["spanish"] = "es", ["french"] = "fr", ["german"] = "de", ["italian"] = "it", ["portuguese"] = "pt",
        ["dutch"] = "nl", ["polish"] = "pl", ["turkish"] = "tr", ["russian"] = "ru", ["ukrainian"] = "uk", ["arabic"] = "ar",
        ["hindi"] = "hi", ["bengali"] = "bn", ["urdu"] = "ur", ["chinese"] = "zh", ["japanese"] = "ja", ["korean"] = "ko",
        ["indonesian"] = "id", ["malay"] = "ms", ["vietnamese"] = "vi", ["thai"] = "th", ["swahili"] = "sw", ["swedish"] = "sv",
        ["norwegian"] = "no", ["danish"] = "da", ["finnish"] = "fi", ["greek"] = "el", ["hebrew"] = "he", ["romanian"] = "ro",
        ["czech"] = "cs", ["hungarian"] = "hu", ["tagalog"] = "tl", ["persian"] = "fa", ["tamil"] = "ta", ["yoruba"] = "yo",
    };

    /// <summary>The ISO 639-1 code of a language Whisper named (a code is kept as it is); <c>und</c> when none was detected.</summary>
    public static string LanguageCode(string? language)
    {
        if (string.IsNullOrWhiteSpace(language)) return "und";
        language = language.Trim();
        return LanguageCodes.TryGetValue(language, out var code) ? code : language.ToLowerInvariant();
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] : text;
}
