using System.Diagnostics;
using Herald.Domain;
using PhoneNumbers;

namespace Herald.Bench;

/// <summary>
/// The country of an event's recipient as ingest derives it (<see cref="CallingCodes.CountryOf"/>: a start-up table, and
/// for shared calling codes a remembered answer per first six national digits) against parsing every number with
/// libphonenumber, side by side over the same numbers: every country's example mobile number with 40 random last-four
/// digits (9,800 numbers, a third under shared calling codes such as +1 and +44), looked up round after round.
/// </summary>
public static class PhoneBench
{
    private const int Rounds = 5;

    public static void Run(BenchOptions options, Report report)
    {
        var util = PhoneNumberUtil.GetInstance();
        var random = new Random(2026);
        var numbers = (
            from region in util.GetSupportedRegions().Order(StringComparer.Ordinal)
            let example = util.GetExampleNumberForType(region, PhoneNumberType.MOBILE)
            where example is not null
            let e164 = util.Format(example, PhoneNumberFormat.E164)
            where CallingCodes.IsE164(e164)
            from i in Enumerable.Range(0, 40)
            select e164[..^4] + random.Next(10_000).ToString("D4")).ToArray();
        random.Shuffle(numbers);

        // Also the warm-up: the shared codes' prefixes are remembered from here on, as they are after a while of ingest.
        int disagreements = numbers.Count(n =>
            util.GetRegionCodeForNumber(util.Parse(n, null)) is { } region && region != "001" && CallingCodes.CountryOf(n) != region);
        double derived = double.MaxValue, parsed = double.MaxValue;
        for (int round = 0; round < Rounds; round++)
        {
            derived = Math.Min(derived, NanosecondsPerNumber(numbers, n => CallingCodes.CountryOf(n)));
            parsed = Math.Min(parsed, NanosecondsPerNumber(numbers, n => util.GetRegionCodeForNumber(util.Parse(n, null))));
        }
        report.Add("recipient country, CallingCodes.CountryOf", $"{derived:0} ns/number", $"{numbers.Length} numbers, best of {Rounds} rounds");
        report.Add("baseline: libphonenumber Parse + GetRegionCodeForNumber", $"{parsed:0} ns/number", $"{parsed / derived:0.0}x the derived country's time");
        report.Add("numbers where the two disagree (libphonenumber valid)", disagreements.ToString(), "invalid numbers take the calling code's main country");
    }

    private static double NanosecondsPerNumber(string[] numbers, Func<string, string?> countryOf)
    {
        int found = 0;
        var clock = Stopwatch.StartNew();
        foreach (var n in numbers)
            if (countryOf(n) is not null) found++;
        clock.Stop();
        GC.KeepAlive(found);
        return clock.Elapsed.TotalMilliseconds * 1e6 / numbers.Length;
    }
}
