using System.Text.RegularExpressions;

namespace Herald.Senders.Smtp;

/// <summary>
/// An address as SMTP carries it: <c>local@domain</c>, ASCII only (non-ASCII needs SMTPUTF8, which this client does not
/// speak), nothing that could break out of <c>MAIL FROM:&lt;...&gt;</c> or a header. An optional display name is kept for
/// the <c>From:</c> header (<c>Herald &lt;otp@example.com&gt;</c>).
/// </summary>
internal sealed partial record MailAddress(string Address, string? DisplayName)
{
    [GeneratedRegex(@"^[!#-'*+\-/-9=?A-Z^-~.]+@[A-Za-z0-9.\-]+$")]
    private static partial Regex AddrSpec();

    public string Domain => Address[(Address.LastIndexOf('@') + 1)..];

    public static bool IsValidAddress(string address) =>
        address.Length <= 254 && AddrSpec().IsMatch(address) && !address.StartsWith('.') && !address.Contains("..", StringComparison.Ordinal);

    /// <summary>Parses <c>addr</c> or <c>Display Name &lt;addr&gt;</c>; null when it is neither.</summary>
    public static MailAddress? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        string? name = null;
        var address = text;
        var open = text.LastIndexOf('<');
        if (open >= 0)
        {
            if (!text.EndsWith('>')) return null;
            address = text[(open + 1)..^1].Trim();
            name = text[..open].Trim().Trim('"').Trim();
            if (name.Length == 0) name = null;
            if (name is not null && (name.Contains('\r') || name.Contains('\n'))) return null;
        }
        return IsValidAddress(address) ? new MailAddress(address, name) : null;
    }
}
