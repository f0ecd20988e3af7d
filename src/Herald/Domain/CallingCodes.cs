using System.Collections.Concurrent;
using System.Collections.Frozen;
using PhoneNumbers;

namespace Herald.Domain;

/// <summary>
/// E.164 numbers to ISO 3166-1 alpha-2 countries, and whether a number is dialable, from libphonenumber's metadata.
/// <para>Ingest derives the country of every event with a recipient, so it does not parse each number with
/// libphonenumber (bench <c>phone</c>: about a tenth of the time). A calling code that one country owns answers from a
/// table built at start-up. A code that countries share (+1 for the NANP, +7, +44 with the Crown Dependencies, +61, ...)
/// is answered per first six national digits and length, asked of libphonenumber once and kept: libphonenumber tells
/// those countries apart by the NANP area code and by at most five digits elsewhere (Jersey's 7797, Cocos' 89162, the
/// Vatican's 06698), so every valid number with those digits has the answer's country.</para>
/// </summary>
public static class CallingCodes
{
    private const int MinDigits = 8;
    private const int MaxDigits = 15;
    private const int SharedPrefixNationalDigits = 6;
    /// <summary>Enough for every area code and exchange in heavy use; past it, numbers are still answered, by parsing.</summary>
    private const int MaxRememberedPrefixes = 100_000;

    private static readonly PhoneNumberUtil Numbers = PhoneNumberUtil.GetInstance();

    /// <param name="Country">The only country of the code, or the main one of a shared code; null for a non-geographic code (+800).</param>
    private sealed record CallingCode(string? Country, bool Shared);

    /// <summary>libphonenumber's calling codes (1 to 3 digits; prefix-free) keyed by their value.</summary>
    private static readonly FrozenDictionary<int, CallingCode> Codes = Numbers.GetSupportedCallingCodes().ToFrozenDictionary(
        code => code,
        code =>
        {
            var main = Numbers.GetRegionCodeForCountryCode(code);
            return new CallingCode(main == PhoneNumberUtil.REGION_CODE_FOR_NON_GEO_ENTITY ? null : main, Numbers.GetRegionCodesForCountryCode(code).Count > 1);
        });

    /// <summary>The country of a shared code's numbers, keyed by <see cref="PrefixKey"/>.</summary>
    private static readonly ConcurrentDictionary<long, string> SharedPrefixCountries = new();

    /// <summary>
    /// The ISO 3166-1 alpha-2 country (upper case) of an E.164 number like "+447700900123": libphonenumber's region for a
    /// valid number. One it deems invalid gets the country of the valid numbers that share its first six national digits
    /// and length, else its calling code's main country (+44 7700 900123, Ofcom's drama range → GB). Null when the input
    /// is not E.164 ('+' then 8..15 digits, first not 0), or its calling code is unassigned or non-geographic (+800).
    /// </summary>
    public static string? CountryOf(string? e164)
    {
        if (!IsE164(e164)) return null;
        ReadOnlySpan<char> digits = e164.AsSpan(1);
        for (int length = 1; length <= 3; length++)
        {
            if (!Codes.TryGetValue((int)ParseDigits(digits[..length]), out var code)) continue;
            if (!code.Shared || code.Country is null) return code.Country;
            int prefixLength = length + Math.Min(SharedPrefixNationalDigits, digits.Length - length);
            long key = PrefixKey(digits[..prefixLength], digits.Length);
            if (SharedPrefixCountries.TryGetValue(key, out var known)) return known;
            var country = SharedPrefixCountry(digits, prefixLength) ?? code.Country;
            if (SharedPrefixCountries.Count < MaxRememberedPrefixes) SharedPrefixCountries.TryAdd(key, country);
            return country;
        }
        return null;
    }

