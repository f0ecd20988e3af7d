using Herald.Engine;

namespace Herald.Tests.Engine;

/// <summary>The writer's presence filter: a fixed size, never a false "certainly new", and a false positive rate as estimated.</summary>
public sealed class ItemPresenceFilterTests
{
    private static double MeasuredFalsePositiveRate(ItemPresenceFilter filter, int probes) =>
        (double)Enumerable.Range(0, probes).Count(i => filter.MayContain(7, "absent-" + i)) / probes;

    [Theory]
    [InlineData(400)]   // under its design load of 10 bits per item (819 items in 1 KB)
    [InlineData(3_000)] // far past it
    public void Every_added_item_may_be_present_and_absent_ones_are_reported_at_the_estimated_rate(int items)
    {
        var filter = new ItemPresenceFilter(1024);
        for (int i = 0; i < items; i++) filter.Add(7, "item-" + i);

        Assert.Equal(1024, filter.Bytes);
        Assert.Equal(items, filter.Count);
        for (int i = 0; i < items; i++) Assert.True(filter.MayContain(7, "item-" + i), $"item-{i} was added but reported certainly new");

        double measured = MeasuredFalsePositiveRate(filter, 20_000);
        Assert.InRange(measured, filter.EstimatedFalsePositiveRate - 0.03, filter.EstimatedFalsePositiveRate + 0.03);
        if (items == 400) Assert.True(filter.EstimatedFalsePositiveRate < 0.01, $"estimated {filter.EstimatedFalsePositiveRate}");
        else Assert.True(filter.EstimatedFalsePositiveRate > 0.5, $"estimated {filter.EstimatedFalsePositiveRate}");
    }

    [Fact]
    public void The_same_item_id_in_another_team_is_another_item()
    {
        var filter = new ItemPresenceFilter(1024);
        for (int i = 0; i < 200; i++) filter.Add(1, "item-" + i);
        int reported = Enumerable.Range(0, 200).Count(i => filter.MayContain(2, "item-" + i));
        Assert.True(reported < 20, $"{reported} of 200 ids of team 1 were reported present for team 2");
    }

    [Fact]
    public void Clear_empties_it_at_the_same_size()
    {
        var filter = new ItemPresenceFilter(4096);
        for (int i = 0; i < 100; i++) filter.Add(7, "item-" + i);
        filter.Clear();
        Assert.Equal(0, filter.Count);
        Assert.Equal(4096, filter.Bytes);
        Assert.Equal(0, MeasuredFalsePositiveRate(filter, 1_000));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(70_000)]
    public void An_out_of_range_size_is_refused_naming_the_setting(int megabytes)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new WriterOptions { ItemFilterMegabytes = megabytes }.Validate());
        Assert.Contains("Herald:Writer:ItemFilterMegabytes", error.Message, StringComparison.Ordinal);
    }
}
