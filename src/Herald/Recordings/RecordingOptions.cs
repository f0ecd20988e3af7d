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
    /// <summary>Recordings processed at once.</summary>
    public int Workers { get; set; } = 1;
    /// <summary>The transcriber: <c>pocketsphinx</c> (default) or <c>none</c> (the pipeline stores and analyses no text).</summary>
    public string Transcriber { get; set; } = "pocketsphinx";
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
        if (Transcriber is not ("pocketsphinx" or "none")) throw new InvalidOperationException("Herald:Recordings:Transcriber must be pocketsphinx or none");
        if (AudioStore is not ("file" or "s3")) throw new InvalidOperationException("Herald:Recordings:AudioStore must be file or s3");
        if (AllowedHostList().Count == 0) throw new InvalidOperationException("Herald:Recordings:AllowedHosts must name at least one host");
    }
}
