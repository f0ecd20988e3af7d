using System.ComponentModel;
using Herald.Analytics;
using Herald.Domain;
using Herald.Engine;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Api.Metrics;

/// <summary>
/// The window and filters every metrics question takes, bound with <c>[AsParameters]</c> so the OpenAPI document lists
/// them. Filters take comma-separated values (<c>provider=twilio,vonage</c>); a missing filter matches everything.
/// </summary>
public class MetricsParameters
{
    private const string FilterText = "Only items with one of these values (comma-separated).";

    [FromQuery(Name = "from"), Description("Window start, inclusive: RFC 3339 with a time zone, truncated to the minute. Default: 24 hours before `to`.")]
    public Timestamp? From { get; init; }

    [FromQuery(Name = "to"), Description("Window end, exclusive: RFC 3339 with a time zone, truncated to the minute. Default: the end of the current minute.")]
    public Timestamp? To { get; init; }

    [FromQuery(Name = "team"), Description("Admin keys: the team (id or name) to read, else every team. A team key may only name its own team.")]
    public string? Team { get; init; }

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

    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(3660);

    /// <summary>The checked window and filter; a bad value is a 400 naming its parameter.</summary>
    public MetricsRequest ToRequest(DateTimeOffset now)
    {
        var to = To?.Minute ?? UtcMinute.FromDateTimeOffset(now).Next(Granularity.Minute);
        var from = From?.Minute ?? new UtcMinute(to.Value - 24 * 60);
        if (from >= to) throw new BadParameterException("from", "must be earlier than to");
        if (TimeSpan.FromMinutes(to.Value - from.Value) > MaxWindow) throw new BadParameterException("from", "the window may span at most 10 years");

        var filter = new MetricFilter();
        foreach (var d in Dimensions.All)
        {
            if (d == Dimension.Team || ValueOf(d) is not { } values) continue;
            var list = values.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (list.Length == 0) throw new BadParameterException(Dimensions.Name(d), "must name at least one value");
            if (d == Dimension.Kind)
                foreach (var k in list)
                    if (!ItemKinds.TryParse(k, out _)) throw new BadParameterException("kind", $"'{k}' is not one of message, otp, call, parcel");
            if (d == Dimension.Country) list = list.Select(c => c.ToUpperInvariant()).ToArray();
            filter.Allow(d, list);
        }
        return new MetricsRequest(from, to, filter, Team);
    }

    /// <summary>The dimension filters as given, for features that keep them as text (live streams, alert rules).</summary>
    public string? ValueOf(Dimension d) => d switch
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
