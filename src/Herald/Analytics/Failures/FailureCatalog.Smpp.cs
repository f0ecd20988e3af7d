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
}
