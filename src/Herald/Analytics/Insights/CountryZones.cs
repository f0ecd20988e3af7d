namespace Herald.Analytics.Insights;

/// <summary>
/// A country's main time zone (where most of its people live), for a recipient without a time zone of its own. Countries
/// spanning several zones get their most populous one; a country not listed falls back to the team's zone.
/// </summary>
public static class CountryZones
{
    private static readonly Dictionary<string, string> Main = new(StringComparer.OrdinalIgnoreCase)
    {
        ["US"] = "America/New_York", ["CA"] = "America/Toronto", ["MX"] = "America/Mexico_City", ["BR"] = "America/Sao_Paulo",
        ["AR"] = "America/Argentina/Buenos_Aires", ["CL"] = "America/Santiago", ["CO"] = "America/Bogota", ["PE"] = "America/Lima",
        ["GB"] = "Europe/London", ["IE"] = "Europe/Dublin", ["DE"] = "Europe/Berlin", ["FR"] = "Europe/Paris", ["ES"] = "Europe/Madrid",
        ["IT"] = "Europe/Rome", ["NL"] = "Europe/Amsterdam", ["BE"] = "Europe/Brussels", ["CH"] = "Europe/Zurich", ["AT"] = "Europe/Vienna",
        ["PL"] = "Europe/Warsaw", ["SE"] = "Europe/Stockholm", ["NO"] = "Europe/Oslo", ["DK"] = "Europe/Copenhagen", ["FI"] = "Europe/Helsinki",
        ["PT"] = "Europe/Lisbon", ["GR"] = "Europe/Athens", ["RO"] = "Europe/Bucharest", ["UA"] = "Europe/Kyiv", ["TR"] = "Europe/Istanbul",
        ["RU"] = "Europe/Moscow", ["IL"] = "Asia/Jerusalem", ["AE"] = "Asia/Dubai", ["SA"] = "Asia/Riyadh", ["EG"] = "Africa/Cairo",
        ["NG"] = "Africa/Lagos", ["KE"] = "Africa/Nairobi", ["ZA"] = "Africa/Johannesburg", ["IN"] = "Asia/Kolkata", ["PK"] = "Asia/Karachi",
        ["BD"] = "Asia/Dhaka", ["CN"] = "Asia/Shanghai", ["HK"] = "Asia/Hong_Kong", ["JP"] = "Asia/Tokyo", ["KR"] = "Asia/Seoul",
        ["SG"] = "Asia/Singapore", ["ID"] = "Asia/Jakarta", ["MY"] = "Asia/Kuala_Lumpur", ["PH"] = "Asia/Manila", ["TH"] = "Asia/Bangkok",
        ["VN"] = "Asia/Ho_Chi_Minh", ["AU"] = "Australia/Sydney", ["NZ"] = "Pacific/Auckland",
    };

    /// <summary>The main zone of an ISO 3166 alpha-2 country, or null when Herald does not know it.</summary>
    public static string? Of(string? country) => country is not null && Main.TryGetValue(country, out var zone) ? zone : null;
}