    /// <summary>The country of the first valid number among the prefix followed by 0s, by 1s, ... by 9s: an answer that
    /// depends on the prefix alone, never on which number of it came first.</summary>
    private static string? SharedPrefixCountry(ReadOnlySpan<char> digits, int prefixLength)
    {
        Span<char> candidate = stackalloc char[1 + digits.Length];
        candidate[0] = '+';
        digits[..prefixLength].CopyTo(candidate[1..]);
        for (char tail = '0'; tail <= '9'; tail++)
        {
            candidate[(1 + prefixLength)..].Fill(tail);
            if (RegionOf(new string(candidate)) is { } country) return country;
            if (prefixLength == digits.Length) break; // no tail to vary
        }
        return null;
    }

    /// <summary>Why libphonenumber rejects an E.164 number as a recipient (no such calling code, a length no number of its
    /// code has, not a number in use), or null when it is a valid number.</summary>
    public static string? Invalidity(string e164)
    {
        PhoneNumber number;
        try
        {
            number = Numbers.Parse(e164, null);
        }
        catch (NumberParseException e)
        {
            return e.ErrorType == ErrorType.INVALID_COUNTRY_CODE ? "it starts with no assigned country calling code" : "it is not a phone number";
        }
        return Numbers.IsPossibleNumberWithReason(number) switch
        {
            PhoneNumberUtil.ValidationResult.INVALID_COUNTRY_CODE => "it starts with no assigned country calling code",
            PhoneNumberUtil.ValidationResult.TOO_SHORT => $"it is too short for a +{number.CountryCode} number",
            PhoneNumberUtil.ValidationResult.TOO_LONG => $"it is too long for a +{number.CountryCode} number",
            PhoneNumberUtil.ValidationResult.INVALID_LENGTH => $"no +{number.CountryCode} number has its length",
            _ when !Numbers.IsValidNumber(number) => $"it is not a number in use under +{number.CountryCode}",
            _ => null,
        };
    }

    /// <summary>
    /// The E.164 form of a number written in international format ("+1 (415) 555-0100", "0044 20 7946 0958") when
    /// libphonenumber calls it valid; otherwise null and <paramref name="problem"/> says why.
    /// </summary>
    public static string? ToE164(string text, out string? problem)
    {
        string trimmed = text.Trim();
        if (trimmed.StartsWith("00", StringComparison.Ordinal)) trimmed = "+" + trimmed[2..];
        problem = null;
        if (!trimmed.StartsWith('+'))
        {
            problem = "must be an international number: + and the country calling code, like +14155550100";
            return null;
        }
        try
        {
            string e164 = Numbers.Format(Numbers.Parse(trimmed, null), PhoneNumberFormat.E164);
            problem = Invalidity(e164);
            return problem is null ? e164 : null;
        }
        catch (NumberParseException)
        {
            problem = "it is not a phone number";
            return null;
        }
    }

    /// <summary>True when <paramref name="value"/> is '+' followed by 8 to 15 ASCII digits, the first not 0.</summary>
    public static bool IsE164([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? value)
    {
        if (value is null || value.Length < 1 + MinDigits || value.Length > 1 + MaxDigits || value[0] != '+' || value[1] == '0')
            return false;
        foreach (char c in value.AsSpan(1))
            if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    private static string? RegionOf(string e164)
    {
        try
        {
            var region = Numbers.GetRegionCodeForNumber(Numbers.Parse(e164, null));
            return region == PhoneNumberUtil.REGION_CODE_FOR_NON_GEO_ENTITY ? null : region;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    /// <summary>The prefix's digits, their count (so that zeros after the calling code stay distinct) and the number's length.</summary>
    private static long PrefixKey(ReadOnlySpan<char> prefix, int numberLength) => (ParseDigits(prefix) * 16 + prefix.Length) * 16 + numberLength;

    private static long ParseDigits(ReadOnlySpan<char> digits)
    {
        long value = 0;
        foreach (char c in digits) value = (value * 10) + (c - '0');
        return value;
    }
}
