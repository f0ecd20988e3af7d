namespace Herald.Recordings;

/// <summary>The <c>Herald:Recordings</c> settings: where audio may come from, and how the processing queue retries.</summary>
public sealed class RecordingOptions
{
    /// <summary>The hosts recordings are downloaded from, comma-separated; <c>*.example.com</c> names a domain's subdomains.</summary>
    public string AllowedHosts { get; set; } = "api.twilio.com";
    /// <summary>Attempts before a recording is failed for good.</summary>
    public int MaxAttempts { get; set; } = 5;
    /// <summary>The wait before the second attempt; each later one waits twice the one before.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>How long a claim holds a recording; a claim older than this (its worker hung) is taken again.</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>The largest recording downloaded.</summary>
    public long MaxAudioBytes { get; set; } = 100L * 1024 * 1024;
    /// <summary>How long a download may take.</summary>
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>Recordings processed at once (downloads, analysis and writes overlap; transcriptions are limited by <see cref="Transcriptions"/>).</summary>
    public int Workers { get; set; } = 8;
    /// <summary>Transcriptions run at once: each takes a core, so by default half of the machine's.</summary>
    public int Transcriptions { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);
    /// <summary>
    /// The transcriber: <c>pocketsphinx</c> (default, offline), <c>whisper</c> (Whisper.net with the ggml model at
    /// <see cref="WhisperModelPath"/>; the default once a model is named), <c>openai</c> (an OpenAI-compatible
    /// <c>/v1/audio/transcriptions</c> endpoint, <see cref="OpenAi"/>) or <c>none</c> (the pipeline stores and analyses no text).
    /// </summary>
    public string Transcriber { get; set; } = "pocketsphinx";
    /// <summary>The setting that names the ggml model; the name for it, <see cref="WhisperModelPathAlias"/>, is read too.</summary>
    public const string WhisperModelPathSetting = "Herald:Recordings:WhisperModelPath";
    /// <summary>The other name of <see cref="WhisperModelPathSetting"/> (<c>Herald__Transcription__WhisperModelPath</c>).</summary>
    public const string WhisperModelPathAlias = "Herald:Transcription:WhisperModelPath";
    /// <summary>A ggml Whisper model file (e.g. ggml-base.en.bin) the operator supplies; naming one selects the <c>whisper</c> transcriber.</summary>
    public string? WhisperModelPath { get; set; }
    /// <summary>The analysis: <c>lexicon</c> (default, offline and deterministic) or <c>openai</c> (an OpenAI-compatible chat endpoint, <see cref="OpenAi"/>).</summary>
    public string Analyzer { get; set; } = "lexicon";
    /// <summary>The OpenAI-compatible endpoint used when <see cref="Transcriber"/> or <see cref="Analyzer"/> is <c>openai</c>.</summary>
    public OpenAiEndpointOptions OpenAi { get; set; } = new();
    /// <summary>PocketSphinx's command-line recogniser (Debian's <c>pocketsphinx</c> package).</summary>
    public string PocketSphinxCommand { get; set; } = "pocketsphinx_continuous";
    /// <summary>Where audio is kept: <c>file</c> (under the data directory, the default) or <c>s3</c> (<see cref="S3"/>).</summary>
    public string AudioStore { get; set; } = "file";
    /// <summary>The S3-compatible bucket of <see cref="AudioStore"/> <c>s3</c>; its endpoint goes through the outbound guard.</summary>
    public Backup.S3StoreOptions S3 { get; set; } = new();
    /// <summary>How long one transcription may take.</summary>
    public TimeSpan TranscriptionTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The allow-list, parsed: lower-case host names, <c>*.</c> prefixed for a domain.</summary>
    public IReadOnlyList<string> AllowedHostList() =>
        AllowedHosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(h => h.ToLowerInvariant().TrimEnd('.')).ToList();

