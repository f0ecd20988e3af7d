using Herald.Domain;
using Herald.Engine;

namespace Herald.Webhooks;

/// <summary>
/// SMPP delivery receipts as an SMSC writes them in the short_message of a deliver_sm (SMPP 3.4, Appendix B):
/// <c>id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...</c>,
/// one receipt per line. The fields must come in that order; <c>id</c> and <c>stat</c> are required, the others optional;
/// dates may carry seconds (YYMMDDhhmmss) and are read as UTC.
/// </summary>
public static class SmppMapper
{
    private static readonly string[] Keys = ["id:", "sub:", "dlvrd:", "submit date:", "done date:", "stat:", "err:", "text:"];

    public sealed record Receipt(string Id, string Stat, string? Err, string? Text, DateTimeOffset? SubmitDate, DateTimeOffset? DoneDate, string? Sub, string? Dlvrd);

    /// <summary>
    /// Every receipt → one message event: item id = the receipt id, channel sms, at the done date (else the time received),
    /// event id <c>smpp:{id}:{STAT}</c>. A receipt that is a failure carries error_code = the stat word when err is absent or
    /// all zeros, else <c>{STAT}:{err}</c> (<c>UNDELIV:001</c>), and error_message = its text. One bad line fails the whole request,
    /// and so do more than <paramref name="maxEvents"/> receipts.
    /// </summary>
    public static WebhookParse Map(IReadOnlyList<string> lines, long nowMs, WebhookOverrides overrides, int maxEvents)
    {
        int receipts = 0;
        foreach (var line in lines)
            if (!string.IsNullOrWhiteSpace(line)) receipts++;
        if (receipts > maxEvents) return WebhookParse.TooMany;
        var events = new List<IncomingEvent>(receipts);
        string? recipient = WebhookText.Clean(overrides.To);
        int number = 0;
        foreach (var line in lines)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (!TryParse(line, out var receipt, out var problem))
                return WebhookParse.Fail(lines.Count == 1 ? "receipt" : $"receipt line {number}", problem!);
            if (!TryStatus(receipt!.Stat, out var status, out var stat))
                return WebhookParse.Fail(lines.Count == 1 ? "receipt" : $"receipt line {number}",
                    $"stat '{receipt.Stat}' is not one of DELIVRD, ACCEPTD, ENROUTE, EXPIRED, DELETED, UNDELIV, UNKNOWN, REJECTD");
            long at = nowMs;
            if (receipt.DoneDate is { } done)
            {
                long ms = done.ToUnixTimeMilliseconds();
                if (!WebhookText.IsPlausible(ms, nowMs))
                    return WebhookParse.Fail(lines.Count == 1 ? "receipt" : $"receipt line {number}", "done date must be after 2000 and at most 24 hours ahead");
                at = ms;
            }
            bool failure = StatusLattice.OutcomeOf(ItemKind.Message, status) == Outcome.Failed;
            events.Add(new IncomingEvent
            {
                EventId = $"smpp:{receipt.Id}:{stat}",
                ItemId = receipt.Id,
                Status = status,
                OccurredAtMs = at,
                Account = overrides.Account,
                Channel = "sms",
                Provider = overrides.Provider ?? "smpp",
                Route = overrides.Route,
                Campaign = overrides.Campaign,
                Recipient = recipient,
                Country = WebhookText.CountryOf(recipient),
                Direction = "outbound",
                ErrorCode = failure ? ErrorCode(stat, receipt.Err) : null,
                ErrorMessage = failure ? WebhookText.Text(receipt.Text, 1024) : null,
                MetadataJson = WebhookText.Metadata(("smpp_stat", stat), ("err", receipt.Err), ("sub", receipt.Sub), ("dlvrd", receipt.Dlvrd),
                    ("submit_date", receipt.SubmitDate is { } s ? EventParser.FormatTimestamp(s.ToUnixTimeMilliseconds()) : null)),
            });
        }
        if (events.Count == 0) return WebhookParse.Fail("receipt", "no delivery receipt in the request");
        return WebhookParse.Ok(events);
    }

    /// <summary>The failure catalog's code: the stat word alone when err is absent or all zeros, else <c>{STAT}:{err}</c>.</summary>
    public static string ErrorCode(string stat, string? err)
    {
        if (string.IsNullOrEmpty(err) || err.All(c => c == '0')) return stat;
        return $"{stat}:{err}";
    }

    /// <summary>The stat word, long or short form, as Herald's status and the canonical 7-letter form.</summary>
    public static bool TryStatus(string raw, out Status status, out string stat)
    {
        (status, stat) = raw.ToUpperInvariant() switch
        {
            "DELIVRD" or "DELIVERED" => (Status.Delivered, "DELIVRD"),
            "ACCEPTD" or "ACCEPTED" => (Status.Sent, "ACCEPTD"),
            "ENROUTE" => (Status.Sent, "ENROUTE"),
            "EXPIRED" => (Status.Expired, "EXPIRED"),
            "DELETED" => (Status.Undelivered, "DELETED"),
            "UNDELIV" or "UNDELIVERABLE" => (Status.Undelivered, "UNDELIV"),
            "UNKNOWN" => (Status.Undelivered, "UNKNOWN"),
            "REJECTD" or "REJECTED" => (Status.Failed, "REJECTD"),
            _ => ((Status)0, ""),
        };
        return status != 0;
    }

    /// <summary>Reads one receipt line; on failure names what is wrong.</summary>
    public static bool TryParse(string line, out Receipt? receipt, out string? problem)
    {
        receipt = null;
        problem = null;
        var values = new string?[Keys.Length];
        int position = 0;
        int lastKey = -1, lastValueStart = -1;
        for (int k = 0; k < Keys.Length; k++)
        {
            int found = line.IndexOf(Keys[k], position, StringComparison.OrdinalIgnoreCase);
            // "text:" takes the rest of the line, whatever it holds; other keys must start a word.
            while (found > 0 && !char.IsWhiteSpace(line[found - 1])) found = line.IndexOf(Keys[k], found + 1, StringComparison.OrdinalIgnoreCase);
            if (found < 0) continue;
            if (lastKey >= 0) values[lastKey] = line[lastValueStart..found].Trim();
            lastKey = k;
            lastValueStart = found + Keys[k].Length;
            position = lastValueStart;
        }
        if (lastKey >= 0) values[lastKey] = line[lastValueStart..].Trim();

        string? id = values[0], stat = values[5];
        if (string.IsNullOrEmpty(id) || !line.TrimStart().StartsWith("id:", StringComparison.OrdinalIgnoreCase))
        {
            problem = "a receipt must start with id:<message id> (id:... sub:... dlvrd:... submit date:... done date:... stat:... err:... text:...)";
            return false;
        }
        if (id.Length > EventParser.MaxIdLength || id.Any(char.IsWhiteSpace))
        {
            problem = $"id '{Short(id)}' must be one word of at most {EventParser.MaxIdLength} characters";
            return false;
        }
        if (string.IsNullOrEmpty(stat))
        {
            problem = "stat:<DELIVRD|UNDELIV|...> is missing";
            return false;
        }
        if (stat.Any(char.IsWhiteSpace))
        {
            problem = $"stat '{Short(stat)}' must be one word";
            return false;
        }
        DateTimeOffset? submit = null, done = null;
        if (!string.IsNullOrEmpty(values[3]))
        {
            if (!TryDate(values[3]!, out var d)) { problem = $"submit date '{Short(values[3]!)}' must be YYMMDDhhmm or YYMMDDhhmmss"; return false; }
            submit = d;
        }
        if (!string.IsNullOrEmpty(values[4]))
        {
            if (!TryDate(values[4]!, out var d)) { problem = $"done date '{Short(values[4]!)}' must be YYMMDDhhmm or YYMMDDhhmmss"; return false; }
            done = d;
        }
        string? err = string.IsNullOrEmpty(values[6]) ? null : values[6];
        if (err is not null && (err.Length > 32 || err.Any(char.IsWhiteSpace)))
        {
            problem = $"err '{Short(err)}' must be one short word";
            return false;
        }
        receipt = new Receipt(id, stat, err, string.IsNullOrEmpty(values[7]) ? null : values[7], submit, done,
            WebhookText.Clean(values[1], 16), WebhookText.Clean(values[2], 16));
        return true;
    }

    /// <summary>YYMMDDhhmm or YYMMDDhhmmss, UTC, years 2000 to 2099.</summary>
    public static bool TryDate(string text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length is not (10 or 12)) return false;
        foreach (char c in text)
            if (!char.IsAsciiDigit(c)) return false;
        int Two(int at) => (text[at] - '0') * 10 + (text[at + 1] - '0');
        int year = 2000 + Two(0), month = Two(2), day = Two(4), hour = Two(6), minute = Two(8), second = text.Length == 12 ? Two(10) : 0;
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return false;
        value = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    private static string Short(string s) => s.Length > 40 ? s[..40] + "..." : s;
}
