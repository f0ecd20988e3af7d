namespace Herald.Domain;

/// <summary>One validated event, ready for the writer. Times are Unix milliseconds (UTC).</summary>
public sealed class IncomingEvent
{
    public string? EventId { get; init; }
    public required string ItemId { get; init; }
    /// <summary>Null when the event did not say: the item's kind applies, or for a new item the kind its status implies.</summary>
    public ItemKind? Kind { get; init; }
    public required Status Status { get; init; }
    public required long OccurredAtMs { get; init; }
    public string? Account { get; init; }
    public string? Channel { get; init; }
    public string? Provider { get; init; }
    public string? Route { get; init; }
    public string? Campaign { get; init; }
    public string? Recipient { get; init; }
    public string? Country { get; init; }
    public string? Direction { get; init; }
    /// <summary>The delivery agent who carried the item (a parcel attempt).</summary>
    public string? Agent { get; init; }
    /// <summary>The message template the item was sent with.</summary>
    public string? Template { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
    public double? Cost { get; init; }
    public int? Attempt { get; init; }
    public string? Text { get; init; }
    public string? MetadataJson { get; init; }

    /// <summary>A copy of this event naming another recipient (the stored form of its own).</summary>
    public IncomingEvent WithRecipient(string? recipient) => new()
    {
        EventId = EventId, ItemId = ItemId, Kind = Kind, Status = Status, OccurredAtMs = OccurredAtMs, Account = Account,
        Channel = Channel, Provider = Provider, Route = Route, Campaign = Campaign, Recipient = recipient, Country = Country,
        Direction = Direction, Agent = Agent, Template = Template, ErrorCode = ErrorCode, ErrorMessage = ErrorMessage,
        Cost = Cost, Attempt = Attempt, Text = Text, MetadataJson = MetadataJson,
    };

    public bool HasAnyDimension =>
        Account is not null || Channel is not null || Provider is not null || Route is not null
        || Campaign is not null || Country is not null || Direction is not null
        || Agent is not null || Template is not null;
}
