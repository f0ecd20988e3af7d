using System.Net.Mail;
using Herald.Api;
using Herald.Domain;
using Herald.Engine;

namespace Herald.Deliveries;

/// <summary>The checks of the delivery resources' fields: each failure is a <see cref="BadParameterException"/> naming the field.</summary>
public static class Fields
{
    public const int MaxNameLength = 200;
    public const int MaxAddressLength = 500;
    public const int MaxNotesLength = 1000;
    public const int MaxEmailLength = 254;

    /// <summary>A one-line text: no control characters, at most <paramref name="max"/> characters.</summary>
    public static string Line(string field, string? value, int max) =>
        IdentifierParameter.Require(field, value?.Trim(), max);

    public static string? OptionalLine(string field, string? value, int max) => value is null ? null : Line(field, value, max);

    /// <summary>Free text that may span lines.</summary>
    public static string? Text(string field, string? value, int max) =>
        value is null ? null : Identifier.LengthProblem(value, max) is { } issue ? throw new BadParameterException(field, issue) : value;

    public static string Phone(string field, string? value)
    {
        if (value is null) throw new BadParameterException(field, "is required");
        return CallingCodes.ToE164(value, out var problem) ?? throw new BadParameterException(field, problem!);
    }

    /// <summary>An e-mail address, lower-cased so that one address is one agent.</summary>
    public static string Email(string field, string? value)
    {
        string text = Line(field, value, MaxEmailLength);
        if (!MailAddress.TryCreate(text, out var address) || address.Address != text || !text.Contains('@'))
            throw new BadParameterException(field, "must be an e-mail address like name@example.com");
        return text.ToLowerInvariant();
    }

    /// <summary>A GeoJSON Point; <paramref name="field"/> is empty when the point is the whole body.</summary>
    public static GeoPoint Point(string field, GeoJsonPoint? value)
    {
        string Part(string name) => field.Length == 0 ? name : $"{field}.{name}";
        if (value is null)
            throw new BadParameterException(field.Length == 0 ? "body" : field, "is required: a GeoJSON Point {\"type\":\"Point\",\"coordinates\":[longitude, latitude]}");
        if (value.Type != "Point") throw new BadParameterException(Part("type"), "must be \"Point\"");
        if (value.Coordinates is not { Length: 2 } c) throw new BadParameterException(Part("coordinates"), "must be [longitude, latitude]");
        if (GeoPoint.Problem(c[0], c[1]) is { } problem) throw new BadParameterException(Part("coordinates"), problem);
        return new GeoPoint(c[0], c[1]);
    }

    public static long Time(string field, string? value)
    {
        if (value is null) throw new BadParameterException(field, "is required");
        if (!EventParser.TryParseRfc3339(value, out var at)) throw new BadParameterException(field, "must be an RFC 3339 timestamp with a time zone, like 2026-11-22T10:00:00Z");
        if (at.Year < 2000) throw new BadParameterException(field, "must not be before 2000-01-01");
        return at.ToUnixTimeMilliseconds();
    }

    public static int Whole(string field, int? value, int min, int max, int fallback) =>
        value is null ? fallback : value < min || value > max ? throw new BadParameterException(field, $"must be a whole number from {min} to {max}") : value.Value;

    /// <summary>One of the allowed words (exact, lower case).</summary>
    public static string OneOf(string field, string? value, IReadOnlyList<string> allowed, string fallback) =>
        value is null ? fallback : allowed.Contains(value) ? value : throw new BadParameterException(field, "must be one of " + string.Join(", ", allowed));

    /// <summary>A field the server keeps: refused with where it is changed.</summary>
    public static void ServerOwned(string field, object? value, string how)
    {
        if (value is not null) throw new BadParameterException(field, how);
    }
}
