using Herald.Analytics;
using Herald.Domain;

namespace Herald.Api.Metrics;

/// <summary>The checked window, filter and team of a metrics question (see <see cref="MetricsParameters"/>).</summary>
public sealed record MetricsRequest(UtcMinute From, UtcMinute To, MetricFilter Filter, string? Team);
