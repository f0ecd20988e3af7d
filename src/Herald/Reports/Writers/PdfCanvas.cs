using System.Globalization;
using System.Text;

namespace Herald.Reports.Writers;

public enum TextAlign
{
    Left,
    Right,
    Center,
}

/// <summary>An RGB colour, components 0-255.</summary>
public readonly record struct PdfColor(byte R, byte G, byte B)
{
    internal string Operands => string.Create(CultureInfo.InvariantCulture, $"{R / 255.0:0.###} {G / 255.0:0.###} {B / 255.0:0.###}");
}

/// <summary>
/// A minimal PDF 1.4 writer: pages of text in the standard Helvetica and Helvetica-Bold fonts (WinAnsiEncoding, which every
/// viewer has, so nothing is embedded), filled and stroked rectangles and lines. Coordinates are points from the page's
/// top-left corner. Content streams are not compressed, so the text is in the file as written. Herald writes PDFs with this
/// rather than PDFsharp: PDFsharp 6.5 is AGPL-3.0-only (6.2, MIT, is not available here).
/// </summary>
public sealed class PdfBuilder
{
    public const double A4Width = 595.28, A4Height = 841.89;
    private readonly List<PdfCanvas> _pages = [];

    public int PageCount => _pages.Count;

    public PdfCanvas Page(int index) => _pages[index];

    public PdfCanvas AddPage()
    {
        var page = new PdfCanvas(A4Width, A4Height);
        _pages.Add(page);
        return page;
    }

    public void Save(Stream output, string title, string subject, DateTimeOffset created)
    {
        var objects = new List<byte[]>();
        int Add(string body) => AddBytes(Latin(body));
        int AddBytes(byte[] body)
        {
            objects.Add(body);
            return objects.Count;
        }

        // 1 catalog, 2 page tree, 3-4 fonts, 5 info; then a content stream and a page per page.
        Add("<< /Type /Catalog /Pages 2 0 R >>");
        Add(""); // the page tree, written once the page ids are known
        Add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
        Add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>");
        string date = "D:" + created.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "Z";
        Add($"<< /Title {Literal(title)} /Subject {Literal(subject)} /Author (Herald) /Creator (Herald) /Producer (Herald) /CreationDate ({date}) >>");
        var kids = new List<int>();
        foreach (var page in _pages)
        {
            var content = page.Content();
            var stream = new MemoryStream();
            stream.Write(Latin($"<< /Length {content.Length} >>\nstream\n"));
            stream.Write(content);
            stream.Write(Latin("\nendstream"));
            int contentId = AddBytes(stream.ToArray());
            kids.Add(Add(string.Create(CultureInfo.InvariantCulture,
                $"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page.Width:0.##} {page.Height:0.##}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {contentId} 0 R >>")));
        }
        objects[1] = Latin($"<< /Type /Pages /Kids [{string.Join(" ", kids.Select(k => $"{k} 0 R"))}] /Count {kids.Count} >>");

        var offsets = new long[objects.Count];
        var header = new byte[] { 0x25, 0x50, 0x44, 0x46, 0x2D, 0x31, 0x2E, 0x34, 0x0A, 0x25, 0xE2, 0xE3, 0xCF, 0xD3, 0x0A }; // %PDF-1.4, a binary comment
        long position = 0;
        void Write(byte[] bytes)
        {
            output.Write(bytes);
            position += bytes.Length;
        }
        Write(header);
        for (int i = 0; i < objects.Count; i++)
        {
            offsets[i] = position;
            Write(Latin($"{i + 1} 0 obj\n"));
            Write(objects[i]);
            Write(Latin("\nendobj\n"));
        }
        long xref = position;
        var table = new StringBuilder();
        table.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets) table.Append(CultureInfo.InvariantCulture, $"{offset:0000000000} 00000 n \n");
        table.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        Write(Latin(table.ToString()));
    }

    /// <summary>A PDF literal string of WinAnsi bytes, with ( ) \ and non-printable bytes escaped.</summary>
    internal static string Literal(string text)
    {
        var sb = new StringBuilder("(");
        foreach (byte b in WinAnsi.Encode(text))
        {
            if (b is (byte)'(' or (byte)')' or (byte)'\\') sb.Append('\\').Append((char)b);
            else if (b < 32 || b > 126) sb.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
            else sb.Append((char)b);
        }
        return sb.Append(')').ToString();
    }

    private static byte[] Latin(string s) => Encoding.Latin1.GetBytes(s);
}

