using Herald.Domain;

namespace Herald.Analytics;

/// <summary>Which values each dimension may take (a missing dimension matches everything).</summary>
public sealed class MetricFilter
{
    private readonly Dictionary<Dimension, HashSet<string>> _allowed = new();

    public static readonly MetricFilter None = new();

    public bool IsEmpty => _allowed.Count == 0;

    /// <summary>The one dimension this filter restricts, with its values; null when it restricts none or several.</summary>
    public (Dimension Dimension, IReadOnlyCollection<string> Values)? Single =>
        _allowed.Count == 1 ? (_allowed.First().Key, _allowed.First().Value) : null;

    /// <summary>The values the filter allows for <paramref name="d"/>; null when it does not restrict it.</summary>
    public IReadOnlyCollection<string>? Allowed(Dimension d) => _allowed.TryGetValue(d, out var values) ? values : null;

    public MetricFilter Allow(Dimension d, IEnumerable<string> values)
    {
        _allowed[d] = new HashSet<string>(values, StringComparer.Ordinal);
        return this;
    }

    /// <summary>A copy that also restricts <paramref name="d"/> to the one value.</summary>
    public MetricFilter With(Dimension d, string value)
    {
        var copy = new MetricFilter();
        foreach (var (k, v) in _allowed) copy._allowed[k] = v;
        copy._allowed[d] = new HashSet<string>([value], StringComparer.Ordinal);
        return copy;
    }

    public bool Matches(DimensionTuple t)
    {
        foreach (var (d, values) in _allowed)
        {
            if (d == Dimension.Team) continue;
            var value = t.Text(d);
            if (value is null || !values.Contains(value)) return false;
        }
        return true;
    }
}
