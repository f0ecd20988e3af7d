using static Herald.Analytics.Failures.FailureCategories;

namespace Herald.Analytics.Failures;

public static partial class FailureCatalog
{
    /// <summary>SMPP delivery receipt stat words (SMPP 3.4 appendix B); the SMSC's err part is kept in the code.</summary>
    private static readonly (string Stat, Entry Entry)[] SmppStats =
    [
        ("EXPIRED", new(Expired, "Message validity period expired", "Check the recipient's handset was reachable; raise the validity period")),
        ("DELETED", new(ProviderError, "Message deleted by the SMSC", "Ask the SMSC operator why the message was deleted")),
        ("UNDELIV", new(Unreachable, "Message undeliverable", "Check the number and the route; retry later")),
        ("REJECTD", new(Blocked, "Message rejected by the SMSC or the destination network", "Check sender ID, content and route permissions with the SMSC")),
        ("UNKNOWN", new(Other, "Message state unknown", "Ask the SMSC operator for the final state")),
        ("DELIVRD", new(Other, "Message delivered (not a failure)", "None")),
        ("ACCEPTD", new(Other, "Message accepted on behalf of the subscriber (not a failure)", "None")),
        ("ENROUTE", new(Other, "Message in transit (not a failure)", "None")),
    ];

    /// <summary>
    /// SMPP <c>command_status</c> values (SMPP 3.4, section 5.1.3), as SMSCs put them in a receipt's <c>err</c> field or a
    /// gateway reports them alone (<c>00B</c>, <c>0x0000000B</c>): keyed by numeric value.
    /// </summary>
    private static readonly Dictionary<int, Entry> SmppErrors = new()
    {
        [0x01] = new(ContentRejected, "ESME_RINVMSGLEN: message length is invalid", "Shorten the message or fix its encoding"),
        [0x02] = new(ProviderError, "ESME_RINVCMDLEN: command length is invalid", "Check the SMPP client"),
        [0x03] = new(ProviderError, "ESME_RINVCMDID: invalid command ID", "Check the SMPP client"),
        [0x04] = new(ProviderError, "ESME_RINVBNDSTS: incorrect bind status for the command", "Rebind the SMPP session"),
        [0x05] = new(ProviderError, "ESME_RALYBND: already bound", "Check the SMPP session handling"),
        [0x08] = new(ProviderError, "ESME_RSYSERR: system error at the SMSC", "Retry later"),
        [0x0A] = new(InvalidNumber, "ESME_RINVSRCADR: invalid source address", "Use a sender address the SMSC accepts"),
        [0x0B] = new(InvalidNumber, "ESME_RINVDSTADR: invalid destination address", "Validate E.164 format before sending"),
        [0x0C] = new(Other, "ESME_RINVMSGID: invalid message ID", "Check the message ID used"),
        [0x0D] = new(ProviderError, "ESME_RBINDFAIL: bind failed", "Check the SMPP credentials and bind type"),
        [0x0E] = new(Other, "ESME_RINVPASWD: invalid password", "Check the SMPP credentials"),
        [0x0F] = new(Other, "ESME_RINVSYSID: invalid system ID", "Check the SMPP credentials"),
        [0x14] = new(RateLimit, "ESME_RMSGQFUL: message queue full", "Reduce send rate or increase rate limits"),
        [0x15] = new(ContentRejected, "ESME_RINVSERTYP: invalid service type", "Fix the service_type parameter"),
        [0x33] = new(ContentRejected, "ESME_RINVNUMDESTS: invalid number of destinations", "Fix the destination list"),
        [0x45] = new(ProviderError, "ESME_RSUBMITFAIL: submit_sm failed", "Retry; ask the SMSC operator for the cause"),
        [0x48] = new(InvalidNumber, "ESME_RINVSRCTON: invalid source address TON", "Fix the source address type of number"),
        [0x49] = new(InvalidNumber, "ESME_RINVSRCNPI: invalid source address NPI", "Fix the source address numbering plan"),
        [0x50] = new(InvalidNumber, "ESME_RINVDSTTON: invalid destination address TON", "Fix the destination type of number"),
        [0x51] = new(InvalidNumber, "ESME_RINVDSTNPI: invalid destination address NPI", "Fix the destination numbering plan"),
        [0x58] = new(RateLimit, "ESME_RTHROTTLED: throttling error, send rate exceeded", "Reduce send rate or increase rate limits"),
        [0x61] = new(ContentRejected, "ESME_RINVSCHED: invalid scheduled delivery time", "Fix schedule_delivery_time"),
        [0x62] = new(ContentRejected, "ESME_RINVEXPIRY: invalid validity period", "Fix validity_period"),
        [0x64] = new(ProviderError, "ESME_RX_T_APPN: temporary application error", "Retry later"),
        [0x65] = new(Blocked, "ESME_RX_P_APPN: permanent application error", "Do not retry; ask the SMSC operator why"),
        [0x66] = new(Blocked, "ESME_RX_R_APPN: rejected by the application", "Do not retry; ask the SMSC operator why"),
        [0x67] = new(Other, "ESME_RQUERYFAIL: query_sm failed", "Check the message ID"),
        [0xFF] = new(Other, "ESME_RUNKNOWNERR: unknown error", "Ask the SMSC operator for the cause"),
    };

    /// <summary>An SMPP err value (<c>00B</c>, <c>0x0B</c>, <c>11</c> read as hex like SMSCs write it), or -1.</summary>
    private static int SmppErrorValue(string err)
    {
        var hex = err.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? err[2..] : err;
        if (hex.Length is 0 or > 8) return -1;
        return int.TryParse(hex, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out int v) ? v : -1;
    }
}