/// <summary>One page's drawing operations, in top-left coordinates.</summary>
public sealed class PdfCanvas(double width, double height)
{
    private readonly StringBuilder _ops = new();

    public double Width { get; } = width;
    public double Height { get; } = height;

    internal byte[] Content() => Encoding.Latin1.GetBytes(_ops.ToString());

    /// <summary>Text whose top is at <paramref name="top"/>, aligned within [x, x + boxWidth].</summary>
    public void Text(string text, double x, double top, double size, bool bold, PdfColor color, TextAlign align = TextAlign.Left, double boxWidth = 0)
    {
        if (text.Length == 0) return;
        double w = Helvetica.Width(text, size, bold);
        double left = align switch
        {
            TextAlign.Right => x + boxWidth - w,
            TextAlign.Center => x + (boxWidth - w) / 2,
            _ => x,
        };
        double baseline = Height - top - size * 0.78;
        _ops.Append(CultureInfo.InvariantCulture,
            $"BT /{(bold ? "F2" : "F1")} {size:0.##} Tf {color.Operands} rg {left:0.##} {baseline:0.##} Td {PdfBuilder.Literal(text)} Tj ET\n");
    }

    public void FillRect(double x, double top, double w, double h, PdfColor fill) =>
        _ops.Append(CultureInfo.InvariantCulture, $"{fill.Operands} rg {x:0.##} {Height - top - h:0.##} {w:0.##} {h:0.##} re f\n");

    public void StrokeRect(double x, double top, double w, double h, PdfColor stroke, double lineWidth, PdfColor? fill = null)
    {
        if (fill is { } f) _ops.Append(CultureInfo.InvariantCulture, $"{f.Operands} rg ");
        _ops.Append(CultureInfo.InvariantCulture,
            $"{stroke.Operands} RG {lineWidth:0.##} w {x:0.##} {Height - top - h:0.##} {w:0.##} {h:0.##} re {(fill is null ? "S" : "B")}\n");
    }

    public void Line(double x1, double y1, double x2, double y2, PdfColor stroke, double lineWidth) =>
        _ops.Append(CultureInfo.InvariantCulture,
            $"{stroke.Operands} RG {lineWidth:0.##} w {x1:0.##} {Height - y1:0.##} m {x2:0.##} {Height - y2:0.##} l S\n");
}

/// <summary>The WinAnsi (cp1252) bytes of a text: Latin-1 plus the typographic marks at 0x80-0x9F; anything else becomes '?'.</summary>
internal static class WinAnsi
{
    private static readonly Dictionary<char, byte> Extra = new()
    {
        ['€'] = 0x80, ['‚'] = 0x82, ['„'] = 0x84, ['…'] = 0x85, ['†'] = 0x86, ['‡'] = 0x87, ['‰'] = 0x89, ['‹'] = 0x8B,
        ['‘'] = 0x91, ['’'] = 0x92, ['“'] = 0x93, ['”'] = 0x94, ['•'] = 0x95, ['–'] = 0x96, ['—'] = 0x97, ['™'] = 0x99, ['›'] = 0x9B,
    };

    public static byte[] Encode(string text)
    {
        var bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++) bytes[i] = Byte(text[i]);
        return bytes;
    }

    public static byte Byte(char c) =>
        c < 0x80 || (c >= 0xA0 && c <= 0xFF) ? (byte)c : Extra.TryGetValue(c, out var b) ? b : (byte)'?';
}

/// <summary>Helvetica and Helvetica-Bold advance widths (the standard AFM metrics, 1/1000 em) for measuring text.</summary>
internal static class Helvetica
{
    // Printable ASCII 32..126.
    private static readonly short[] Regular =
    [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    ];

    private static readonly short[] Bold =
    [
        278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
        975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
        333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
        611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    ];

    public static double Width(string text, double size, bool bold)
    {
        var table = bold ? Bold : Regular;
        double units = 0;
        foreach (char ch in text)
        {
            byte b = WinAnsi.Byte(ch);
            units += b switch
            {
                >= 32 and <= 126 => table[b - 32],
                0x85 or 0x89 or 0x97 => 1000,
                0x95 => 350,
                0x96 => 556,
                0xB7 => 278,
                0xB0 => 400,
                _ => 556,
            };
        }
        return units * size / 1000;
    }
}
