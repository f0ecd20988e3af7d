using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Herald.Recordings;

/// <summary>What a transcriber heard: the text, its mean word confidence (0..1), its language, and how long it took.</summary>
public sealed record Transcript(string Text, double Confidence, string Language, long ProcessingTimeMs);

/// <summary>Turns a recording's audio (PCM WAV) into text. Pluggable: PocketSphinx offline by default.</summary>
public interface ITranscriber
{
    /// <summary>The transcript of the WAV audio, or null when this transcriber produces none (transcription off).</summary>
    Task<Transcript?> TranscribeAsync(byte[] wav, CancellationToken ct);

    /// <summary>Whether it reads the audio at all; when not, the pipeline does not read the stored audio back.</summary>
    bool NeedsAudio => true;
}

/// <summary>Transcription off: recordings are stored and analysed without text.</summary>
public sealed class NoTranscriber : ITranscriber
{
    /// <inheritdoc/>
    public Task<Transcript?> TranscribeAsync(byte[] wav, CancellationToken ct) => Task.FromResult<Transcript?>(null);

    /// <inheritdoc/>
    public bool NeedsAudio => false;
}

/// <summary>
/// CMU PocketSphinx's command-line recogniser with its default US English model (Debian's <c>pocketsphinx</c> and
/// <c>pocketsphinx-en-us</c>): the audio is resampled to 16 kHz mono, then recognised with per-word timings
/// (<c>-time yes</c>), whose posterior probabilities give the confidence.
/// </summary>
public sealed class PocketSphinxTranscriber(RecordingOptions options) : ITranscriber
{
    /// <summary>The language of the default model.</summary>
    public const string Language = "en-US";

    /// <inheritdoc/>
    public async Task<Transcript?> TranscribeAsync(byte[] wav, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        byte[] model = WavAudio.Write(WavAudio.ReadMono16k(wav));
        string input = Path.Combine(Path.GetTempPath(), $"herald-asr-{Guid.NewGuid():n}.wav");
        await File.WriteAllBytesAsync(input, model, ct);
        try
        {
            var start = new ProcessStartInfo(options.PocketSphinxCommand)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "-infile", input, "-time", "yes", "-logfn", "/dev/null" }) start.ArgumentList.Add(arg);
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{options.PocketSphinxCommand} did not start");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.TranscriptionTimeout);
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                if (ct.IsCancellationRequested) throw;
                throw new TimeoutException($"transcription took longer than {options.TranscriptionTimeout} (Herald:Recordings:TranscriptionTimeout)");
            }
            string text = await output;
            string stderr = await errors;
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{options.PocketSphinxCommand} exited with {process.ExitCode}: {Cut(stderr)}");
            var (words, confidence) = Parse(text);
            return new Transcript(words, confidence, Language, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{options.PocketSphinxCommand} could not be run ({e.Message}); install Debian's pocketsphinx and pocketsphinx-en-us");
        }
        finally
        {
            File.Delete(input);
        }
    }

    /// <summary>
    /// The words and their mean posterior from <c>-time yes</c> output: per utterance, a hypothesis line, then one line per
    /// token <c>word start end posterior</c>. Silences, sentence marks and fillers are not words; <c>word(2)</c> is an
    /// alternative pronunciation of <c>word</c>.
    /// </summary>
    public static (string Text, double Confidence) Parse(string output)
    {
        var words = new StringBuilder();
        double sum = 0;
        int count = 0;
        foreach (var raw in output.Split('\n'))
        {
            var parts = raw.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 4 || !double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double posterior)
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out _)) continue;
            string word = parts[0];
            if (word.StartsWith('<') || word.StartsWith('[') || word.StartsWith("++", StringComparison.Ordinal)) continue;
            int alternative = word.IndexOf('(', StringComparison.Ordinal);
            if (alternative > 0) word = word[..alternative];
            if (words.Length > 0) words.Append(' ');
            words.Append(word);
            sum += Math.Clamp(posterior, 0, 1);
            count++;
        }
        return (words.ToString(), count == 0 ? 0 : Math.Round(sum / count, 4));
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] : text;
}
