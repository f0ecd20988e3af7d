using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using Herald.Api;
using Herald.Api.Parameters;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Deliveries;

/// <summary>Page cursors: where the last page ended, opaque to clients (base64url of the position).</summary>
public static class Cursors
{
    public static string Encode(long first, string second) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{first}.{second}"))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The position a cursor holds; a cursor that no page gave is a 400 naming the parameter.</summary>
    public static (long First, string Second) Decode(string field, string cursor)
    {
        try
        {
            string b64 = cursor.Replace('-', '+').Replace('_', '/');
            string text = Encoding.UTF8.GetString(Convert.FromBase64String(b64.PadRight((b64.Length + 3) / 4 * 4, '=')));
            int dot = text.IndexOf('.');
            if (dot > 0 && long.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out long first) && dot + 1 < text.Length)
                return (first, text[(dot + 1)..]);
        }
        catch (FormatException)
        {
        }
        throw new BadParameterException(field, "is not a cursor this list gave (use next_cursor as it was answered)");
    }
}

/// <summary>A page of a team's list: how many, and where the last page ended.</summary>
public class PageParameters : OneTeamParameters
{
    public const int DefaultSize = 50;

    [FromQuery(Name = "limit"), Description("At most this many per page. Default: 50."), Range(1, 200)]
    public int? Limit { get; init; }

    [FromQuery(Name = "cursor"), Description("The previous page's next_cursor.")]
    public string? Cursor { get; init; }
}
