using System.Buffers.Binary;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Herald.Analytics.Items;
using Herald.Api.Metrics;
using Herald.Domain;
using Herald.Storage;
using Herald.Storage.Encryption;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Api.Items;

/// <summary>
/// The filters of item search and item exports: the metrics' window (by earliest event) and dimension filters, plus the
/// current status, the recipient and the error code. Every filter takes comma-separated values.
/// </summary>
public class ItemFilterParameters : MetricsParameters
{
    [FromQuery(Name = "status"), Description("Only items whose current status is one of these (comma-separated), e.g. failed,undelivered.")]
    public string? Status { get; init; }

    [FromQuery(Name = "recipient"), Description("Only items sent to one of these recipients (comma-separated, exact), e.g. +447700900123; with hashed recipients the number or its hmac: form.")]
    public string? Recipient { get; init; }

    [FromQuery(Name = "error_code"), Description("Only items whose current status came with one of these error codes (comma-separated), e.g. 30007.")]
    public string? ErrorCode { get; init; }

    /// <summary>The checked query over the teams the caller may read; a bad value is a 400 naming its parameter.</summary>
    public ItemQuery ToQuery(HttpContext http, DateTimeOffset now)
    {
        var r = ToRequest(now);
        var teams = TeamScope.Resolve(http, r.Team);
        HashSet<Status>? statuses = null;
        if (Values("status", Status, Identifier.MaxDimensionLength) is { } words)
        {
            statuses = [];
            foreach (var word in words)
                statuses.Add(Statuses.TryParse(word, out var s)
                    ? s
                    : throw new BadParameterException("status", $"'{word}' is not a status word (queued, sent, delivered, read, failed, undelivered, ...)"));
        }
        var privacy = http.RequestServices.GetRequiredService<RecipientPrivacy>();
        var recipients = Values("recipient", Recipient, Identifier.MaxLength)?.Select(r => privacy.Stored(r));
        var codes = Values("error_code", ErrorCode, Identifier.MaxDimensionLength);
        return new ItemQuery(teams, r.From.ToUnixMillis(), r.To.ToUnixMillis(), r.Filter, statuses,
            recipients?.ToHashSet(StringComparer.Ordinal), codes?.ToHashSet(StringComparer.Ordinal));
    }

    private static string[]? Values(string field, string? text, int maxLength)
    {
        if (text is null) return null;
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (values.Length == 0) throw new BadParameterException(field, "must name at least one value");
        foreach (var v in values) IdentifierParameter.Require(field, v, maxLength);
        return values;
    }
}

public sealed class ItemSearchParameters : ItemFilterParameters
{
    public const int DefaultLimit = 100;

    [FromQuery(Name = "limit"), Description("Items per page, newest first. Default 100."), Range(1, 1000)]
    public int? Limit { get; init; }

    [FromQuery(Name = "cursor"), Description("The next_cursor of the page before, to read on from where it ended.")]
    public string? Cursor { get; init; }

    /// <summary>The position the cursor names, or null without one; a cursor this API did not give is a 400.</summary>
    public ItemPosition? After() => Cursor is null ? null : ItemCursor.Parse(Cursor);
}

public sealed class ItemExportParameters : ItemFilterParameters
{
    [FromQuery(Name = "format"), Description("The file: csv (default), ndjson (one JSON item per line) or xlsx."), AllowedValues("csv", "ndjson", "xlsx")]
    public string? Format { get; init; }
}

/// <summary>A search position as an opaque token: the earliest event's time and the item ref, 16 bytes in base64url.</summary>
public static class ItemCursor
{
    public static string Format(ItemPosition p)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, p.EarliestAtMs);
        BinaryPrimitives.WriteInt64BigEndian(bytes[8..], p.Id);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static ItemPosition Parse(string text)
    {
        const string Issue = "is not a cursor this search gave (pass next_cursor exactly as it came)";
        if (text.Length != 22) throw new BadParameterException("cursor", Issue);
        Span<byte> bytes = stackalloc byte[16];
        if (!Convert.TryFromBase64String(text.Replace('-', '+').Replace('_', '/') + "==", bytes, out int n) || n != 16)
            throw new BadParameterException("cursor", Issue);
        var p = new ItemPosition(BinaryPrimitives.ReadInt64BigEndian(bytes), BinaryPrimitives.ReadInt64BigEndian(bytes[8..]));
        if (p.EarliestAtMs < 0 || p.Id < 0) throw new BadParameterException("cursor", Issue);
        return p;
    }
}
