using System.Text;
using System.Text.RegularExpressions;

namespace Herald.Analytics.Failures;

/// <summary>
/// What one provider error code means: the normalized code, the provider family it belongs to, its refined
/// <see cref="Category"/> and the seed's coarse <see cref="Group"/>, a description and a suggested resolution.
/// <see cref="Known"/> is false for a code the catalog does not recognize (it is still counted under its own code).
/// </summary>
public sealed record FailureClass(
    string Code, string Family, string Category, string Group, string Description, string Resolution, bool Known);

/// <summary>The refined failure categories and the seed's groups (network, validation, rate_limit, other).</summary>
public static class FailureCategories
{
    public const string InvalidNumber = "invalid_number";
    public const string Unreachable = "unreachable";
    public const string Blocked = "blocked";
    public const string ContentRejected = "content_rejected";
    public const string Expired = "expired";
    public const string ProviderError = "provider_error";
    public const string RateLimit = "rate_limit";
    public const string Other = "other";

    public const string GroupNetwork = "network";
    public const string GroupValidation = "validation";
    public const string GroupRateLimit = "rate_limit";
    public const string GroupOther = "other";

    public static readonly string[] All = [InvalidNumber, Unreachable, Blocked, ContentRejected, Expired, ProviderError, RateLimit, Other];
    public static readonly string[] Groups = [GroupNetwork, GroupValidation, GroupRateLimit, GroupOther];

    /// <summary>
    /// The seed's group of a refined category. Validation: the request itself is wrong and a retry of the same
    /// request fails again (<c>invalid_number</c>: bad or non-mobile recipient address or number;
    /// <c>content_rejected</c>: body, template, media or parameters refused). Network: delivery was attempted and
    /// the path failed, so a later retry may succeed (<c>unreachable</c>: handset off, mailbox full, no route;
    /// <c>provider_error</c>: the provider's or carrier's own fault; <c>expired</c>: validity period ran out in
    /// transit). Rate limit: <c>rate_limit</c> (throughput, queue, daily caps). Other: <c>blocked</c> (policy,
    /// opt-out, account or sender not allowed; a decision, not a fault) and <c>other</c> (everything else,
    /// including unrecognized codes).
    /// </summary>
    public static string GroupOf(string category) => category switch
    {
        InvalidNumber or ContentRejected => GroupValidation,
        Unreachable or ProviderError or Expired => GroupNetwork,
        RateLimit => GroupRateLimit,
        _ => GroupOther,
    };
}

/// <summary>
/// Normalizes provider error codes into failure classes. Families and code formats, as Herald's webhooks emit them:
/// <list type="bullet">
/// <item><c>twilio</c>: numeric codes as strings (<c>21211</c>, <c>30003</c>, <c>63016</c>...).</item>
/// <item><c>whatsapp</c> (Meta WhatsApp Cloud API): numeric codes (<c>131026</c>, <c>130429</c>, <c>368</c>, <c>100</c>...).</item>
/// <item><c>smpp</c>: delivery receipt <c>STAT</c> or <c>STAT:err</c> (<c>UNDELIV:001</c>, <c>REJECTD:0B</c>); classified by the
/// stat word, the err part kept in the code; an err value alone (<c>00B</c>, from a provider naming smpp) by the SMPP
/// command_status table.</item>
/// <item><c>vonage</c>: SMS delivery receipt err-codes (<c>9</c> illegal number); chosen only by the provider name.</item>
/// <item><c>email</c>: enhanced status codes (<c>5.1.1</c>), plain SMTP replies (<c>550</c>) and drop/bounce reasons as
/// lower_snake words (<c>bounced_address</c>, SES <c>MailboxFull</c> → <c>mailbox_full</c>).</item>
/// </list>
/// The family comes from the <c>provider</c> dimension when it names one (twilio; whatsapp or meta; smpp; sendgrid, smtp,
/// email, ses, mailgun); when it names none, or the code is not in that family's table, from the code's shape and the
/// tables (5 digits → twilio, 6 digits → whatsapp, a stat word → smpp, d.d.d → email). An unrecognized code keeps its
/// (trimmed) text, category <c>other</c>, <see cref="FailureClass.Known"/> false. No code at all → code <c>unknown</c>.
/// </summary>
public static partial class FailureCatalog
{
    public const string Twilio = "twilio";
    public const string WhatsApp = "whatsapp";
    public const string Smpp = "smpp";
    public const string Email = "email";
    public const string Vonage = "vonage";
    public const string HeraldSender = "herald";
    /// <summary>The family of a code neither the provider nor the code's shape places.</summary>
    public const string UnknownFamily = "unknown";
    /// <summary>The code of a failure that reported none.</summary>
    public const string NoCode = "unknown";

    public static readonly string[] Families = [Twilio, WhatsApp, Smpp, Email, Vonage, HeraldSender];

    internal sealed record Entry(string Category, string Description, string Resolution);

