using System.Globalization;
using System.Text;

namespace Herald.Monitoring;

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4) by hand: one <c># HELP</c> and one <c># TYPE</c> line per
/// family, then its samples; counter names end in <c>_total</c>; help text escapes <c>\</c> and newlines, label values
/// escape <c>\</c>, <c>"</c> and newlines; values are invariant-culture numbers or <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>.
/// A family is written once even when samples are added in several calls.
/// </summary>
public sealed class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _sb = new();
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);
    private string? _current;

    public PrometheusText Family(string name, string type, string help)
    {
        if (!IsMetricName(name)) throw new ArgumentException($"not a metric name: {name}", nameof(name));
        if (type == "counter" && !name.EndsWith("_total", StringComparison.Ordinal))
            throw new ArgumentException($"a counter's name must end in _total: {name}", nameof(name));
        if (!_families.Add(name)) throw new InvalidOperationException($"family {name} written twice");
        _current = name;
        _sb.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        _sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    public PrometheusText Sample(double value, params (string Name, string Value)[] labels)
    {
        var name = _current ?? throw new InvalidOperationException("Family first");
        _sb.Append(name);
        if (labels.Length > 0)
        {
            _sb.Append('{');
            for (int i = 0; i < labels.Length; i++)
            {
                if (!IsLabelName(labels[i].Name)) throw new ArgumentException($"not a label name: {labels[i].Name}");
                if (i > 0) _sb.Append(',');
                _sb.Append(labels[i].Name).Append("=\"").Append(EscapeLabel(labels[i].Value)).Append('"');
            }
            _sb.Append('}');
        }
        _sb.Append(' ').Append(Format(value)).Append('\n');
        return this;
    }

    public override string ToString() => _sb.ToString();

    public static string Format(double v) =>
        double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : double.IsNaN(v) ? "NaN" : v.ToString("R", CultureInfo.InvariantCulture);

    public static string EscapeLabel(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    public static string EscapeHelp(string value) => value.Replace("\\", "\\\\").Replace("\n", "\\n");

    public static bool IsMetricName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] is '_' or ':') && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    public static bool IsLabelName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] == '_') && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !s.StartsWith("__", StringComparison.Ordinal);
}
