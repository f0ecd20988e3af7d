using System.Globalization;

namespace Herald.Senders;

/// <summary>
/// Reads a sender's settings: keys match case-insensitively, blank values count as absent, and a missing or malformed
/// value becomes a <see cref="SettingsException"/> that senders turn into a <c>config_invalid</c> result naming the key.
/// </summary>
internal readonly struct SenderSettings(IReadOnlyDictionary<string, string> values, string kind)
{
    public string? Optional(string key)
    {
        if (values is null) return null;
        if (values.TryGetValue(key, out var exact)) return string.IsNullOrWhiteSpace(exact) ? null : exact.Trim();
        foreach (var (k, v) in values)
            if (string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
                return string.IsNullOrWhiteSpace(v) ? null : v.Trim();
        return null;
    }

    public string Required(string key) =>
        Optional(key) ?? throw new SettingsException($"{kind}: the setting '{key}' is required");

    public int Int(string key, int defaultValue, int min, int max)
    {
        var raw = Optional(key);
        if (raw is null) return defaultValue;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new SettingsException($"{kind}: the setting '{key}' must be a whole number from {min} to {max}, not '{raw}'");
        return value;
    }

    public bool Bool(string key, bool defaultValue)
    {
        var raw = Optional(key);
        if (raw is null) return defaultValue;
        return raw.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" => true,
            "false" or "0" or "no" or "off" => false,
            _ => throw new SettingsException($"{kind}: the setting '{key}' must be true or false, not '{raw}'"),
        };
    }
}

/// <summary>A missing or malformed setting; reported as <see cref="SendErrorCodes.ConfigInvalid"/>.</summary>
internal sealed class SettingsException(string message) : Exception(message);

internal static class SenderResults
{
    public static bool IsChannel(string? channel, string expected) => string.Equals(channel, expected, StringComparison.OrdinalIgnoreCase);

    public static string Describe(string code, string message) => $"{code}: {message}";
}
