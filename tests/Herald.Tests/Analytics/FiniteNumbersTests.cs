using System.Globalization;
using System.Net;
using System.Text;
using Herald.Analytics.Trends;
using Herald.Tests.Api;
using Herald.Tests.Reports;

namespace Herald.Tests.Analytics;

/// <summary>
/// Every number Herald answers is finite: a cost beyond the documented cap (1e9 per event) is rejected with its reason,
/// so sums of costs cannot overflow, and statistics of empty or flat series are numbers.
/// </summary>
public sealed class FiniteNumbersTests(SharedServer shared) : IClassFixture<SharedServer>
{
    [Fact]
    public async Task A_cost_beyond_the_cap_is_rejected_and_every_answer_over_that_day_stays_finite()
    {
        var (_, client) = await shared.NewTeamAsync("events:write", "metrics:read", "reports:write");
        // The issue's reproduction (two events of cost 1.7e308), beside events at the cap and ordinary ones.
        var events = new List<Dictionary<string, object?>>
        {
            Event("huge-1", "sent", 60, 1.7e308), Event("huge-2", "sent", 61, 1.7e308),
            Event("cap-1", "sent", 62, 1e9), Event("cap-2", "sent", 63, 1e9), Event("cap-1", "delivered", 64, null),
        };
        for (int i = 0; i < 20; i++) events.Add(Event($"small-{i}", i % 4 == 0 ? "failed" : "delivered", 100 + i * 30, 0.0075));
        var data = await Kit.Ingest(client, events);
        Assert.Equal(events.Count - 2, Kit.Int(data, "accepted"));
        var rejected = data["rejected"]!.AsArray();
        Assert.Equal([0, 1], rejected.Select(r => Kit.Int(r!, "index")).ToArray());
        Assert.All(rejected, r => Assert.Equal("cost must be a number from 0 to 1000000000", r!["error"]!.GetValue<string>()));
        Assert.Null(await Kit.Item(client, "huge-1"));

        var summary = await Kit.Summary(client);
        // A double holds about 16 digits: at two billion, the cents are exact and the rest is rounding.
        Assert.Equal(2e9 + 20 * 0.0075, summary["cost"]!.GetValue<double>(), 4);
        string day = Kit.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (string path in new[]
                 {
                     $"/api/v1/metrics/summary?{Kit.DayWindow}",
                     $"/api/v1/metrics/timeseries?granularity=hour&{Kit.DayWindow}",
                     $"/api/v1/metrics/breakdown?by=provider&{Kit.DayWindow}",
                     "/api/v1/analytics/trends/messages?metric=cost&hours=48",
                     "/api/v1/analytics/trends/messages?metric=delivery_rate&hours=48&granularity=minute",
                     "/api/v1/analytics/trends/messages?metric=latency_p95&hours=48",
                     $"/api/v1/analytics/aggregations?metric=cost&aggregation=sum&group_by=provider&{Kit.DayWindow}",
                     $"/api/v1/analytics/aggregations?metric=delivery_rate&aggregation=avg&group_by=account,hour&{Kit.DayWindow}",
                     "/api/v1/analytics/metrics/accounts/acct-1",
                     $"/api/v1/reports/daily?date={day}",
                 })
        {
            var response = await client.GetAsync(path);
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
            Assert.DoesNotContain("NaN", text);
            Assert.DoesNotContain("Infinity", text);
        }

        // The message report in all four formats; the account usage report (cost and balance per day) once.
        foreach (var (report, format) in new[] { ("messages", "csv"), ("messages", "json"), ("messages", "excel"), ("messages", "pdf"), ("accounts/acct-1/usage", "csv") })
        {
            var generated = await ReportKit.Generate(client, $"/api/v1/analytics/reports/{report}?start_date={day}&end_date={day}&format={format}");
            Assert.DoesNotContain("NaN", generated.ToJsonString());
            var (body, _) = await ReportKit.Download(client, generated);
            Assert.NotEmpty(body);
            // A workbook is zipped: that it was generated and downloads is the check.
            string text = format == "pdf" ? ReportKit.PdfText(body) : format == "excel" ? "" : Encoding.UTF8.GetString(body);
            Assert.DoesNotContain("NaN", text);
            Assert.DoesNotContain("Infinity", text);
            if (report == "messages" && format is "csv" or "pdf") Assert.Contains("2000000000.1", text.Replace(",", ""));
        }
    }

    [Fact]
    public void Statistics_of_empty_single_and_flat_series_are_numbers()
    {
        foreach (var series in new List<double>[] { [], [0], [5], [0, 0, 0], [3, 3, 3, 3] })
        {
            var s = TrendStatistics.Of(series);
            Assert.All(new[] { s.MinValue, s.MaxValue, s.AvgValue, s.StdDev, s.Percentage }, v => Assert.True(double.IsFinite(v), $"{v} for [{string.Join(",", series)}]"));
            Assert.Equal("stable", s.Direction);
        }
    }

    private static Dictionary<string, object?> Event(string item, string status, double minute, double? cost) =>
        new Dictionary<string, object?>
        {
            ["item_id"] = item, ["status"] = status, ["occurred_at"] = Kit.At(minute), ["channel"] = "sms", ["provider"] = "twilio",
            ["account"] = "acct-1", ["cost"] = cost,
        }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);
}
