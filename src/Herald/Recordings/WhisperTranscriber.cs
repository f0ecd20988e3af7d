using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Whisper.net;

namespace Herald.Recordings;

/// <summary>What the header of a ggml Whisper model says: whether it knows more languages than English.</summary>
public sealed record WhisperModelHeader(int VocabularySize, int AudioLayers, int TextLayers)
{
    /// <summary>The ggml file magic, "ggml" read as a little-endian 32-bit number.</summary>
    public const uint Magic = 0x67676d6c;

    private const int AllFloat32 = 0, QuantizationVersionFactor = 1000;

    // The English-only models have 51864 tokens; every multilingual one has more (language tokens).
    private const int EnglishOnlyVocabulary = 51864;

    /// <summary>Whether the model detects the language (multilingual) rather than always hearing English.</summary>
    public bool IsMultilingual => VocabularySize > EnglishOnlyVocabulary;

    /// <summary>
    /// Reads the magic and the hyper-parameters at the start of the file, so that a file that is not a ggml Whisper model is
    /// refused at start with the setting's name rather than by the native loader's log line.
    /// </summary>
    public static WhisperModelHeader Read(string path, string setting)
    {
        if (!File.Exists(path)) throw new InvalidOperationException($"{setting} names '{path}', which is not a file");
        var head = new byte[4 + 11 * 4];
        int read;
        try
        {
            using var file = File.OpenRead(path);
            read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{setting}: '{path}' cannot be read ({e.Message})");
        }
        if (read < head.Length || BinaryPrimitives.ReadUInt32LittleEndian(head) != Magic)
            throw new InvalidOperationException($"{setting}: '{path}' is not a ggml Whisper model (no ggml magic and hyper-parameters at its start)");
        int Param(int index) => BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(4 + index * 4));
        int vocabulary = Param(0), audioState = Param(2), audioLayers = Param(4), textState = Param(6), textLayers = Param(8), mels = Param(9);
        // whisper.cpp's convolutions assert 16-bit weights and abort the whole process on a 32-bit model, at its first recording.
        if (Param(10) % QuantizationVersionFactor == AllFloat32)
            throw new InvalidOperationException($"{setting}: '{path}' is a 32-bit float model, which whisper.cpp cannot run; use an F16 or quantized ggml model");
        if (vocabulary < EnglishOnlyVocabulary || audioState < 1 || audioState != textState || audioLayers < 1 || textLayers < 1 || mels < 1)
            throw new InvalidOperationException($"{setting}: '{path}' has hyper-parameters no Whisper model has (n_vocab {vocabulary}, " +
                $"n_audio_state {audioState}, n_text_state {textState}, n_audio_layer {audioLayers}, n_text_layer {textLayers}, n_mels {mels})");
        return new WhisperModelHeader(vocabulary, audioLayers, textLayers);
    }
}

/// <summary>
/// Transcription in-process by whisper.cpp through Whisper.net, with a ggml model file the operator supplies
/// (<see cref="RecordingOptions.WhisperModelPath"/>). The model is loaded once, at start; each recording gets its own
/// processor (whisper.cpp's state is not shared between threads). English-only models hear English (<c>en</c>); multilingual
/// ones detect the language. The confidence is the segments' mean token probability weighted by their length.
/// </summary>
public sealed class WhisperTranscriber : ITranscriber, IDisposable
{
    private readonly WhisperFactory _factory;
    private readonly bool _multilingual;
    private readonly RecordingOptions _options;

    /// <summary>Loads the model; a file that is missing, not a model, or refused by whisper.cpp stops the start, naming the setting.</summary>
    public WhisperTranscriber(RecordingOptions options)
    {
        _options = options;
        string path = options.WhisperModelPath ?? throw new InvalidOperationException($"{RecordingOptions.WhisperModelPathSetting} is required by the whisper transcriber");
        _multilingual = WhisperModelHeader.Read(path, RecordingOptions.WhisperModelPathSetting).IsMultilingual;
        try
        {
            _factory = WhisperFactory.FromPath(path, new WhisperFactoryOptions { DelayInitialization = false });
            // Whisper.net loads the model on the first builder, whatever the option says: here, so that a bad model stops the start.
            _factory.CreateBuilder();
        }
        catch (Exception e) when (e is WhisperModelLoadException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new InvalidOperationException($"{RecordingOptions.WhisperModelPathSetting}: whisper.cpp could not load '{path}' ({e.Message})", e);
        }
    }

    /// <inheritdoc/>
    public async Task<Transcript?> TranscribeAsync(byte[] wav, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        short[] pcm = WavAudio.ReadMono16k(wav);
        var samples = new float[pcm.Length];
        for (int i = 0; i < pcm.Length; i++) samples[i] = pcm[i] / 32768f;
        var builder = _factory.CreateBuilder().WithProbabilities();
        builder = _multilingual ? builder.WithLanguageDetection() : builder.WithLanguage("en");
        await using var processor = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.TranscriptionTimeout);
        var text = new StringBuilder();
        double weight = 0, sum = 0;
        string? language = null;
        try
        {
            await foreach (var segment in processor.ProcessAsync(samples, timeout.Token))
            {
                string said = segment.Text.Trim();
                if (said.Length > 0) text.Append(text.Length > 0 ? " " : "").Append(said);
                double seconds = Math.Max((segment.End - segment.Start).TotalSeconds, 0.001);
                sum += seconds * Math.Clamp(segment.Probability, 0, 1);
                weight += seconds;
                if (!string.IsNullOrEmpty(segment.Language)) language = segment.Language;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"transcription took longer than {_options.TranscriptionTimeout} (Herald:Recordings:TranscriptionTimeout)");
        }
        catch (WhisperProcessingException e)
        {
            throw new InvalidOperationException($"whisper.cpp could not transcribe the recording ({e.Message})");
        }
        return new Transcript(text.ToString(), weight == 0 ? 0 : Math.Round(sum / weight, 4),
            OpenAiTranscriber.LanguageCode(language ?? (_multilingual ? null : "en")), (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <inheritdoc/>
    public void Dispose() => _factory.Dispose();
}
