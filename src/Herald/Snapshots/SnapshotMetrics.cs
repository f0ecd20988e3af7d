namespace Herald.Snapshots;

/// <summary>
/// The metrics of one snapshot, stored as JSON (snake_case). Sources: <c>messages</c>, <c>campaigns</c> and
/// <c>all_items</c> come from the rollup cells (status counts per dimension set); <c>contacts</c> and
/// <c>conversations</c> from the items table (one row per item, with its recipient), because rollups do not
/// keep recipients. Every count is a cohort count: items whose earliest event falls in the period, at their
/// current status.
/// </summary>
public sealed record SnapshotMetrics(
    MessageMetrics Messages,
    CampaignMetrics Campaigns,
    ContactMetrics Contacts,
    ConversationMetrics Conversations,
    ItemMetrics AllItems);

/// <summary>
/// Message items (kind <c>message</c>). <c>inbound</c> are those with direction inbound, <c>outbound</c> every other
/// (direction outbound or not reported). The status counts are of outbound messages: <c>sent</c> = reached the
/// provider and did not fail (sent, delivered, read, replied), <c>delivered</c> = delivered or beyond, <c>read</c> =
/// read or replied, <c>replied</c>, <c>failed</c> = failed, undelivered or expired, <c>pending</c> = queued or sent.
/// Rates: delivery and failure over outbound, read and reply over delivered. <c>growth_rate</c>: total against the
/// previous period of the same type.
/// </summary>
public sealed record MessageMetrics(
    long Total,
    long Inbound,
    long Outbound,
    long Sent,
    long Delivered,
    long Read,
    long Replied,
    long Failed,
    long Pending,
    double DeliveryRate,
    double ReadRate,
    double ReplyRate,
    double FailureRate,
    long PreviousTotal,
    double GrowthRate,
    long Events,
    double Cost);

/// <summary>
/// Outbound message items that name a campaign. <c>active</c>: distinct campaigns with traffic in the period (an item
/// of the cohort or an event); the averages are means over those campaigns' own rates.
/// </summary>
public sealed record CampaignMetrics(
    long Active,
    long TotalMessages,
    long Delivered,
    double AverageDeliveryRate,
    double AverageReadRate,
    double AverageScore,
    IReadOnlyList<CampaignTotals> Campaigns);

/// <summary>One campaign's outbound messages in the period. <c>conversion_rate</c>: replied of total; <c>score</c>: 0–100.</summary>
public sealed record CampaignTotals(
    string Campaign,
    long Total,
    long Sent,
    long Delivered,
    long Read,
    long Replied,
    long Failed,
    double DeliveryRate,
    double ReadRate,
    double ReplyRate,
    double FailureRate,
    double ConversionRate,
    double Score);

/// <summary>
/// Recipients of the period's message items (items without a recipient are not contacts). <c>active</c>: distinct
/// recipients; <c>reached</c>: with an outbound message delivered; <c>engaged</c>: read or replied to one, or wrote in;
/// <c>engagement_rate</c> = engaged / active; <c>average_engagement_score</c>: mean per-contact score (0–100).
/// </summary>
public sealed record ContactMetrics(long Active, long Reached, long Engaged, double EngagementRate, double AverageEngagementScore);

/// <summary>
/// Inbound/outbound exchanges per recipient in the period. <c>total</c>: recipients with both an outbound and an inbound
/// message; <c>responses</c>: inbound messages that follow an outbound one to the same recipient;
/// <c>average_response_time_seconds</c>: mean time from the latest such outbound message's earliest event to the
/// inbound one's (null without responses).
/// </summary>
public sealed record ConversationMetrics(long Total, long Responses, double? AverageResponseTimeSeconds);

/// <summary>Every item of every kind (messages, OTPs, calls, parcels) with PRODUCT.md's outcome semantics.</summary>
public sealed record ItemMetrics(long Total, long Delivered, long Failed, long Pending, double DeliveryRate, double FailureRate, long Events, double Cost);