    /// <summary>Whether audio may be downloaded from this host.</summary>
    public bool AllowsHost(string host)
    {
        host = host.ToLowerInvariant().TrimEnd('.');
        foreach (var allowed in AllowedHostList())
        {
            if (allowed == host) return true;
            if (allowed.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(allowed[1..], StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>
    /// The options of the configuration: the model path may also come by the name (<see cref="WhisperModelPathAlias"/>),
    /// and naming a model selects the whisper transcriber unless Herald:Recordings:Transcriber says otherwise.
    /// </summary>
    public static RecordingOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection("Herald:Recordings").Get<RecordingOptions>() ?? new RecordingOptions();
        if (configuration[WhisperModelPathAlias] is { Length: > 0 } alias)
        {
            if (options.WhisperModelPath is { Length: > 0 } named && named != alias)
                throw new InvalidOperationException($"{WhisperModelPathSetting} and {WhisperModelPathAlias} name different files; set one of them");
            options.WhisperModelPath = alias;
        }
        if (!string.IsNullOrWhiteSpace(options.WhisperModelPath) && configuration["Herald:Recordings:Transcriber"] is null) options.Transcriber = "whisper";
        return options;
    }

    /// <summary>Refuses settings the pipeline cannot run with, naming the setting.</summary>
    public void Validate()
    {
        if (MaxAttempts is < 1 or > 100) throw new InvalidOperationException("Herald:Recordings:MaxAttempts must be from 1 to 100");
        if (RetryBackoff < TimeSpan.Zero || RetryBackoff > TimeSpan.FromDays(1)) throw new InvalidOperationException("Herald:Recordings:RetryBackoff must be from 00:00:00 to 1.00:00:00");
        if (ClaimLease < TimeSpan.FromSeconds(1)) throw new InvalidOperationException("Herald:Recordings:ClaimLease must be at least 00:00:01");
        if (MaxAudioBytes < 1024) throw new InvalidOperationException("Herald:Recordings:MaxAudioBytes must be at least 1024");
        if (DownloadTimeout <= TimeSpan.Zero) throw new InvalidOperationException("Herald:Recordings:DownloadTimeout must be positive");
        if (TranscriptionTimeout <= TimeSpan.Zero) throw new InvalidOperationException("Herald:Recordings:TranscriptionTimeout must be positive");
        if (Workers is < 1 or > 64) throw new InvalidOperationException("Herald:Recordings:Workers must be from 1 to 64");
        if (Transcriptions is < 1 or > 64) throw new InvalidOperationException("Herald:Recordings:Transcriptions must be from 1 to 64");
        if (Transcriber is not ("pocketsphinx" or "whisper" or "openai" or "none")) throw new InvalidOperationException("Herald:Recordings:Transcriber must be pocketsphinx, whisper, openai or none");
        if (Transcriber == "whisper" && string.IsNullOrWhiteSpace(WhisperModelPath))
            throw new InvalidOperationException($"Herald:Recordings:Transcriber whisper needs {WhisperModelPathSetting} (or {WhisperModelPathAlias}) to name a ggml model file");
        if (Transcriber != "whisper" && !string.IsNullOrWhiteSpace(WhisperModelPath))
            throw new InvalidOperationException($"{WhisperModelPathSetting} names a model but Herald:Recordings:Transcriber is {Transcriber}: set it to whisper, or remove the model path");
        if (Analyzer is not ("lexicon" or "openai")) throw new InvalidOperationException("Herald:Recordings:Analyzer must be lexicon or openai");
        if (Transcriber == "openai" || Analyzer == "openai") OpenAi.Validate();
        if (AudioStore is not ("file" or "s3")) throw new InvalidOperationException("Herald:Recordings:AudioStore must be file or s3");
        if (AllowedHostList().Count == 0) throw new InvalidOperationException("Herald:Recordings:AllowedHosts must name at least one host");
    }
}

/// <summary>The <c>Herald:Recordings:OpenAi</c> settings: an OpenAI-compatible API (OpenAI itself, or a self-hosted server speaking its protocol).</summary>
public sealed class OpenAiEndpointOptions
{
    /// <summary>The API's base URL, up to and including <c>/v1</c>; requests go through the outbound guard like every other.</summary>
    public string Endpoint { get; set; } = "https://api.openai.com/v1";
    /// <summary>The bearer key. Servers that ignore it still need a value here.</summary>
    public string? ApiKey { get; set; }
    /// <summary>The model of <c>/audio/transcriptions</c>.</summary>
    public string TranscriptionModel { get; set; } = "whisper-1";
    /// <summary>The model of <c>/chat/completions</c> that analyses a transcript.</summary>
    public string ChatModel { get; set; } = "gpt-4o-mini";

    /// <summary>The endpoint, parsed.</summary>
    public Uri EndpointUri() => new(Endpoint.TrimEnd('/'));

    /// <summary>Refuses settings no request could be made with, naming the setting.</summary>
    public void Validate()
    {
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new InvalidOperationException("Herald:Recordings:OpenAi:Endpoint must be an absolute http or https URL (e.g. https://api.openai.com/v1)");
        if (string.IsNullOrWhiteSpace(ApiKey)) throw new InvalidOperationException("Herald:Recordings:OpenAi:ApiKey is required when a transcriber or analyzer is openai");
        if (string.IsNullOrWhiteSpace(TranscriptionModel)) throw new InvalidOperationException("Herald:Recordings:OpenAi:TranscriptionModel must name a model");
        if (string.IsNullOrWhiteSpace(ChatModel)) throw new InvalidOperationException("Herald:Recordings:OpenAi:ChatModel must name a model");
    }
}
