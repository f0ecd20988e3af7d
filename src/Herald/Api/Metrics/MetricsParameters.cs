using System.ComponentModel;
using Herald.Analytics;
using Herald.Api.Parameters;
using Herald.Domain;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Api.Metrics;

/// <summary>
/// The dimension filters (and team) every metrics question takes, bound with <c>[AsParameters]</c> so the OpenAPI document
/// lists them. Filters take comma-separated values (<c>provider=twilio,vonage</c>); a missing filter matches everything.
/// </summary>
public class DimensionFilterParameters : TeamParameters
{
    private const string FilterText = "Only items with one of these values (comma-separated).";

    [FromQuery(Name = "account"), Description(FilterText + " A sending account.")] public string? Account { get; init; }
    [FromQuery(Name = "channel"), Description(FilterText + " One of sms, whatsapp, email, voice, push, courier.")] public string? Channel { get; init; }
    [FromQuery(Name = "provider"), Description(FilterText + " A provider, e.g. twilio.")] public string? Provider { get; init; }
    [FromQuery(Name = "route"), Description(FilterText + " A route.")] public string? Route { get; init; }
    [FromQuery(Name = "campaign"), Description(FilterText + " A campaign id.")] public string? Campaign { get; init; }
    [FromQuery(Name = "country"), Description(FilterText + " An ISO 3166 alpha-2 country code.")] public string? Country { get; init; }
    [FromQuery(Name = "kind"), Description(FilterText + " One of message, otp, call, parcel.")] public string? Kind { get; init; }
    [FromQuery(Name = "direction"), Description(FilterText + " outbound or inbound.")] public string? Direction { get; init; }
    [FromQuery(Name = "agent"), Description(FilterText + " A delivery agent's id.")] public string? Agent { get; init; }
    [FromQuery(Name = "template"), Description(FilterText + " A message template's name.")] public string? Template { get; init; }

    /// <summary>The checked filter; a bad value is a 400 naming its parameter.</summary>
    public MetricFilter Filter()
    {
        var filter = new MetricFilter();
        foreach (var (d, list) in Values()) filter.Allow(d, list);
        return filter;
    }

    /// <summary>Each given filter's checked values (countries upper-cased), for features that keep them apart (live streams).</summary>
    public IReadOnlyList<(Dimension Dimension, string[] Values)> Values()
    {
        var given = new List<(Dimension, string[])>();
        foreach (var d in Dimensions.All)
        {
            if (d == Dimension.Team || ValueOf(d) is not { } values) continue;
            var list = values.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (list.Length == 0) throw new BadParameterException(Dimensions.Name(d), "must name at least one value");
            if (d == Dimension.Kind)
                foreach (var k in list)
                    if (!ItemKinds.TryParse(k, out _)) throw new BadParameterException("kind", $"'{k}' is not one of message, otp, call, parcel");
            if (d == Dimension.Country) list = list.Select(c => c.ToUpperInvariant()).ToArray();
            given.Add((d, list));
        }
        return given;
    }

    private string? ValueOf(Dimension d) => d switch
    {
        Dimension.Account => Account,
        Dimension.Channel => Channel,
        Dimension.Provider => Provider,
        Dimension.Route => Route,
        Dimension.Campaign => Campaign,
        Dimension.Country => Country,
        Dimension.Kind => Kind,
        Dimension.Direction => Direction,
        Dimension.Agent => Agent,
        Dimension.Template => Template,
        _ => null,
    };
}

/// <summary>The window, filters and team of the metrics questions that take a window of the caller's choosing.</summary>
public class MetricsParameters : DimensionFilterParameters
{
    [FromQuery(Name = "from"), Description(MetricsWindow.FromText)]
    public Timestamp? From { get; init; }

    [FromQuery(Name = "to"), Description(MetricsWindow.ToText)]
    public Timestamp? To { get; init; }

    /// <summary>The checked window and filter; a bad value is a 400 naming its parameter.</summary>
    public MetricsRequest ToRequest(DateTimeOffset now)
    {
        var (from, to) = MetricsWindow.Of(From, To, now);
        return new MetricsRequest(from, to, Filter(), Team);
    }
}

/// <summary>The window rule of the metrics API: <c>[from, to)</c> in whole minutes, by default the last 24 hours, at most 10 years.</summary>
public static class MetricsWindow
{
    public const string FromText = "Window start, inclusive: RFC 3339 with a time zone, truncated to the minute. Default: 24 hours before `to`.";
    public const string ToText = "Window end, exclusive: RFC 3339 with a time zone, truncated to the minute. Default: the end of the current minute.";

    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(3660);

    public static (UtcMinute From, UtcMinute To) Of(Timestamp? fromParameter, Timestamp? toParameter, DateTimeOffset now)
    {
        var to = toParameter?.Minute ?? UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
        var from = fromParameter?.Minute ?? new UtcMinute(to.Value - 24 * 60);
        if (from >= to) throw new BadParameterException("from", "must be earlier than to");
        if (TimeSpan.FromMinutes(to.Value - from.Value) > MaxWindow) throw new BadParameterException("from", "the window may span at most 10 years");
        return (from, to);
    }
}
