namespace Herald.Domain;

/// <summary>
/// The one rule for every identifier a client names (event and item ids, campaign, account and recipient ids, team, key and
/// contact names, who acknowledged an alert ...): present, not blank, at most a length, and no control characters, so an
/// id can never split a log line, a CSV row or a header (CR, LF) or carry a NUL.
/// </summary>
public static class Identifier
{
    /// <summary>Opaque ids: event_id, item_id.</summary>
    public const int MaxLength = 256;
    /// <summary>Ids that are also a dimension value (campaign, account, recipient, provider, route ...).</summary>
    public const int MaxDimensionLength = 128;

    /// <summary>Why <paramref name="value"/> is not an identifier, worded to follow the field's name; null when it is one.</summary>
    public static string? Problem(string? value, int maxLength = MaxLength)
    {
        if (value is null) return "is required";
        if (LengthProblem(value, maxLength) is { } issue) return issue;
        if (string.IsNullOrWhiteSpace(value)) return "must not be blank";
        foreach (char c in value)
            if (char.IsControl(c)) return "must not contain control characters";
        return null;
    }

    /// <summary>The length part of the rule, which free text (a message body, which may hold line breaks) shares.</summary>
    public static string? LengthProblem(string value, int maxLength) =>
        value.Length == 0 ? "must not be empty" : value.Length > maxLength ? $"must be at most {maxLength} characters" : null;
}
