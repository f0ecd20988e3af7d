using System.Globalization;
using System.Text;

namespace Herald.Senders.Smtp;

/// <summary>
/// Writes a plain-text RFC 5322 / MIME message that is 7-bit clean whatever the text: the body goes as <c>7bit</c> when it
/// is short-lined ASCII, else as UTF-8 quoted-printable; a non-ASCII (or very long) subject or display name goes as
/// RFC 2047 <c>=?UTF-8?B?...?=</c> encoded words. Lines end in CRLF. Dot-stuffing is the transport's job.
/// </summary>
internal static class MailComposer
{
    private const int MaxQuotedPrintableLine = 76;
    private const int MaxEncodedWordBytes = 39; // 39 bytes -> 52 base64 chars -> a 64-char encoded word: "Subject: " + one fits 78

    public static (string Data, string MessageId) Compose(MailAddress from, string to, string subject, string body, DateTimeOffset now)
    {
        var messageId = $"{Guid.NewGuid():N}@{from.Domain}";
        var sb = new StringBuilder(256 + body.Length * 2);
        sb.Append("From: ").Append(FormatMailbox(from)).Append("\r\n");
        sb.Append("To: ").Append(to).Append("\r\n");
        sb.Append("Subject: ").Append(EncodeHeaderText(OneLine(subject))).Append("\r\n");
        sb.Append("Date: ").Append(now.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture)).Append("\r\n");
        sb.Append("Message-ID: <").Append(messageId).Append(">\r\n");
        sb.Append("MIME-Version: 1.0\r\n");

        var lines = NormalizeNewlines(body).Split('\n');
        var plain = lines.All(l => l.Length <= 998 && IsPrintableAscii(l));
        if (plain)
        {
            sb.Append("Content-Type: text/plain; charset=us-ascii\r\n");
            sb.Append("Content-Transfer-Encoding: 7bit\r\n\r\n");
            sb.AppendJoin("\r\n", lines);
        }
        else
        {
            sb.Append("Content-Type: text/plain; charset=utf-8\r\n");
            sb.Append("Content-Transfer-Encoding: quoted-printable\r\n\r\n");
            for (var i = 0; i < lines.Length; i++)
            {
                if (i > 0) sb.Append("\r\n");
                AppendQuotedPrintableLine(sb, lines[i]);
            }
        }
        sb.Append("\r\n");
        return (sb.ToString(), messageId);
    }

    internal static string NormalizeNewlines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    private static string OneLine(string text) => NormalizeNewlines(text ?? "").Replace('\n', ' ').Replace('\t', ' ');

    private static bool IsPrintableAscii(string text)
    {
        foreach (var c in text)
            if (c is (< ' ' and not '\t') or > '~') return false;
        return true;
    }

    private static string FormatMailbox(MailAddress address)
    {
        if (address.DisplayName is null) return address.Address;
        var name = OneLine(address.DisplayName);
        string shown;
        if (!IsPrintableAscii(name) || name.Length > 200) shown = EncodeWords(name);
        else if (name.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '/' or '=' or '?' or '^' or '_' or '`' or '{' or '|' or '}' or '~')) shown = name;
        else shown = "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        return $"{shown} <{address.Address}>";
    }

    /// <summary>Header text as is when it is ASCII and short enough, else as folded encoded words.</summary>
    internal static string EncodeHeaderText(string text) =>
        IsPrintableAscii(text) && text.Length <= 900 && !text.Contains("=?", StringComparison.Ordinal) ? text : EncodeWords(text);

    /// <summary>RFC 2047 B-encoded words of at most 39 UTF-8 bytes each, never splitting a character, folded with CRLF SP.</summary>
    private static string EncodeWords(string text)
    {
        var words = new List<string>();
        var chunk = new List<byte>(MaxEncodedWordBytes);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            var n = rune.EncodeToUtf8(utf8);
            if (chunk.Count + n > MaxEncodedWordBytes) Flush();
            for (var i = 0; i < n; i++) chunk.Add(utf8[i]);
        }
        Flush();
        return words.Count == 0 ? "" : string.Join("\r\n ", words);

        void Flush()
        {
            if (chunk.Count == 0) return;
            words.Add("=?UTF-8?B?" + Convert.ToBase64String(chunk.ToArray()) + "?=");
            chunk.Clear();
        }
    }

    /// <summary>RFC 2045 quoted-printable of one line of text (UTF-8), with soft breaks keeping lines within 76 characters.</summary>
    private static void AppendQuotedPrintableLine(StringBuilder sb, string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        var length = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            var literal = (b is >= 33 and <= 126 && b != (byte)'=') || (b is (byte)' ' or (byte)'\t' && i < bytes.Length - 1);
            var width = literal ? 1 : 3;
            if (length + width > MaxQuotedPrintableLine - 1)
            {
                sb.Append("=\r\n");
                length = 0;
            }
            if (literal) sb.Append((char)b);
            else sb.Append('=').Append(((int)b).ToString("X2", CultureInfo.InvariantCulture));
            length += width;
        }
    }
}
