using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Webhooks;

/// <summary>What a callback URL's query may add to the events it maps (the provider's payload does not say).</summary>
public sealed class WebhookQueryParameters
{
    [FromQuery(Name = "provider"), Description("Fills or overrides the provider dimension of the mapped events.")]
    public string? Provider { get; init; }

    [FromQuery(Name = "account"), Description("Fills or overrides the account dimension of the mapped events.")]
    public string? Account { get; init; }

    [FromQuery(Name = "route"), Description("Fills or overrides the route dimension of the mapped events.")]
    public string? Route { get; init; }

    [FromQuery(Name = "campaign"), Description("Fills or overrides the campaign dimension of the mapped events.")]
    public string? Campaign { get; init; }

    [FromQuery(Name = "to"), Description("smpp: the recipient of the receipts.")]
    public string? To { get; init; }

    [FromQuery(Name = "item_id"), Description("email: full keeps the whole sg_message_id as the item id (unique per recipient).")]
    public string? ItemId { get; init; }
}

/// <summary>Meta's verification handshake (<c>GET</c> with <c>hub.mode=subscribe</c>).</summary>
public sealed class WhatsAppVerifyParameters
{
    [FromQuery(Name = "hub.mode"), Description("subscribe.")]
    public string? Mode { get; init; }

    [FromQuery(Name = "hub.verify_token"), Description("Must equal the verify token configured for whatsapp.")]
    public string? VerifyToken { get; init; }

    [FromQuery(Name = "hub.challenge"), Description("Answered back as the body when the token matches.")]
    public string? Challenge { get; init; }
}
