using Herald.Alerts;

namespace Herald.Tests.Alerts;

public sealed class WilsonTests
{
    [Theory]
    // Reference values: the Wilson score interval at z = 1.959964 (e.g. R's binom::binom.wilson, or the closed form).
    [InlineData(3, 10, 0.107791, 0.603222)]
    [InlineData(100, 1000, 0.082909, 0.120152)]
    [InlineData(0, 10, 0.0, 0.277533)]
    [InlineData(10, 10, 0.722467, 1.0)]
    [InlineData(7, 100, 0.034319, 0.137495)]
    [InlineData(50, 100, 0.403832, 0.596168)]
    public void Interval_matches_known_values(long k, long n, double lower, double upper)
    {
        var (l, u) = Wilson.Interval(k, n);
        Assert.Equal(lower, l, 5);
        Assert.Equal(upper, u, 5);
    }

    [Fact]
    public void No_trials_is_the_whole_range_and_bad_counts_throw()
    {
        Assert.Equal((0.0, 1.0), Wilson.Interval(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Wilson.Interval(11, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Wilson.Interval(-1, 10));
    }

    private static readonly Herald.Storage.AlertRuleRecord FailureRule =
        AlertRules.Defaults.Single(r => r.RuleId == "high_failure_rate"); // message_failure_rate > 5 %, min_volume 50

    private static readonly Herald.Storage.AlertRuleRecord DeliveryRule =
        AlertRules.Defaults.Single(r => r.RuleId == "low_delivery_rate"); // delivery_rate < 95 %

    [Fact]
    public void Ten_messages_with_three_failures_do_not_fire_a_five_percent_rule_but_a_thousand_with_a_hundred_do()
    {
        var few = AlertMetricReader.Rate(3, 10, "gt", 5);
        Assert.Equal(30, few.Value);
        Assert.False(AlertMetricReader.Holds(FailureRule, few));

        var many = AlertMetricReader.Rate(100, 1000, "gt", 5);
        Assert.Equal(10, many.Value);
        Assert.Equal(8.2909, many.Bound!.Value, 3);
        Assert.True(AlertMetricReader.Holds(FailureRule, many));
    }

    [Fact]
    public void The_bound_not_the_point_value_decides()
    {
        // 7 % of 100 is above 5 %, but its Wilson lower bound (3.4 %) is not: not significant.
        var seven = AlertMetricReader.Rate(7, 100, "gt", 5);
        Assert.Equal(7, seven.Value);
        Assert.False(AlertMetricReader.Holds(FailureRule, seven));
        // Without min_volume, 3 of 10 is significant (lower bound 10.8 % > 5 %): min_volume is what spares the small sample.
        Assert.True(AlertMetricReader.Holds(FailureRule with { MinVolume = 0 }, AlertMetricReader.Rate(3, 10, "gt", 5)));

        // Delivery rate < 95 %: 90 of 100 delivered (upper bound 94.5 %) fires; 92 of 100 (upper 96 %) does not.
        Assert.True(AlertMetricReader.Holds(DeliveryRule, AlertMetricReader.Rate(90, 100, "lt", 5)));
        Assert.False(AlertMetricReader.Holds(DeliveryRule, AlertMetricReader.Rate(92, 100, "lt", 5)));
        // No items with an outcome: nothing to judge.
        Assert.False(AlertMetricReader.Holds(DeliveryRule, AlertMetricReader.Rate(0, 0, "lt", 5)));
    }
}
