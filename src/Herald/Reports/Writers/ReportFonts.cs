using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Herald.Reports.Writers;

/// <summary>
/// The fonts of Herald's PDFs, embedded in the assembly (<c>Reports/Fonts</c>) so that a report prints the same on every
/// machine, whatever fonts it has: DejaVu Sans and DejaVu Sans Bold (Latin, Greek, Cyrillic and more; Debian's
/// <c>fonts-dejavu-core</c> 2.37), and Droid Sans Fallback (Chinese, Japanese, Korean; Debian's <c>fonts-droid-fallback</c>,
/// bold simulated) for the characters DejaVu lacks. PDFsharp asks this resolver for every font; the PDF embeds the subset
/// of glyphs used.
/// </summary>
internal sealed class ReportFontResolver : IFontResolver
{
    public const string Family = "DejaVu Sans";
    public const string FallbackFamily = "Droid Sans Fallback";
    private const string Regular = "DejaVuSans", Bold = "DejaVuSans-Bold", Fallback = "DroidSansFallbackFull";

    private static readonly Lock Gate = new();

    /// <summary>Makes this PDFsharp's font resolver (a process-wide setting); idempotent.</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver is not ReportFontResolver) GlobalFontSettings.FontResolver = new ReportFontResolver();
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) => familyName switch
    {
        Family => new FontResolverInfo(bold ? Bold : Regular),
        FallbackFamily => new FontResolverInfo(Fallback, bold, false),
        _ => null,
    };

    public byte[]? GetFont(string faceName)
    {
        using var stream = typeof(ReportFontResolver).Assembly.GetManifestResourceStream($"fonts/{faceName}.ttf");
        if (stream is null) return null;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}

/// <summary>
/// Measures and draws text in the report's fonts, one run per stretch of characters that the same font has: DejaVu Sans
/// where it has the glyph, else Droid Sans Fallback (<c>Кампания-春</c> is DejaVu up to the hyphen, then Droid for 春).
/// One per document: PDFsharp's measuring context is not shared between threads.
/// </summary>
internal sealed class ReportFonts
{
    private static readonly XPdfFontOptions Unicode = new(PdfFontEncoding.Unicode);
    private readonly Dictionary<(double Size, bool Bold), (XFont Main, XFont Fallback)> _fonts = [];
    private readonly XGraphics _measure = XGraphics.CreateMeasureContext(new XSize(2000, 2000), XGraphicsUnit.Point, XPageDirection.Downwards);

    static ReportFonts() => ReportFontResolver.Install();

    public double Width(string text, double size, bool bold)
    {
        double width = 0;
        foreach (var (run, font) in Runs(text, size, bold)) width += _measure.MeasureString(run, font).Width;
        return width;
    }

    /// <summary>Draws the text from <paramref name="x"/> on the baseline <paramref name="baseline"/> (points, from the top).</summary>
    public void Draw(XGraphics page, string text, double x, double baseline, double size, bool bold, XBrush brush)
    {
        foreach (var (run, font) in Runs(text, size, bold))
        {
            page.DrawString(run, font, brush, x, baseline);
            x += page.MeasureString(run, font).Width;
        }
    }

    private IEnumerable<(string Run, XFont Font)> Runs(string text, double size, bool bold)
    {
        if (!_fonts.TryGetValue((size, bold), out var fonts))
        {
            var style = bold ? XFontStyleEx.Bold : XFontStyleEx.Regular;
            fonts = (new XFont(ReportFontResolver.Family, size, style, Unicode), new XFont(ReportFontResolver.FallbackFamily, size, style, Unicode));
            _fonts[(size, bold)] = fonts;
        }
        var run = new StringBuilder();
        XFont? current = null;
        foreach (var rune in text.EnumerateRunes())
        {
            var font = GlyphHelper.GlyphIndexFromCodePoint(rune.Value, fonts.Main) == 0
                && GlyphHelper.GlyphIndexFromCodePoint(rune.Value, fonts.Fallback) != 0 ? fonts.Fallback : fonts.Main;
            if (font != current && run.Length > 0)
            {
                yield return (run.ToString(), current!);
                run.Clear();
            }
            current = font;
            run.Append(rune.ToString());
        }
        if (run.Length > 0) yield return (run.ToString(), current!);
    }
}
