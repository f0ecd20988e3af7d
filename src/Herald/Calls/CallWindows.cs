using Herald.Analytics.Consent;
using Herald.Deliveries;
using Herald.Storage;

namespace Herald.Calls;

/// <summary>
/// When a customer may be called: inside its preferred times on its preferred days (in its time zone), and outside the quiet
/// hours in force for its contact (its own, else the team's).
/// </summary>
public static class CallWindows
{
    private const int MaxRounds = 64;
    private const long MinuteMs = 60_000;

    /// <summary>The first instant at or after <paramref name="nowMs"/> when the customer may be called.</summary>
    public static long NextAllowed(CustomerRecord customer, ContactRecord? contact, ComplianceSettingsRecord? team, long nowMs)
    {
        var teamRule = QuietRule.OfTeam(team);
        var zone = TimeZones.Find(customer.TimeZone ?? teamRule.ZoneId) ?? TimeZoneInfo.Utc;
        var quiet = QuietRule.For(contact, teamRule);
        long at = nowMs;
        for (int round = 0; round < MaxRounds; round++)
        {
            at = PreferredWindows.NextStart(customer.Preferences, zone, at);
            if (quiet.Window is not { } window || !window.Contains(TimeZones.LocalMinuteOfDay(quiet.Zone, at))) return at;
            // Past the quiet hours (a window is under a day long), then back to the preferred windows.
            for (int m = 0; m <= 24 * 60 && window.Contains(TimeZones.LocalMinuteOfDay(quiet.Zone, at)); m++) at = (at / MinuteMs + 1) * MinuteMs;
        }
        return at;
    }
}
