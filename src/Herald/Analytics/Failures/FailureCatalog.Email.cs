using static Herald.Analytics.Failures.FailureCategories;

namespace Herald.Analytics.Failures;

public static partial class FailureCatalog
{
    /// <summary>
    /// Email: RFC 3463 enhanced status codes, plain SMTP replies, and provider drop/bounce reasons as lower_snake words
    /// (SendGrid drops, SES bounce sub-types, Mailgun suppressions). Enhanced codes not listed fall to <see cref="EnhancedRule"/>.
    /// </summary>
    private static readonly Dictionary<string, Entry> EmailCodes = new(StringComparer.Ordinal)
    {
        // Enhanced status codes.
        ["5.1.0"] = new(InvalidNumber, "Bad recipient address", "Check the recipient address and remove it if invalid"),
        ["5.1.1"] = new(InvalidNumber, "Bad destination mailbox address: the recipient does not exist", "Remove the address from the list; check it for typos"),
        ["5.1.2"] = new(InvalidNumber, "Bad destination system address: the domain does not exist", "Check the recipient domain for typos"),
        ["5.1.3"] = new(InvalidNumber, "Bad destination mailbox address syntax", "Validate address syntax before sending"),
        ["5.1.10"] = new(InvalidNumber, "Recipient domain has a null MX: it accepts no mail", "Remove the address"),
        ["5.2.1"] = new(Unreachable, "Mailbox disabled, not accepting messages", "Remove the address or retry much later"),
        ["5.2.2"] = new(Unreachable, "Mailbox full", "Retry later; the recipient must free space"),
        ["5.2.3"] = new(ContentRejected, "Message length exceeds the administrative limit", "Reduce the message and attachment size"),
        ["5.3.4"] = new(ContentRejected, "Message too big for the system", "Reduce the message and attachment size"),
        ["5.4.1"] = new(Unreachable, "No answer from the destination host", "Check the recipient domain's mail servers; retry later"),
        ["5.4.4"] = new(Unreachable, "Unable to route: no mail server for the destination", "Check the recipient domain's MX records"),
        ["5.4.7"] = new(Expired, "Delivery time expired", "Retry; the receiving server was unreachable for too long"),
        ["4.4.7"] = new(Expired, "Delivery time expired (message queued too long)", "Retry; the receiving server was unreachable for too long"),
        ["5.7.1"] = new(Blocked, "Delivery not authorized, message refused", "Check sender reputation, SPF/DKIM and blocklists; ask the recipient to allow-list you"),
        ["5.7.26"] = new(Blocked, "Message failed sender authentication (DMARC, SPF or DKIM)", "Fix SPF, DKIM and DMARC alignment for the sending domain"),
        ["4.2.2"] = new(Unreachable, "Mailbox full (temporary)", "Retry later"),
        ["4.7.28"] = new(RateLimit, "Rate limited by the receiving server due to unusual volume", "Reduce the send rate to this domain"),
        // Plain SMTP replies.
        ["421"] = new(ProviderError, "Service not available, closing transmission channel", "Retry later"),
        ["450"] = new(Unreachable, "Mailbox unavailable (busy or temporarily blocked)", "Retry later"),
        ["451"] = new(ProviderError, "Local error in processing", "Retry later"),
        ["452"] = new(ProviderError, "Insufficient system storage", "Retry later"),
        ["550"] = new(InvalidNumber, "Mailbox unavailable or not found", "Check the address; remove it if it keeps bouncing"),
        ["551"] = new(InvalidNumber, "User not local", "Check the recipient address"),
        ["552"] = new(Unreachable, "Exceeded storage allocation (mailbox full)", "Retry later"),
        ["553"] = new(InvalidNumber, "Mailbox name not allowed (bad address syntax)", "Validate address syntax before sending"),
        ["554"] = new(Blocked, "Transaction failed (often rejected as spam or by policy)", "Check sender reputation and content; review the bounce text"),
        // Drop and bounce reasons.
        ["bounced_address"] = new(InvalidNumber, "Dropped: the address bounced before", "Remove the address or clear it from the bounce list once fixed"),
        ["invalid"] = new(InvalidNumber, "Dropped: invalid address", "Validate addresses before sending"),
        ["unsubscribed_address"] = new(Blocked, "Dropped: the recipient unsubscribed", "Stop sending to this recipient"),
        ["unsubscribed_group"] = new(Blocked, "Dropped: the recipient unsubscribed from this group", "Stop sending this group's mail to this recipient"),
        ["spam_reporting_address"] = new(Blocked, "Dropped: the recipient reported a previous message as spam", "Stop sending to this recipient"),
        ["spam_content"] = new(ContentRejected, "Dropped: the content was flagged as spam", "Review the content and links"),
        ["invalid_smtpapi_header"] = new(ContentRejected, "Dropped: invalid SMTPAPI header", "Fix the X-SMTPAPI header"),
        ["no_email"] = new(InvalidNumber, "Bounce: the address does not exist", "Remove the address"),
        ["suppressed"] = new(Blocked, "Bounce: the address is on the provider's suppression list", "Remove the address"),
        ["on_account_suppression_list"] = new(Blocked, "Bounce: the address is on the account's suppression list", "Remove the address or take it off the list once fixed"),
        ["mailbox_full"] = new(Unreachable, "Bounce: mailbox full", "Retry later"),
        ["message_too_large"] = new(ContentRejected, "Bounce: the message is too large", "Reduce the message and attachment size"),
        ["content_rejected"] = new(ContentRejected, "Bounce: the content was rejected", "Review the content"),
        ["attachment_rejected"] = new(ContentRejected, "Bounce: the attachment was rejected", "Remove or change the attachment"),
        ["general"] = new(Other, "Bounce: general failure", "Review the bounce text"),
        ["suppress_bounce"] = new(InvalidNumber, "Suppressed: the address bounced before", "Remove the address"),
        ["suppress_unsubscribe"] = new(Blocked, "Suppressed: the recipient unsubscribed", "Stop sending to this recipient"),
        ["suppress_complaint"] = new(Blocked, "Suppressed: the recipient complained", "Stop sending to this recipient"),
        ["dropped"] = new(Blocked, "Dropped by the provider without sending (usually a suppressed address)", "Check the provider's suppression lists for the address"),
        ["bounce"] = new(InvalidNumber, "Bounced: the receiving server rejected the message permanently", "Review the bounce reason; remove the address if invalid"),
        ["deferred"] = new(ProviderError, "Deferred: the receiving server asked to retry later", "Nothing to do; the provider retries"),
        ["blocked"] = new(Blocked, "Blocked by the receiving server", "Check sender reputation and blocklists"),
        ["spamreport"] = new(Blocked, "The recipient marked the message as spam", "Stop sending to this recipient"),
        ["old"] = new(Expired, "Gave up: the message could not be delivered in time", "Retry later"),
    };

