using System.Text.Json;
using System.Text.Json.Serialization;
using Herald.Analytics.Consent;
using Herald.Api;
using Herald.Domain;
using Herald.Storage;

namespace Herald.Deliveries;

/// <summary>A customer's delivery preferences; in a change, omitted (or null) fields keep their value.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PreferencesRequest(
    string[]? PreferredTimes, string[]? PreferredDays, string? DeliveryInstructions, string? ContactMethod, string? Language, string? Timezone)
{
    public static readonly string[] ContactMethods = ["call", "sms", "both"];
    private static readonly System.Text.RegularExpressions.Regex LanguageTag = new("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$");

    /// <summary>These preferences over <paramref name="current"/>, checked; the time zone apart (it is the contact's).</summary>
    public (CustomerPreferences Preferences, string? TimeZone) Over(CustomerPreferences current, string? currentZone)
    {
        var times = PreferredTimes ?? [.. current.PreferredTimes];
        if (times.Length > 12) throw new BadParameterException("preferences.preferred_times", "may hold at most 12 windows");
        for (int i = 0; i < times.Length; i++)
            if (PreferredWindows.Parse(times[i]) is null)
                throw new BadParameterException($"preferences.preferred_times[{i}]", $"'{times[i]}' is not a window HH:MM-HH:MM with its start before its end, like 09:00-12:00");
        var days = PreferredDays ?? [.. current.PreferredDays];
        for (int i = 0; i < days.Length; i++)
            if (Array.IndexOf(PreferredWindows.Days, days[i]) < 0)
                throw new BadParameterException($"preferences.preferred_days[{i}]", $"'{days[i]}' is not one of {string.Join(", ", PreferredWindows.Days)}");
        if (days.Distinct().Count() != days.Length) throw new BadParameterException("preferences.preferred_days", "names a day twice");
        string language = Language ?? current.Language;
        if (language.Length > 35 || !LanguageTag.IsMatch(language))
            throw new BadParameterException("preferences.language", "must be a language tag like en or pt-BR");
        string? zone = Timezone ?? currentZone;
        if (Timezone is not null && TimeZones.Find(Timezone) is null)
            throw new BadParameterException("preferences.timezone", $"unknown time zone '{Timezone}'; use an IANA id such as Europe/Paris or America/New_York");
        return (new CustomerPreferences(times, days,
            DeliveryInstructions is null ? current.DeliveryInstructions : Fields.Text("preferences.delivery_instructions", DeliveryInstructions, Fields.MaxNotesLength),
            Fields.OneOf("preferences.contact_method", ContactMethod, ContactMethods, current.ContactMethod), language), zone);
    }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateCustomerRequest(
    string? Name, string? Phone, string? Email, string? Address, PreferencesRequest? Preferences,
    JsonElement? CallHistory, JsonElement? TotalDeliveries, JsonElement? SuccessfulDeliveries, JsonElement? LastDeliveryDate, JsonElement? CustomerRating)
{
    public void RefuseComputed()
    {
        const string computed = "is computed from what Herald recorded";
        Fields.ServerOwned("call_history", CallHistory, computed);
        Fields.ServerOwned("total_deliveries", TotalDeliveries, computed);
        Fields.ServerOwned("successful_deliveries", SuccessfulDeliveries, computed);
        Fields.ServerOwned("last_delivery_date", LastDeliveryDate, computed);
        Fields.ServerOwned("customer_rating", CustomerRating, "is the mean of the customer's feedback");
    }
}

/// <summary>A change to a customer: omitted (or null) fields keep their value; an empty email or address removes it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateCustomerRequest(
    string? Name, string? Phone, string? Email, string? Address, PreferencesRequest? Preferences,
    JsonElement? CallHistory, JsonElement? TotalDeliveries, JsonElement? SuccessfulDeliveries, JsonElement? LastDeliveryDate, JsonElement? CustomerRating)
{
    public void RefuseComputed() =>
        new CreateCustomerRequest(null, null, null, null, null, CallHistory, TotalDeliveries, SuccessfulDeliveries, LastDeliveryDate, CustomerRating).RefuseComputed();
}

public sealed record PreferencesDto(
    IReadOnlyList<string> PreferredTimes, IReadOnlyList<string> PreferredDays, string? DeliveryInstructions, string ContactMethod, string Language,
    string? Timezone);

/// <summary>A call of the customer's; the calls feature fills these from its call logs.</summary>
public sealed record CallHistoryEntryDto(string CallId, DateTimeOffset Timestamp, string Status, int? Duration);

public sealed record CustomerDto(
    string Id, string Name, string Phone, string? Email, string? Address, PreferencesDto Preferences, IReadOnlyList<CallHistoryEntryDto> CallHistory,
    long TotalDeliveries, long SuccessfulDeliveries, DateTimeOffset? LastDeliveryDate, double? CustomerRating, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static CustomerDto Of(CustomerRecord c, CustomerFigures f)
    {
        var p = c.Preferences;
        return new CustomerDto(c.PublicId, c.Name, c.Phone, c.Email, c.Address,
            new PreferencesDto(p.PreferredTimes, p.PreferredDays, p.DeliveryInstructions, p.ContactMethod, p.Language, c.TimeZone), [],
            f.TotalDeliveries, f.SuccessfulDeliveries, Instants.At(f.LastDeliveryAtMs),
            f.Rating is { } r ? Math.Round(r, 4) : null, Instants.At(c.CreatedAtMs), Instants.At(c.UpdatedAtMs));
    }
}

public sealed record CustomerPageDto(IReadOnlyList<CustomerDto> Customers, string? NextCursor);
