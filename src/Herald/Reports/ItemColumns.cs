using Herald.Analytics.Items;
using Herald.Engine;

namespace Herald.Reports;

/// <summary>
/// The columns of a per-item table (item exports, the message report's messages): the names are the items API's fields,
/// times are RFC 3339 text as the API writes them, so a file's row and the API's item say the same.
/// </summary>
public static class ItemColumns
{
    public static readonly IReadOnlyList<ReportColumn> All =
    [
        new("item_id", "Item", ColumnKind.Text),
        new("team", "Team", ColumnKind.Text),
        new("kind", "Kind", ColumnKind.Text),
        new("status", "Status", ColumnKind.Text),
        new("outcome", "Outcome", ColumnKind.Text),
        new("status_at", "Status at (UTC)", ColumnKind.Text),
        new("earliest_at", "First event (UTC)", ColumnKind.Text),
        new("first_sent_at", "First sent (UTC)", ColumnKind.Text),
        new("delivered_at", "Delivered (UTC)", ColumnKind.Text),
        new("latency_seconds", "Latency (s)", ColumnKind.Seconds),
        new("account", "Account", ColumnKind.Text),
        new("channel", "Channel", ColumnKind.Text),
        new("provider", "Provider", ColumnKind.Text),
        new("route", "Route", ColumnKind.Text),
        new("campaign", "Campaign", ColumnKind.Text),
        new("country", "Country", ColumnKind.Text),
        new("direction", "Direction", ColumnKind.Text),
        new("agent", "Agent", ColumnKind.Text),
        new("template", "Template", ColumnKind.Text),
        new("recipient", "Recipient", ColumnKind.Text),
        new("cost", "Cost", ColumnKind.Money),
        new("error_code", "Error code", ColumnKind.Text),
        new("event_count", "Events", ColumnKind.Integer),
    ];

    /// <summary>The row's values in the order of <see cref="All"/>.</summary>
    public static object?[] Values(ItemRow r)
    {
        var d = r.Dimensions;
        return
        [
            r.ItemId, r.Team, r.Kind, r.Status, r.Outcome, Text(r.StatusAt), Text(r.EarliestAt), Text(r.FirstSentAt), Text(r.DeliveredAt), r.LatencySeconds,
            d.Account, d.Channel, d.Provider, d.Route, d.Campaign, d.Country, d.Direction, d.Agent, d.Template, r.Recipient, r.Cost, r.ErrorCode, r.EventCount,
        ];
    }

    private static string? Text(DateTimeOffset? t) => t is { } at ? EventParser.FormatTimestamp(at.ToUnixTimeMilliseconds()) : null;
}
