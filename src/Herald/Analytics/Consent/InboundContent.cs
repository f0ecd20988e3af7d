namespace Herald.Analytics.Consent;

/// <summary>
/// What an inbound text that is not a keyword is about. An order inquiry names an order or its delivery: one of its words
/// (letters and digits, any case) is order(s/ed), track(ing), shipment, shipping, shipped, delivery, deliver(ed), package or
/// parcel ("Where is my order #123?", "tracking number please").
/// </summary>
public static class InboundContent
{
    private static readonly HashSet<string> OrderWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "order", "orders", "ordered", "track", "tracking", "shipment", "shipping", "shipped", "delivery", "deliver", "delivered",
        "package", "parcel",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> BySpan = OrderWords.GetAlternateLookup<ReadOnlySpan<char>>();

    public static bool IsOrderInquiry(string text)
    {
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            int start = 0;
            while (start < rest.Length && !char.IsLetterOrDigit(rest[start])) start++;
            int end = start;
            while (end < rest.Length && char.IsLetterOrDigit(rest[end])) end++;
            if (end > start && BySpan.Contains(rest[start..end])) return true;
            rest = rest[end..];
        }
        return false;
    }
}
