using Herald.Domain;
using PhoneNumbers;

namespace Herald.Tests.Domain;

/// <summary>The countries ingest derives from recipients, checked against libphonenumber itself.</summary>
public sealed class CallingCodesTests
{
    private static readonly PhoneNumberUtil Numbers = PhoneNumberUtil.GetInstance();

    private static readonly PhoneNumberType[] Types = Enum.GetValues<PhoneNumberType>().Where(t => t != PhoneNumberType.UNKNOWN).ToArray();

    /// <summary>libphonenumber's example number of every type for every region: a few per country, 245 countries.</summary>
    private static IEnumerable<(string Region, string E164)> ExampleNumbers() =>
        from region in Numbers.GetSupportedRegions().Order(StringComparer.Ordinal)
        from type in Types
        let number = Numbers.GetExampleNumberForType(region, type)
        where number is not null
        select (region, Numbers.Format(number, PhoneNumberFormat.E164));

    [Fact]
    public void Derived_countries_match_libphonenumber_for_every_regions_example_numbers()
    {
        int checkedNumbers = 0;
        var regionsSeen = new HashSet<string>();
        foreach (var (region, e164) in ExampleNumbers().Distinct())
        {
            if (!CallingCodes.IsE164(e164)) continue; // Herald's E.164 has 8 to 15 digits; Niue's +683 7290 has 7
            var expected = Numbers.GetRegionCodeForNumber(Numbers.Parse(e164, null));
            // Twice: the second answer of a shared calling code comes from the remembered prefix.
            Assert.Equal(expected, CallingCodes.CountryOf(e164));
            Assert.Equal(expected, CallingCodes.CountryOf(e164));
            regionsSeen.Add(expected);
            checkedNumbers++;
        }
        Assert.True(checkedNumbers > 1000, $"only {checkedNumbers} example numbers");
        Assert.True(regionsSeen.Count > 230, $"only {regionsSeen.Count} countries");
    }

    [Fact]
    public void Countries_that_share_a_calling_code_differ_within_the_first_six_national_digits()
    {
        var random = new Random(13);
        int variants = 0;
        foreach (var (region, e164) in ExampleNumbers())
        {
            int code = Numbers.GetCountryCodeForRegion(region);
            if (Numbers.GetRegionCodesForCountryCode(code).Count < 2 || !CallingCodes.IsE164(e164)) continue;
            int kept = code.ToString().Length + 1 + 6;
            if (e164.Length <= kept) continue;
            // An example's own country by libphonenumber: Antigua's toll-free example is +1 800, which is the US's.
            var country = Numbers.GetRegionCodeForNumber(Numbers.Parse(e164, null));
            for (int i = 0; i < 40; i++)
            {
                // Same calling code and first six national digits, another tail: when libphonenumber calls it valid, it is
                // the same country, so the remembered prefix answers for it as libphonenumber would.
                var variant = e164[..kept] + string.Concat(Enumerable.Range(0, e164.Length - kept).Select(_ => (char)('0' + random.Next(10))));
                var parsed = Numbers.Parse(variant, null);
                if (!Numbers.IsValidNumber(parsed)) continue;
                Assert.Equal(country, Numbers.GetRegionCodeForNumber(parsed));
                Assert.Equal(country, CallingCodes.CountryOf(variant));
                variants++;
            }
        }
        Assert.True(variants > 500, $"only {variants} valid variants");
    }

    [Theory]
    [InlineData("+14155550100", "US")]
    [InlineData("+16135550100", "CA")] // Ottawa: the NANP's area code decides
    [InlineData("+18765550100", "JM")]
    [InlineData("+79161234567", "RU")]
    [InlineData("+77012345678", "KZ")]
    [InlineData("+447797123456", "JE")]
    [InlineData("+441624123456", "IM")]
    [InlineData("+3906698123", "VA")]
    [InlineData("+358181234567", "AX")]
    [InlineData("+2348031234567", "NG")]
    [InlineData("+4915112345678", "DE")]
    [InlineData("+447700900123", "GB")] // Ofcom's drama range: not a valid number, still +44's main country
    [InlineData("+12005550100", "US")] // no area code 200: +1's main country
    [InlineData("+80012345678", null)] // international freephone: no country
    [InlineData("+99912345678", null)] // no calling code 999
    [InlineData("+1415555", null)] // 7 digits: not E.164 here
    [InlineData("4155550100", null)]
    [InlineData("alice@example.com", null)]
    public void Known_numbers_get_their_country(string recipient, string? country) =>
        Assert.Equal(country, CallingCodes.CountryOf(recipient));

    [Theory]
    [InlineData("+14155550100", null)]
    [InlineData("+447797123456", null)]
    [InlineData("+12005550100", "it is not a number in use under +1")]
    [InlineData("+447700900123", "it is not a number in use under +44")]
    [InlineData("+99912345678", "it starts with no assigned country calling code")]
    [InlineData("+1415555010", "it is too short for a +1 number")]
    [InlineData("+141555501000", "it is too long for a +1 number")]
    public void Invalidity_says_why_libphonenumber_rejects_a_number(string e164, string? why) =>
        Assert.Equal(why, CallingCodes.Invalidity(e164));
}
