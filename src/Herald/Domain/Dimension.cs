
namespace Herald.Domain;

/// <summary>The dimensions every metric can be filtered and grouped by.</summary>
public enum Dimension
{
    Team,
    Account,
    Channel,
    Provider,
    Route,
    Campaign,
    Country,
    Kind,
    Direction,
    // Appended after the original nine: a dimension's number keys its projection scope (Projections.ScopeOf).
    Agent,
    Template,
}

public static class Dimensions
{
    public static readonly Dimension[] All =
    [
        Dimension.Team, Dimension.Account, Dimension.Channel, Dimension.Provider, Dimension.Route,
        Dimension.Campaign, Dimension.Country, Dimension.Kind, Dimension.Direction, Dimension.Agent, Dimension.Template,
    ];

    /// <summary>The dimensions an event carries as text (kind and team are typed).</summary>
    public static readonly Dimension[] Textual =
    [
        Dimension.Account, Dimension.Channel, Dimension.Provider, Dimension.Route,
        Dimension.Campaign, Dimension.Country, Dimension.Direction, Dimension.Agent, Dimension.Template,
    ];

    public static readonly string[] Channels = ["sms", "whatsapp", "email", "voice", "push", "courier"];
    public static readonly string[] Directions = ["outbound", "inbound"];

    public static string Name(Dimension d) => d switch
    {
        Dimension.Team => "team",
        Dimension.Account => "account",
        Dimension.Channel => "channel",
        Dimension.Provider => "provider",
        Dimension.Route => "route",
        Dimension.Campaign => "campaign",
        Dimension.Country => "country",
        Dimension.Kind => "kind",
        Dimension.Direction => "direction",
        Dimension.Agent => "agent",
        Dimension.Template => "template",
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    public static bool TryParse(string? value, out Dimension dimension)
    {
        foreach (var d in All)
        {
            if (string.Equals(Name(d), value, StringComparison.Ordinal))
            {
                dimension = d;
                return true;
            }
        }
        dimension = default;
        return false;
    }
}

/// <summary>
/// The item dimensions that rollups are keyed by, interned as one small integer per distinct tuple
/// (see <c>DimensionRegistry</c>). Missing values are null.
/// </summary>
public readonly record struct DimensionTuple(
    int TeamId,
    ItemKind Kind,
    string? Account,
    string? Channel,
    string? Provider,
    string? Route,
    string? Campaign,
    string? Country,
    string? Direction,
    string? Agent = null,
    string? Template = null)
{
    /// <summary>Received from the contact rather than sent to it: every other direction (or none) is outbound.</summary>
    public bool IsInbound => Direction == "inbound";

    public string? Text(Dimension d) => d switch
    {
        Dimension.Account => Account,
        Dimension.Channel => Channel,
        Dimension.Provider => Provider,
        Dimension.Route => Route,
        Dimension.Campaign => Campaign,
        Dimension.Country => Country,
        Dimension.Direction => Direction,
        Dimension.Agent => Agent,
        Dimension.Template => Template,
        Dimension.Kind => ItemKinds.Name(Kind),
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    /// <summary>This tuple with every missing value filled from <paramref name="other"/> (first value wins).</summary>
    public DimensionTuple FillFrom(DimensionTuple other) =>
        (Account is null && other.Account is not null) || (Channel is null && other.Channel is not null)
        || (Provider is null && other.Provider is not null) || (Route is null && other.Route is not null)
        || (Campaign is null && other.Campaign is not null) || (Country is null && other.Country is not null)
        || (Direction is null && other.Direction is not null) || (Agent is null && other.Agent is not null)
        || (Template is null && other.Template is not null)
            ? this with
            {
                Account = Account ?? other.Account,
                Channel = Channel ?? other.Channel,
                Provider = Provider ?? other.Provider,
                Route = Route ?? other.Route,
                Campaign = Campaign ?? other.Campaign,
                Country = Country ?? other.Country,
                Direction = Direction ?? other.Direction,
                Agent = Agent ?? other.Agent,
                Template = Template ?? other.Template,
            }
            : this;
}
