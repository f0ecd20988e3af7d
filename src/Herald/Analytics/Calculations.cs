namespace Herald.Analytics;

/// <summary>
/// The ten calculation utilities of seed 002 (WhatsApp team analytics), as pure functions. Every rate is a
/// percentage rounded to 2 decimals and clamped to [0, 100]; a zero (or negative) denominator answers 0, never
/// NaN or infinity; negative counts are treated as 0. Scores are 0–100, rounded to 2 decimals.
/// </summary>
public static class Calculations
{
    /// <summary>Delivery rate: <c>delivered / sent × 100</c>; 0 when nothing was sent.</summary>
    public static double DeliveryRate(long delivered, long sent) => Rate(delivered, sent);

    /// <summary>Read rate: <c>read / delivered × 100</c> (of the delivered messages, how many were read); 0 when nothing was delivered.</summary>
    public static double ReadRate(long read, long delivered) => Rate(read, delivered);

    /// <summary>
    /// Engagement rate: <c>engaged / reached × 100</c>, where <c>engaged</c> counts those who acted (read, replied or
    /// wrote in) among <c>reached</c>; 0 when nobody was reached, at most 100.
    /// </summary>
    public static double EngagementRate(long engaged, long reached) => Rate(engaged, reached);

    /// <summary>Reply rate: <c>replied / delivered × 100</c>; 0 when nothing was delivered.</summary>
    public static double ReplyRate(long replied, long delivered) => Rate(replied, delivered);

    /// <summary>Failure rate: <c>failed / sent × 100</c>; 0 when nothing was sent.</summary>
    public static double FailureRate(long failed, long sent) => Rate(failed, sent);

    /// <summary>
    /// Average response time in seconds: the arithmetic mean of the given response times
    /// (<c>Σ t / n</c>), rounded to 2 decimals; negative or non-finite values are ignored; null when none remain.
    /// </summary>
    public static double? AverageResponseTime(IEnumerable<double> responseTimesSeconds)
    {
        double sum = 0;
        long n = 0;
        foreach (var t in responseTimesSeconds)
        {
            if (!double.IsFinite(t) || t < 0) continue;
            sum += t;
            n++;
        }
        return n == 0 ? null : Math.Round(sum / n, 2);
    }

    /// <summary>Conversion rate: <c>conversions / total × 100</c>; 0 when total is 0, at most 100.</summary>
    public static double ConversionRate(long conversions, long total) => Rate(conversions, total);

    /// <summary>
    /// Period-over-period growth: <c>(current − previous) / previous × 100</c>, rounded to 2 decimals and not
    /// clamped (−100 is a drop to nothing, 250 is 3.5×). With no previous value: 100 when something happened now, else 0.
    /// </summary>
    public static double GrowthRate(long current, long previous)
    {
        current = Math.Max(0, current);
        previous = Math.Max(0, previous);
        if (previous == 0) return current > 0 ? 100 : 0;
        return Math.Round((current - previous) * 100.0 / previous, 2);
    }

    /// <summary>
    /// Campaign performance score, 0–100:
    /// <c>0.4 × delivery_rate + 0.3 × read_rate + 0.2 × reply_rate + 0.1 × (100 − failure_rate)</c>, each rate
    /// first clamped to [0, 100]; a campaign that sent nothing scores 0.
    /// </summary>
    public static double CampaignScore(long sent, double deliveryRate, double readRate, double replyRate, double failureRate)
    {
        if (sent <= 0) return 0;
        double score = 0.4 * Clamp(deliveryRate) + 0.3 * Clamp(readRate) + 0.2 * Clamp(replyRate) + 0.1 * (100 - Clamp(failureRate));
        return Math.Round(Math.Clamp(score, 0, 100), 2);
    }

    /// <summary>
    /// A contact's engagement score, 0–100, from what it received and did in the period:
    /// <c>30 × min(1, read / received) + 40 × min(1, replied / received) + 30 × min(1, inbound / max(1, received))</c>,
    /// where <c>received</c> is messages delivered to the contact, <c>read</c> and <c>replied</c> those of them it read or
    /// replied to, and <c>inbound</c> messages it sent. With nothing received only the inbound term counts
    /// (a contact that writes in unprompted scores 30); with nothing at all it scores 0.
    /// </summary>
    public static double ContactEngagementScore(long received, long read, long replied, long inbound)
    {
        received = Math.Max(0, received);
        double readShare = received == 0 ? 0 : Math.Min(1, Math.Max(0, read) / (double)received);
        double replyShare = received == 0 ? 0 : Math.Min(1, Math.Max(0, replied) / (double)received);
        double inboundShare = Math.Min(1, Math.Max(0, inbound) / (double)Math.Max(1, received));
        return Math.Round(Math.Clamp(30 * readShare + 40 * replyShare + 30 * inboundShare, 0, 100), 2);
    }

    private static double Rate(long part, long whole)
    {
        if (whole <= 0 || part <= 0) return 0;
        return Math.Round(Math.Min(100, part * 100.0 / whole), 2);
    }

    private static double Clamp(double rate) => double.IsFinite(rate) ? Math.Clamp(rate, 0, 100) : 0;
}
