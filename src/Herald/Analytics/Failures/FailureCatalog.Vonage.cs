using static Herald.Analytics.Failures.FailureCategories;

namespace Herald.Analytics.Failures;

public static partial class FailureCatalog
{
    /// <summary>Vonage (Nexmo) SMS delivery receipt <c>err-code</c> values. Small numbers clash with Meta's, so only a provider naming Vonage selects them.</summary>
    private static readonly Dictionary<string, Entry> VonageCodes = new(StringComparer.Ordinal)
    {
        ["1"] = new(Other, "Unknown: the carrier gave no reason", "Retry later; contact Vonage support if it persists"),
        ["2"] = new(Unreachable, "Absent subscriber (temporary): handset off or out of coverage", "Retry later"),
        ["3"] = new(InvalidNumber, "Absent subscriber (permanent): the number is no longer active", "Remove the number"),
        ["4"] = new(Blocked, "Call barred by the user", "The recipient blocks these messages; stop sending"),
        ["5"] = new(ProviderError, "Portability error: the number moved carriers", "Retry; the route will update"),
        ["6"] = new(ContentRejected, "Anti-spam rejection by the carrier", "Review the content and register the sender"),
        ["7"] = new(Unreachable, "Handset busy", "Retry later"),
        ["8"] = new(ProviderError, "Network error", "Retry later"),
        ["9"] = new(InvalidNumber, "Illegal number", "Validate E.164 format before sending"),
        ["10"] = new(ContentRejected, "Illegal message", "Check the message encoding and content"),
        ["11"] = new(Unreachable, "Unroutable: no route to the destination", "Check the destination is supported"),
        ["12"] = new(Unreachable, "Destination unreachable", "Retry later"),
        ["13"] = new(Blocked, "Subscriber age restriction", "Do not send age-restricted content to this recipient"),
        ["14"] = new(Blocked, "Number blocked by the carrier", "Stop sending to this number"),
        ["15"] = new(Blocked, "Prepaid subscriber has insufficient funds", "Retry later"),
        ["16"] = new(RateLimit, "Gateway quota exceeded", "Reduce send rate or raise the quota"),
        ["50"] = new(Blocked, "Entity filter: sender entity not registered", "Register the sender entity (e.g. India DLT)"),
        ["51"] = new(Blocked, "Header filter: sender header not registered", "Register the sender header"),
        ["52"] = new(ContentRejected, "Content filter: template not registered", "Register the message template"),
        ["53"] = new(Blocked, "Consent filter: no consent for this recipient", "Collect consent before sending"),
        ["54"] = new(Blocked, "Regulation error", "Check the destination's messaging regulations"),
        ["99"] = new(ProviderError, "General error", "Retry; contact Vonage support if it persists"),
    };
}
