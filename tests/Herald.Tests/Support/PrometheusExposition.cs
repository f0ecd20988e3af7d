using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Herald.Tests.Support;

public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels[name];
}

/// <summary>
/// The Prometheus text exposition (0.0.4) of <c>/metrics</c>, linted by the real <c>promtool check metrics</c> (Debian's
/// <c>prometheus</c> package, installed by .ci/run: without it the tests fail, never skip) and read family by family.
/// </summary>
public sealed partial class PrometheusExposition
{
    [GeneratedRegex(@"^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$")]
    private static partial Regex Comment();

    // name, optional {label="value",...} with escaped values, one space, a float or +Inf/-Inf/NaN, no timestamp.
    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\[\\""n])*"",?)*\})? (\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();

    private PrometheusExposition(Dictionary<string, string> types, Dictionary<string, List<PrometheusSample>> samples) =>
        (Types, _samples) = (types, samples);

    private readonly Dictionary<string, List<PrometheusSample>> _samples;

    /// <summary>Each family's type, by family name.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    /// <summary>
    /// A family's samples (a histogram's <c>_bucket</c>, <c>_sum</c> and <c>_count</c> lines under its name); none when the
    /// family is not there (the exporter leaves out a family with nothing measured yet).
    /// </summary>
    public IReadOnlyList<PrometheusSample> this[string family] => _samples.GetValueOrDefault(family) ?? [];

    public static async Task<PrometheusExposition> CheckAsync(string text)
    {
        await LintAsync(text);
        return Parse(text);
    }

    /// <summary>
    /// Every line is a HELP or TYPE of the current family (both once, before its samples) or a sample of it; a series appears
    /// once; counters end in <c>_total</c> and nothing else does.
    /// </summary>
    public static PrometheusExposition Parse(string text)
    {
        Assert.EndsWith("\n", text);
        Assert.DoesNotContain("\r", text);
        var types = new Dictionary<string, string>();
        var helps = new HashSet<string>();
        var families = new Dictionary<string, List<PrometheusSample>>();
        var series = new HashSet<string>();
        string? family = null;
        foreach (var line in text[..^1].Split('\n'))
        {
            Assert.False(string.IsNullOrEmpty(line), "empty line in the exposition");
            if (Comment().Match(line) is { Success: true } c)
            {
                string name = c.Groups[2].Value;
                if (family != name)
                {
                    Assert.False(families.ContainsKey(name), $"family {name} appears twice");
                    family = name;
                    families[name] = [];
                }
                Assert.Empty(families[name]);
                if (c.Groups[1].Value == "HELP") Assert.True(helps.Add(name), $"two HELP lines for {name}");
                else
                {
                    Assert.Matches("^(counter|gauge|histogram|summary|untyped)$", c.Groups[3].Value);
                    Assert.True(types.TryAdd(name, c.Groups[3].Value), $"two TYPE lines for {name}");
                    Assert.True(c.Groups[3].Value == "counter" == name.EndsWith("_total", StringComparison.Ordinal), $"{name} is a {c.Groups[3].Value}");
                }
                continue;
            }
            Assert.False(line.StartsWith('#'), $"unexpected comment: {line}");
            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a sample line: {line}");
            Assert.True(family is not null && types.ContainsKey(family) && helps.Contains(family), $"sample before its family's HELP and TYPE: {line}");
            string sampleName = m.Groups[1].Value;
            Assert.True(sampleName == family || types[family!] == "histogram" && sampleName is var s
                && (s == family + "_bucket" || s == family + "_sum" || s == family + "_count"), $"a sample of another family under {family}: {line}");
            string v = m.Groups[3].Value;
            double value = v switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            var labels = new Dictionary<string, string>();
            foreach (Match l in LabelPair().Matches(m.Groups[2].Value))
                Assert.True(labels.TryAdd(l.Groups[1].Value, Regex.Unescape(l.Groups[2].Value)), $"label twice: {line}");
            Assert.True(series.Add(sampleName + string.Join(",", labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"))), $"series twice: {line}");
            families[family!].Add(new PrometheusSample(sampleName, labels, value));
        }
        return new PrometheusExposition(types, families);
    }

    /// <summary><c>promtool check metrics</c>: exit 0 and nothing to say, or the test fails with what it said.</summary>
    public static async Task LintAsync(string text)
    {
        var start = new ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        Process promtool;
        try
        {
            promtool = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("promtool is missing: install Debian's prometheus package (`apt-get install prometheus`, as .ci/run does)", e);
        }
        using (promtool)
        {
            var output = promtool.StandardOutput.ReadToEndAsync();
            var errors = promtool.StandardError.ReadToEndAsync();
            await promtool.StandardInput.WriteAsync(text);
            promtool.StandardInput.Close();
            await promtool.WaitForExitAsync();
            string said = (await output + await errors).Trim();
            Assert.True(promtool.ExitCode == 0 && said.Length == 0, $"promtool check metrics exited {promtool.ExitCode}: {said}");
        }
    }
}
