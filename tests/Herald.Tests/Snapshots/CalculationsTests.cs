using Herald.Analytics;

namespace Herald.Tests.Snapshots;

/// <summary>Seed 002's ten calculation functions: the formulas, zero denominators, clamping and rounding.</summary>
public sealed class CalculationsTests
{
    [Theory]
    [InlineData(90, 100, 90)]
    [InlineData(1, 3, 33.33)]
    [InlineData(2, 3, 66.67)]
    [InlineData(0, 0, 0)]
    [InlineData(5, 0, 0)]
    [InlineData(150, 100, 100)] // more delivered than sent (late counts) is clamped
    [InlineData(-4, 10, 0)]
    [InlineData(3, -1, 0)]
    public void Plain_rates_are_part_over_whole_percentages_clamped_and_zero_on_zero_denominators(long part, long whole, double expected)
    {
        Assert.Equal(expected, Calculations.DeliveryRate(part, whole));
        Assert.Equal(expected, Calculations.ReadRate(part, whole));
        Assert.Equal(expected, Calculations.EngagementRate(part, whole));
        Assert.Equal(expected, Calculations.ReplyRate(part, whole));
        Assert.Equal(expected, Calculations.FailureRate(part, whole));
        Assert.Equal(expected, Calculations.ConversionRate(part, whole));
    }

    [Fact]
    public void Average_response_time_is_the_mean_ignoring_invalid_values_and_null_when_empty()
    {
        Assert.Null(Calculations.AverageResponseTime([]));
        Assert.Null(Calculations.AverageResponseTime([-1, double.NaN, double.PositiveInfinity]));
        Assert.Equal(20, Calculations.AverageResponseTime([10, 30]));
        Assert.Equal(10, Calculations.AverageResponseTime([10, -5, double.NaN]));
        Assert.Equal(0.33, Calculations.AverageResponseTime([0, 0, 1]));
    }

    [Theory]
    [InlineData(150, 100, 50)]
    [InlineData(50, 100, -50)]
    [InlineData(0, 100, -100)]
    [InlineData(350, 100, 250)] // growth is not clamped
    [InlineData(10, 0, 100)]    // from nothing to something
    [InlineData(0, 0, 0)]
    [InlineData(1, 3, -66.67)]
    [InlineData(-5, 10, -100)]  // negative counts are treated as zero
    public void Growth_rate_compares_with_the_previous_period(long current, long previous, double expected) =>
        Assert.Equal(expected, Calculations.GrowthRate(current, previous));

    [Fact]
    public void Campaign_score_weights_delivery_read_reply_and_the_absence_of_failures()
    {
        Assert.Equal(100, Calculations.CampaignScore(10, 100, 100, 100, 0));
        Assert.Equal(0, Calculations.CampaignScore(10, 0, 0, 0, 100));
        Assert.Equal(10, Calculations.CampaignScore(10, 0, 0, 0, 0));
        // 0.4*90 + 0.3*50 + 0.2*10 + 0.1*(100-5) = 36 + 15 + 2 + 9.5
        Assert.Equal(62.5, Calculations.CampaignScore(10, 90, 50, 10, 5));
        // Out-of-range and non-finite inputs are clamped first, so the score stays within 0..100.
        Assert.Equal(100, Calculations.CampaignScore(10, 250, 400, 1000, -50));
        Assert.Equal(10, Calculations.CampaignScore(10, double.NaN, -3, double.NegativeInfinity, double.NaN));
        // A campaign that sent nothing has no score.
        Assert.Equal(0, Calculations.CampaignScore(0, 100, 100, 100, 0));
    }

    [Fact]
    public void Contact_engagement_score_rewards_reads_replies_and_writing_in()
    {
        Assert.Equal(0, Calculations.ContactEngagementScore(0, 0, 0, 0));
        Assert.Equal(0, Calculations.ContactEngagementScore(4, 0, 0, 0));
        Assert.Equal(100, Calculations.ContactEngagementScore(2, 2, 2, 2));
        // Read everything, replied to half, wrote in once of 2 received: 30 + 20 + 15
        Assert.Equal(65, Calculations.ContactEngagementScore(2, 2, 1, 1));
        // Nothing received, but wrote in: only the inbound term.
        Assert.Equal(30, Calculations.ContactEngagementScore(0, 0, 0, 3));
        // More reads than received (inconsistent input) and negative values are clamped.
        Assert.Equal(60, Calculations.ContactEngagementScore(1, 5, 0, 7));
        Assert.Equal(0, Calculations.ContactEngagementScore(-1, -1, -1, -1));
        // One read of three received: 30 / 3, rounded to 2 decimals.
        Assert.Equal(10, Calculations.ContactEngagementScore(3, 1, 0, 0));
        Assert.Equal(13.33, Calculations.ContactEngagementScore(3, 0, 1, 0));
    }
}
