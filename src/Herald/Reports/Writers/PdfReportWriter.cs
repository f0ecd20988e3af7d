using System.Globalization;
using PdfSharp.Drawing;

namespace Herald.Reports.Writers;

/// <summary>
/// An A4 PDF (PDFsharp, through <see cref="ReportPdf"/>): the title, period, team and filters; the summary figures as a grid; a bar chart of
/// the chart table (the daily volume: items per day stacked by outcome, with axes, ticks, date labels and a legend); then every table,
/// paginated with its header repeated; the first rows of a detail (the message report's messages) and how many more there are;
/// the notes; and a footer <c>Herald · report id · Page i of n</c> on every page.
/// </summary>
public static class PdfReportWriter
{
    private const double PageWidth = ReportPdf.A4Width, PageHeight = ReportPdf.A4Height, Margin = 40, FooterSpace = 28;
    private const double Right = PageWidth - Margin, Bottom = PageHeight - Margin - FooterSpace, ContentWidth = PageWidth - 2 * Margin;
    private const double RowHeight = 12, TableFontSize = 7.5, ChartHeight = 200;

    private static readonly XColor Ink = XColor.FromArgb(33, 37, 41);
    private static readonly XColor Muted = XColor.FromArgb(108, 117, 125);
    private static readonly XColor Rule = XColor.FromArgb(206, 212, 218);
    private static readonly XColor HeaderFill = XColor.FromArgb(233, 236, 239);
    private static readonly XColor Zebra = XColor.FromArgb(248, 249, 250);
    private static readonly XColor[] SeriesColors = [XColor.FromArgb(46, 158, 68), XColor.FromArgb(217, 55, 43), XColor.FromArgb(173, 181, 189), XColor.FromArgb(68, 114, 196)];

    public static void Write(ReportDocument doc, Stream output)
    {
        using var pdf = new ReportPdf();
        var layout = new Layout(pdf);

        layout.Text(doc.Title, 18, bold: true, Ink, 26);
        layout.Text($"Period: {doc.PeriodText}", 9, bold: false, Muted, 13);
        layout.Text($"Team: {doc.Team}  ·  Report: {doc.Id}  ·  Generated: {doc.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC",
            9, bold: false, Muted, 13);
        var filters = doc.Parameters.Where(p => p.Key is not ("start_date" or "end_date" or "format")).Select(p => $"{p.Key}={p.Value}").ToList();
        if (filters.Count > 0) layout.Text("Filters: " + string.Join(", ", filters), 9, bold: false, Muted, 13);
        layout.Y += 8;
        Kpis(layout, doc.Summary);
        layout.Y += 14;
        if (doc.Table(doc.ChartTable) is { } chartTable) Chart(layout, doc, chartTable);
        foreach (var table in doc.Tables) Table(layout, table);
        if (doc.Detail is { } detail) Detail(layout, detail);
        if (doc.Notes.Count > 0)
        {
            layout.Y += 10;
            layout.Need(30);
            layout.Text("Notes", 10, bold: true, Ink, 15);
            foreach (var note in doc.Notes)
                foreach (var line in Wrap(pdf.Fonts, "• " + note, 8, ContentWidth))
                    layout.Text(line, 8, bold: false, Muted, 11);
        }
        layout.Need(0);

        for (int i = 0; i < pdf.PageCount; i++)
        {
            var page = pdf.Page(i);
            page.Line(Margin, PageHeight - Margin - 14, Right, PageHeight - Margin - 14, Rule, 0.5);
            page.Text($"Herald  ·  {doc.Id}  ·  Page {i + 1} of {pdf.PageCount}", Margin, PageHeight - Margin - 10, 7.5, false, Muted, TextAlign.Center, ContentWidth);
        }
        pdf.Save(output, doc.Title, $"{doc.Id}: {doc.PeriodText}", doc.GeneratedAt);
    }

    /// <summary>The figures in a grid of four per row: label above, value below.</summary>
    private static void Kpis(Layout layout, IReadOnlyList<ReportKpi> kpis)
    {
        const int perRow = 4;
        const double cellHeight = 34;
        double cellWidth = ContentWidth / perRow;
        for (int i = 0; i < kpis.Count; i += perRow)
        {
            layout.Need(cellHeight);
            var page = layout.Page;
            for (int j = 0; j < perRow && i + j < kpis.Count; j++)
            {
                var k = kpis[i + j];
                double x = Margin + j * cellWidth;
                page.StrokeRect(x + 1, layout.Y, cellWidth - 2, cellHeight - 3, Rule, 0.5, Zebra);
                page.Text(Fit(layout.Fonts, k.Label, 7, false, cellWidth - 12), x + 6, layout.Y + 5, 7, false, Muted);
                page.Text(Fit(layout.Fonts, ReportValues.Display(k.Value, k.Kind), 11.5, true, cellWidth - 12), x + 6, layout.Y + 16, 11.5, true, Ink);
            }
            layout.Y += cellHeight;
        }
    }