    // A method, not a static table of tables: the partial files' static fields initialize in an unspecified order.
    private static Dictionary<string, Entry> TableOf(string family) => family switch
    {
        Twilio => TwilioCodes,
        WhatsApp => WhatsAppCodes,
        Email => EmailCodes,
        Vonage => VonageCodes,
        HeraldSender => SenderCodes,
        _ => throw new ArgumentOutOfRangeException(nameof(family)),
    };

    /// <summary>
    /// Classifies one error. <paramref name="errorMessage"/> is consulted only for a plain SMTP reply (<c>550</c>) whose text
    /// carries an enhanced status code (<c>550 5.1.1 user unknown</c>), to refine the category; the code stays <c>550</c>.
    /// </summary>
    public static FailureClass Classify(string? provider, string? errorCode, string? errorMessage = null)
    {
        string? providerFamily = FamilyOfProvider(provider);
        string code = errorCode?.Trim() ?? "";
        if (code.Length == 0)
        {
            return new FailureClass(NoCode, providerFamily ?? UnknownFamily, FailureCategories.Other, FailureCategories.GroupOther,
                "No error code reported", "Check the provider's status callback for details; report error_code with failures", false);
        }

        if (providerFamily is not null && TryFamily(providerFamily, code, errorMessage, out var found)) return found;
        foreach (var family in ShapeFamilies(code))
        {
            if (family == providerFamily) continue;
            if (TryFamily(family, code, errorMessage, out found)) return found;
        }

        if (SenderCodes.TryGetValue(code, out var senderEntry)) return Make(code, HeraldSender, senderEntry);

        string unknownFamily = providerFamily ?? ShapeFamilies(code).FirstOrDefault() ?? UnknownFamily;
        return Unknown(Normalize(unknownFamily, code), unknownFamily);
    }

    /// <summary>The catalog entry of one code in one family, or null when that family does not know it.</summary>
    public static FailureClass? Lookup(string family, string code) =>
        TryFamily(family, code.Trim(), null, out var found) ? found : null;

    /// <summary>Every explicit entry of the catalog (pattern rules such as <c>5.1.x</c> and SMPP err suffixes are not listed).</summary>
    public static IEnumerable<FailureClass> Entries(string? family = null)
    {
        foreach (var f in Families)
        {
            if (family is not null && f != family) continue;
            if (f == Smpp)
            {
                foreach (var (stat, e) in SmppStats) yield return Make(stat, Smpp, e);
                foreach (var (value, e) in SmppErrors) yield return Make(value.ToString("X3", System.Globalization.CultureInfo.InvariantCulture), Smpp, e);
                continue;
            }
            foreach (var (code, e) in TableOf(f).OrderBy(p => p.Key, CodeOrder.Instance)) yield return Make(code, f, e);
        }
    }

    /// <summary>The family a provider dimension names, or null.</summary>
    public static string? FamilyOfProvider(string? provider)
    {
        if (string.IsNullOrWhiteSpace(provider)) return null;
        var p = provider.ToLowerInvariant();
        if (p.Contains("twilio")) return Twilio;
        if (p.Contains("whatsapp") || p.Contains("meta")) return WhatsApp;
        if (p.Contains("smpp")) return Smpp;
        if (p.Contains("vonage") || p.Contains("nexmo")) return Vonage;
        if (p.Contains("sendgrid") || p.Contains("smtp") || p.Contains("mail")) return Email;
        foreach (var token in p.Split(['-', '_', ' ', '.', '/', ':'], StringSplitOptions.RemoveEmptyEntries))
            if (token is "ses" or "sns") return Email;
        return null;
    }

    private static FailureClass Unknown(string code, string family) =>
        new(code, family, FailureCategories.Other, FailureCategories.GroupOther, "Unrecognized error code",
            "Look the code up in the provider's error documentation", false);

    private static FailureClass Make(string code, string family, Entry e) =>
        new(code, family, e.Category, FailureCategories.GroupOf(e.Category), e.Description, e.Resolution, true);

    /// <summary>The families a code's shape suggests, most likely first.</summary>
    private static IEnumerable<string> ShapeFamilies(string code)
    {
        if (SmppPattern().IsMatch(code)) yield return Smpp;
        else if (EnhancedStatusPattern().IsMatch(code)) yield return Email;
        else if (IsDigits(code))
        {
            // The tables decide first (80007 is Meta's, 550 is SMTP's); then length alone.
            if (TwilioCodes.ContainsKey(code)) yield return Twilio;
            if (WhatsAppCodes.ContainsKey(code)) yield return WhatsApp;
            if (EmailCodes.ContainsKey(code)) yield return Email;
            if (code.Length == 5) yield return Twilio;
            else if (code.Length == 6) yield return WhatsApp;
        }
        else if (EmailCodes.ContainsKey(LowerSnake(code))) yield return Email;
    }