    /// <summary>The class of an enhanced status code not listed, by its class and subject (RFC 3463).</summary>
    private static Entry? EnhancedRule(string code)
    {
        var parts = code.Split('.');
        if (parts.Length != 3) return null;
        bool permanent = parts[0] == "5";
        string subject = parts[1];
        if (!permanent)
        {
            return subject switch
            {
                "7" => new(RateLimit, "Temporary policy rejection (throttling or greylisting)", "Retry later at a lower rate"),
                "2" => new(Unreachable, "Temporary mailbox problem", "Retry later"),
                _ => new(ProviderError, "Temporary delivery failure", "Retry later"),
            };
        }
        return subject switch
        {
            "1" => new(InvalidNumber, "Invalid recipient address", "Check the address and remove it if invalid"),
            "2" => new(Unreachable, "Mailbox problem at the recipient", "Retry later or remove the address"),
            "3" => new(ProviderError, "Mail system problem at the recipient", "Retry later"),
            "4" => new(Unreachable, "Network or routing problem", "Check the recipient domain's mail servers"),
            "5" => new(ProviderError, "Mail delivery protocol error", "Check the sending configuration"),
            "6" => new(ContentRejected, "Message content or media rejected", "Review the content, encoding and attachments"),
            "7" => new(Blocked, "Rejected by security or policy", "Check sender reputation, authentication and blocklists"),
            _ => new(Other, "Permanent delivery failure", "Review the bounce text"),
        };
    }
}