    /// <summary>Stacked bars per row of the table (the stack columns' sum is the day's total), y axis with rounded ticks and grid.</summary>
    private static void Chart(Layout layout, ReportDocument doc, ReportTable table)
    {
        layout.Need(ChartHeight + 20);
        layout.Text(doc.ChartTitle, 10, bold: true, Ink, 16);
        var page = layout.Page;
        var series = doc.ChartStack.Select(s => (Name: s, Index: table.IndexOf(s))).Where(s => s.Index >= 0).ToList();
        double top = layout.Y + 14, plotBottom = layout.Y + ChartHeight - 36, left = Margin + 42, right = Right - 6;

        var totals = table.Rows.Select(r => series.Sum(s => ReportValues.Number(r[s.Index]) ?? 0)).ToList();
        double max = totals.Count == 0 ? 0 : totals.Max();
        double step = NiceStep(max <= 0 ? 1 : max / 5);
        double yMax = Math.Max(step, Math.Ceiling(max / step) * step);
        for (double v = 0; v <= yMax + step / 2; v += step)
        {
            double y = plotBottom - v / yMax * (plotBottom - top);
            page.Line(left, y, right, y, Rule, 0.4);
            page.Line(left - 3, y, left, y, Ink, 0.8);
            page.Text(v.ToString("#,##0.##", CultureInfo.InvariantCulture), Margin, y - 3.5, 7, false, Muted, TextAlign.Right, 38);
        }
        page.Line(left, top, left, plotBottom, Ink, 0.8);
        page.Line(left, plotBottom, right, plotBottom, Ink, 0.8);
        page.Text(doc.ChartUnit, Margin, top - 12, 7, false, Muted);

        int n = table.Rows.Count;
        if (n == 0) page.Text("No data in the period", left, (top + plotBottom) / 2 - 5, 9, false, Muted, TextAlign.Center, right - left);
        double slot = n == 0 ? 0 : (right - left) / n;
        double barWidth = Math.Max(0.6, slot * 0.72);
        int labelEvery = Math.Max(1, (int)Math.Ceiling(n / (n > 31 ? 8.0 : 12.0)));
        for (int i = 0; i < n; i++)
        {
            double x = left + i * slot + (slot - barWidth) / 2;
            double y = plotBottom;
            for (int s = 0; s < series.Count; s++)
            {
                double v = ReportValues.Number(table.Rows[i][series[s].Index]) ?? 0;
                if (v <= 0) continue;
                double h = v / yMax * (plotBottom - top);
                page.FillRect(x, y - h, barWidth, h, SeriesColors[s % SeriesColors.Length]);
                y -= h;
            }
            if (i % labelEvery == 0)
            {
                double cx = left + i * slot + slot / 2;
                page.Line(cx, plotBottom, cx, plotBottom + 3, Ink, 0.8);
                string label = table.Rows[i][0] switch
                {
                    DateOnly d => d.ToString(n > 31 ? "yyyy-MM-dd" : "MM-dd", CultureInfo.InvariantCulture),
                    DateTime t => t.ToString(t.Hour == 0 ? "MM-dd" : "HH:mm", CultureInfo.InvariantCulture),
                    var other => ReportValues.Text(other),
                };
                page.Text(label, cx - 30, plotBottom + 5, 7, false, Muted, TextAlign.Center, 60);
            }
        }
        double lx = left;
        double ly = plotBottom + 20;
        for (int s = 0; s < series.Count; s++)
        {
            page.FillRect(lx, ly + 1, 8, 7, SeriesColors[s % SeriesColors.Length]);
            string name = table.Columns[series[s].Index].Header;
            page.Text(name, lx + 11, ly + 1, 7, false, Ink);
            lx += 11 + layout.Fonts.Width(name, 7, false) + 12;
        }
        layout.Y += ChartHeight;
    }

    private static double NiceStep(double raw)
    {
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / magnitude;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
        return Math.Max(1, nice * magnitude);
    }