    private static bool TryFamily(string family, string code, string? message, out FailureClass found)
    {
        found = null!;
        switch (family)
        {
            case Smpp:
            {
                var m = SmppPattern().Match(code);
                if (!m.Success)
                {
                    // A gateway reporting the err value alone (00B): the command_status table.
                    if (SmppErrorValue(code) is var value and >= 0 && SmppErrors.TryGetValue(value, out var err))
                    {
                        found = Make(code.ToUpperInvariant(), Smpp, err);
                        return true;
                    }
                    return false;
                }
                string stat = m.Groups[1].Value.ToUpperInvariant();
                string normalized = code.ToUpperInvariant();
                var e = SmppStats.First(s => s.Stat == stat).Entry;
                string description = e.Description;
                if (m.Groups[2].Success)
                {
                    string errText = m.Groups[2].Value.ToUpperInvariant();
                    description += SmppErrors.TryGetValue(SmppErrorValue(errText), out var detail)
                        ? $" (SMSC error {errText}: {detail.Description})"
                        : $" (SMSC error {errText})";
                }
                found = new FailureClass(normalized, Smpp, e.Category, FailureCategories.GroupOf(e.Category), description, e.Resolution, true);
                return true;
            }
            case Email:
                return TryEmail(code, message, out found);
            case Twilio or WhatsApp or Vonage or HeraldSender:
                if (TableOf(family).TryGetValue(code, out var entry))
                {
                    found = Make(code, family, entry);
                    return true;
                }
                return false;
            default:
                return false;
        }
    }

    private static bool TryEmail(string code, string? message, out FailureClass found)
    {
        found = null!;
        if (EnhancedStatusPattern().IsMatch(code))
        {
            var exact = EmailCodes.GetValueOrDefault(code) ?? EnhancedRule(code);
            if (exact is null) return false;
            found = Make(code, Email, exact);
            return true;
        }
        if (IsDigits(code))
        {
            if (!EmailCodes.TryGetValue(code, out var reply)) return false;
            // "550 5.1.1 ..." — the enhanced code in the text is the more precise reason.
            if (message is not null && EnhancedInTextPattern().Match(message) is { Success: true } m
                && (EmailCodes.GetValueOrDefault(m.Value) ?? EnhancedRule(m.Value)) is { } refined)
            {
                found = Make(code, Email, refined with { Description = $"{reply.Description}: {refined.Description} ({m.Value})" });
                return true;
            }
            found = Make(code, Email, reply);
            return true;
        }
        string word = LowerSnake(code);
        if (!EmailCodes.TryGetValue(word, out var reason)) return false;
        found = Make(word, Email, reason);
        return true;
    }

    /// <summary>The normalized text of a code the catalog does not know, so spellings of one code count together.</summary>
    private static string Normalize(string family, string code) => family switch
    {
        Smpp => code.ToUpperInvariant(),
        Email when !IsDigits(code) && !EnhancedStatusPattern().IsMatch(code) => LowerSnake(code),
        _ => code,
    };

    private static bool IsDigits(string s)
    {
        if (s.Length == 0) return false;
        foreach (char c in s)
            if (c is < '0' or > '9') return false;
        return true;
    }

    /// <summary><c>Bounced Address</c>, <c>MailboxFull</c>, <c>suppress-bounce</c> → <c>bounced_address</c>, <c>mailbox_full</c>, <c>suppress_bounce</c>.</summary>
    internal static string LowerSnake(string text)
    {
        var sb = new StringBuilder(text.Length + 4);
        char prev = ' ';
        foreach (char c in text.Trim())
        {
            if (char.IsLetterOrDigit(c))
            {
                if (char.IsUpper(c) && char.IsLower(prev) && sb.Length > 0) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else if (sb.Length > 0 && sb[^1] != '_')
            {
                sb.Append('_');
            }
            prev = c;
        }
        while (sb.Length > 0 && sb[^1] == '_') sb.Length--;
        return sb.ToString();
    }

    [GeneratedRegex(@"^(DELIVRD|ACCEPTD|ENROUTE|EXPIRED|DELETED|UNDELIV|UNKNOWN|REJECTD)(?::(.+))?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SmppPattern();

    [GeneratedRegex(@"^[245]\.\d{1,3}\.\d{1,3}$", RegexOptions.CultureInvariant)]
    private static partial Regex EnhancedStatusPattern();

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b", RegexOptions.CultureInvariant)]
    private static partial Regex EnhancedInTextPattern();

    /// <summary>Numbers before words, numbers by value.</summary>
    private sealed class CodeOrder : IComparer<string>
    {
        public static readonly CodeOrder Instance = new();

        public int Compare(string? a, string? b)
        {
            bool da = long.TryParse(a, out long x), db = long.TryParse(b, out long y);
            if (da && db) return x.CompareTo(y);
            if (da != db) return da ? -1 : 1;
            return string.CompareOrdinal(a, b);
        }
    }
}
