using Herald.Recordings;

namespace Herald.Bench;

/// <summary>
/// Word error rate of Herald's default transcriber (PocketSphinx, US English model, through <see cref="PocketSphinxTranscriber"/>)
/// on pocketsphinx-testdata's LibriVox clips against their reference <c>transcription</c> file: (substitutions + deletions +
/// insertions) / reference words, summed over the clips. Baseline beside it: goforward.raw, which it should get exactly.
/// </summary>
public static class WerBench
{
    private const string Data = "/usr/share/pocketsphinx/test/data";

    public static async Task RunAsync(Report report)
    {
        var transcriber = new PocketSphinxTranscriber(new RecordingOptions());
        int errors = 0, words = 0;
        foreach (var line in File.ReadAllLines(Path.Combine(Data, "librivox", "transcription")))
        {
            // "<s> words ... </s> (file-id)"
            int open = line.LastIndexOf('(');
            string id = line[(open + 1)..line.LastIndexOf(')')];
            var reference = Words(line[..open].Replace("<s>", "", StringComparison.Ordinal).Replace("</s>", "", StringComparison.Ordinal));
            var heard = await transcriber.TranscribeAsync(await File.ReadAllBytesAsync(Path.Combine(Data, "librivox", id + ".wav")), CancellationToken.None);
            int distance = Distance(reference, Words(heard!.Text));
            Console.WriteLine($"  {id}: {distance}/{reference.Length} errors; heard \"{heard.Text}\"");
            errors += distance;
            words += reference.Length;
        }
        var pcm = await File.ReadAllBytesAsync(Path.Combine(Data, "goforward.raw"));
        var samples = new short[pcm.Length / 2];
        Buffer.BlockCopy(pcm, 0, samples, 0, samples.Length * 2);
        var goForward = await transcriber.TranscribeAsync(WavAudio.Write(samples), CancellationToken.None);
        int baseline = Distance(Words("go forward ten meters"), Words(goForward!.Text));
        report.Add("word error rate, PocketSphinx en-US on pocketsphinx-testdata librivox (5 clips)", $"{100.0 * errors / words:F1} %", $"{errors} errors in {words} reference words");
        report.Add("baseline: goforward.raw", $"{100.0 * baseline / 4:F1} %", $"heard \"{goForward.Text}\"");
    }

    private static string[] Words(string text) => text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Word-level Levenshtein distance.</summary>
    private static int Distance(string[] reference, string[] hypothesis)
    {
        var previous = Enumerable.Range(0, hypothesis.Length + 1).ToArray();
        for (int i = 1; i <= reference.Length; i++)
        {
            var current = new int[hypothesis.Length + 1];
            current[0] = i;
            for (int j = 1; j <= hypothesis.Length; j++)
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[hypothesis.Length];
    }
}