    private static void Table(Layout layout, ReportTable table)
    {
        var cells = table.Rows.Select(r => r.Select((v, i) => ReportValues.Display(v, table.Columns[i].Kind)).ToArray()).ToList();
        var widths = new double[table.Columns.Count];
        for (int c = 0; c < widths.Length; c++)
        {
            widths[c] = layout.Fonts.Width(table.Columns[c].Header, TableFontSize, true) + 8;
            foreach (var row in cells) widths[c] = Math.Max(widths[c], layout.Fonts.Width(row[c], TableFontSize, false) + 8);
        }
        // Too wide: the widest text columns give way (their values are cut with an ellipsis), then everything scales.
        double excess = widths.Sum() - ContentWidth;
        while (excess > 0.5)
        {
            int widest = -1;
            for (int c = 0; c < widths.Length; c++)
                if (table.Columns[c].Kind == ColumnKind.Text && widths[c] > 70 && (widest < 0 || widths[c] > widths[widest])) widest = c;
            if (widest < 0) break;
            double cut = Math.Min(excess, widths[widest] - 70);
            widths[widest] -= cut;
            excess -= cut;
        }
        double sum = widths.Sum();
        for (int c = 0; c < widths.Length; c++) widths[c] *= ContentWidth / sum; // fill the width (or shrink to it)

        layout.Y += 12;
        layout.Need(16 + (RowHeight + 1) + RowHeight * Math.Min(3, Math.Max(1, cells.Count)));
        layout.Text(table.Title, 10, bold: true, Ink, 16);
        Header(layout, table, widths);
        if (cells.Count == 0)
        {
            layout.Page.Text("no rows", Margin + 4, layout.Y + 2, TableFontSize, false, Muted);
            layout.Y += RowHeight;
        }
        for (int r = 0; r < cells.Count; r++)
        {
            if (layout.Y + RowHeight > Bottom)
            {
                layout.NewPage();
                layout.Text(table.Title + " (continued)", 10, bold: true, Ink, 16);
                Header(layout, table, widths);
            }
            var page = layout.Page;
            if (r % 2 == 1) page.FillRect(Margin, layout.Y, ContentWidth, RowHeight, Zebra);
            double x = Margin;
            for (int c = 0; c < widths.Length; c++)
            {
                bool numeric = !ReportValues.IsTextLike(table.Columns[c].Kind);
                page.Text(Fit(layout.Fonts, cells[r][c], TableFontSize, false, widths[c] - 6), x + 3, layout.Y + 2.5, TableFontSize, false, Ink,
                    numeric ? TextAlign.Right : TextAlign.Left, widths[c] - 6);
                x += widths[c];
            }
            layout.Y += RowHeight;
        }
        layout.Page.Line(Margin, layout.Y, Right, layout.Y, Rule, 0.5);
    }

    /// <summary>The detail's first <see cref="ReportDetail.PdfRows"/> rows in its PDF columns, then how many more the report has.</summary>
    private static void Detail(Layout layout, ReportDetail detail)
    {
        var columns = detail.PdfColumns.Select(name => detail.Columns.Select((c, i) => (Column: c, Index: i)).First(c => c.Column.Name == name)).ToList();
        var shown = new List<object?[]>();
        long total = 0;
        foreach (var row in detail.Rows())
        {
            if (total++ < ReportDetail.PdfRows) shown.Add(columns.Select(c => row[c.Index]).ToArray());
        }
        string title = total > shown.Count ? string.Create(CultureInfo.InvariantCulture, $"{detail.Title} (the first {shown.Count:N0} of {total:N0})") : detail.Title;
        Table(layout, new ReportTable(detail.Name, title, columns.Select(c => c.Column).ToList(), shown));
        layout.Y += 4;
        string more = total > shown.Count
            ? string.Create(CultureInfo.InvariantCulture, $"{total - shown.Count:N0} more {detail.Name} are not listed here. {detail.PdfNote}")
            : string.Create(CultureInfo.InvariantCulture, $"All {total:N0} {detail.Name} are listed.");
        foreach (var line in Wrap(layout.Fonts, more, 8, ContentWidth)) layout.Text(line, 8, bold: false, Muted, 11);
    }

    private static void Header(Layout layout, ReportTable table, double[] widths)
    {
        var page = layout.Page;
        page.FillRect(Margin, layout.Y, ContentWidth, RowHeight + 1, HeaderFill);
        double x = Margin;
        for (int c = 0; c < widths.Length; c++)
        {
            bool numeric = !ReportValues.IsTextLike(table.Columns[c].Kind);
            page.Text(Fit(layout.Fonts, table.Columns[c].Header, TableFontSize, true, widths[c] - 6), x + 3, layout.Y + 3, TableFontSize, true, Ink,
                numeric ? TextAlign.Right : TextAlign.Left, widths[c] - 6);
            x += widths[c];
        }
        layout.Y += RowHeight + 1;
    }

    /// <summary>The text, cut with an ellipsis to fit the width.</summary>
    private static string Fit(ReportFonts fonts, string text, double size, bool bold, double width)
    {
        if (fonts.Width(text, size, bold) <= width) return text;
        int lo = 0, hi = text.Length;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (fonts.Width(text[..mid] + "…", size, bold) <= width) lo = mid;
            else hi = mid - 1;
        }
        return text[..lo] + "…";
    }

    private static IEnumerable<string> Wrap(ReportFonts fonts, string text, double size, double width)
    {
        var line = "";
        foreach (var word in text.Split(' '))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (line.Length > 0 && fonts.Width(candidate, size, false) > width)
            {
                yield return line;
                line = word;
            }
            else line = candidate;
        }
        if (line.Length > 0) yield return line;
    }

    /// <summary>The cursor: the current page and the next free y; a new page when something does not fit.</summary>
    private sealed class Layout(ReportPdf pdf)
    {
        private ReportPage? _page;

        public double Y { get; set; }

        public ReportFonts Fonts => pdf.Fonts;

        public ReportPage Page => _page ?? NewPage();

        public ReportPage NewPage()
        {
            _page = pdf.AddPage();
            Y = Margin;
            return _page;
        }

        public void Need(double height)
        {
            if (_page is null || Y + height > Bottom) NewPage();
        }

        public void Text(string text, double size, bool bold, XColor color, double lineHeight)
        {
            Need(lineHeight);
            Page.Text(text, Margin, Y, size, bold, color);
            Y += lineHeight;
        }
    }
}
