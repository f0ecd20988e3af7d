using static Herald.Analytics.Failures.FailureCategories;

namespace Herald.Analytics.Failures;

public static partial class FailureCatalog
{
    /// <summary>
    /// The codes Herald's own senders report (<see cref="Herald.Senders.SendErrorCodes"/>) when a send fails before a
    /// provider gave a code of its own; any provider's attempt can carry them.
    /// </summary>
    private static readonly Dictionary<string, Entry> SenderCodes = new(StringComparer.Ordinal)
    {
        ["connect_failed"] = new(ProviderError, "Herald could not connect to the service", "Check the service's host, port and network path; Herald fell back to the next service"),
        ["timeout"] = new(ProviderError, "The service did not answer within the send timeout", "Check the service's status; raise Herald:Otp:SendTimeout only if it is slow by design"),
        ["connection_lost"] = new(ProviderError, "The connection to the service dropped during the send", "Retry; check the network path if it repeats"),
        ["protocol_error"] = new(ProviderError, "The service answered something Herald could not understand", "Check that the host and port point at the right kind of service"),
        ["config_invalid"] = new(Other, "The service's configuration is missing or malformed", "Fix the service's settings (PUT /api/v1/otp/services/{name}) and validate it"),
        ["unsupported_channel"] = new(Other, "The service cannot carry this channel", "Set the service's channels to what its sender supports"),
        ["invalid_recipient"] = new(InvalidNumber, "The recipient is not a valid address or number for this service", "Validate recipients before issuing codes"),
        ["sender_error"] = new(ProviderError, "The sender failed unexpectedly", "See Herald's log for the exception"),
    };
}
