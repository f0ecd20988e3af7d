using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Herald.Reports.Writers;

public enum TextAlign
{
    Left,
    Right,
    Center,
}

/// <summary>An A4 PDF document of PDFsharp pages drawn through <see cref="ReportPage"/>, text in <see cref="ReportFonts"/>.</summary>
internal sealed class ReportPdf : IDisposable
{
    public const double A4Width = 595.28, A4Height = 841.89;
    private readonly PdfDocument _document = new();
    private readonly List<ReportPage> _pages = [];

    public ReportFonts Fonts { get; } = new();

    public int PageCount => _pages.Count;

    public ReportPage Page(int index) => _pages[index];

    public ReportPage AddPage()
    {
        var page = _document.AddPage();
        page.Size = PageSize.A4;
        var drawn = new ReportPage(XGraphics.FromPdfPage(page), Fonts);
        _pages.Add(drawn);
        return drawn;
    }

    public void Dispose() => _document.Dispose();

    public void Save(Stream output, string title, string subject, DateTimeOffset created)
    {
        foreach (var page in _pages) page.Graphics.Dispose();
        _document.Info.Title = title;
        _document.Info.Subject = subject;
        _document.Info.Author = "Herald";
        _document.Info.Creator = "Herald";
        _document.Info.CreationDate = created.UtcDateTime;
        _document.Options.CompressContentStreams = true;
        _document.Save(output, closeStream: false);
    }
}

/// <summary>One page's drawing, in points from the page's top-left corner.</summary>
internal sealed class ReportPage(XGraphics graphics, ReportFonts fonts)
{
    public XGraphics Graphics { get; } = graphics;

    /// <summary>Text whose top is at <paramref name="top"/>, aligned within [x, x + boxWidth].</summary>
    public void Text(string value, double x, double top, double size, bool bold, XColor color, TextAlign align = TextAlign.Left, double boxWidth = 0)
    {
        if (value.Length == 0) return;
        double left = align switch
        {
            TextAlign.Right => x + boxWidth - fonts.Width(value, size, bold),
            TextAlign.Center => x + (boxWidth - fonts.Width(value, size, bold)) / 2,
            _ => x,
        };
        fonts.Draw(Graphics, value, left, top + size * 0.78, size, bold, new XSolidBrush(color));
    }

    public void FillRect(double x, double top, double w, double h, XColor fill) =>
        Graphics.DrawRectangle(new XSolidBrush(fill), x, top, w, h);

    public void StrokeRect(double x, double top, double w, double h, XColor stroke, double lineWidth, XColor? fill = null)
    {
        var pen = new XPen(stroke, lineWidth);
        if (fill is { } f) Graphics.DrawRectangle(pen, new XSolidBrush(f), x, top, w, h);
        else Graphics.DrawRectangle(pen, x, top, w, h);
    }

    public void Line(double x1, double y1, double x2, double y2, XColor stroke, double lineWidth) =>
        Graphics.DrawLine(new XPen(stroke, lineWidth), x1, y1, x2, y2);
}
