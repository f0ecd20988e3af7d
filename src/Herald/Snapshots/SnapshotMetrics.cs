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
/// Campaigns (seed 002's campaign metrics). <c>active</c>: distinct campaigns with outbound traffic in the period (an item
/// of the cohort or an event); <c>total</c>: those and the campaigns declared in the period (<c>PUT /api/v1/campaigns/{id}</c>).
/// Herald knows a campaign's size only when it was declared, so only declared campaigns finish: one whose items (from a day
/// before it was declared to the period's end, or now if sooner) reached its <c>total_recipients</c> with none still pending
/// is <c>completed</c> when at least as many were delivered as failed, else <c>failed</c>. <c>total_recipients</c>: the declared
/// recipients of the declared campaigns counted, plus the outbound messages of the period of the undeclared ones (one
/// recipient each). The averages are means over the active campaigns' own rates.
/// </summary>
public sealed record CampaignMetrics(
    long Total,
    long Active,
    long Completed,
    long Failed,
    long TotalRecipients,
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
/// Contacts. <c>total</c>: distinct recipients of the team's items of any kind (for an account snapshot, of that account's
/// items) whose earliest event is before the period's end; <c>new</c>: those whose first item is in the period; <c>blocked</c>:
/// those whose consent, as their last change before the period's end left it, is opted out or stopped (STOP). Of the period's
/// message items with a recipient: <c>active</c>: distinct recipients; <c>reached</c>: with an outbound message delivered;
/// <c>engaged</c>: read or replied to one, or wrote in; <c>engagement_rate</c> = engaged / active;
/// <c>average_engagement_score</c>: mean per-contact score (0–100).
/// </summary>
public sealed record ContactMetrics(
    long Total, long New, long Blocked, long Active, long Reached, long Engaged, double EngagementRate, double AverageEngagementScore);

/// <summary>
/// Inbound/outbound exchanges per recipient in the period. <c>total</c>: recipients with both an outbound and an inbound
/// message; <c>responses</c>: inbound messages that follow an outbound one to the same recipient;
/// <c>average_response_time_seconds</c>: mean time from the latest such outbound message's earliest event to the
/// inbound one's (null without responses). <c>open</c> and <c>closed</c> split the recipients who wrote in during the
/// period by their last inbound message of the period: <c>closed</c> when an outbound message to them (of the same
/// account, for an account snapshot) followed it within 24 hours, else <c>open</c> (unanswered, or answered later).
/// </summary>
public sealed record ConversationMetrics(long Total, long Open, long Closed, long Responses, double? AverageResponseTimeSeconds);

/// <summary>Every item of every kind (messages, OTPs, calls, parcels) with PRODUCT.md's outcome semantics.</summary>
public sealed record ItemMetrics(long Total, long Delivered, long Failed, long Pending, double DeliveryRate, double FailureRate, long Events, double Cost);
