using Herald.Engine;

namespace Herald.Tests.Engine;

/// <summary>The writer's item cache: least recently used entries go first, pinned ones never, and its work stays bounded.</summary>
public sealed class GenerationalCacheTests
{
    private sealed class Value(int id)
    {
        public int Id { get; } = id;
        public bool Pinned { get; set; }
    }

    [Fact]
    public void A_trim_drops_the_least_recently_used_entries_down_to_the_capacity()
    {
        var cache = new GenerationalCache<int, Value>(8);
        for (int i = 0; i < 8; i++)
        {
            cache.NextGeneration();
            cache.Set(i, new Value(i));
        }
        // Entries 0 and 1 are used again: now the most recent.
        cache.NextGeneration();
        Assert.True(cache.TryGet(0, out _));
        Assert.True(cache.TryGet(1, out _));
        // Two more reach the trim mark (a quarter above capacity), and the trim leaves the capacity.
        cache.NextGeneration();
        cache.Set(8, new Value(8));
        cache.Set(9, new Value(9));
        Assert.Equal(10, cache.Count);
        cache.Set(10, new Value(10));
        Assert.Equal(8, cache.Count);
        int[] kept = Enumerable.Range(0, 11).Where(k => cache.TryGet(k, out _)).ToArray();
        Assert.Equal([0, 1, 5, 6, 7, 8, 9, 10], kept);
    }

    [Fact]
    public void Pinned_entries_and_those_of_the_current_batch_are_never_dropped()
    {
        var cache = new GenerationalCache<int, Value>(4, v => v.Pinned);
        cache.NextGeneration();
        for (int i = 0; i < 4; i++) cache.Set(i, new Value(i) { Pinned = i < 3 });
        cache.NextGeneration();
        for (int i = 4; i < 20; i++) cache.Set(i, new Value(i));
        // Only entry 3 was droppable: the current batch's sixteen and the three pinned stay.
        Assert.Equal(19, cache.Count);
        Assert.False(cache.TryGet(3, out _));
        for (int i = 0; i < 3; i++) Assert.True(cache.TryGet(i, out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void The_work_per_insert_stays_bounded_however_many_entries_are_pinned(int perGeneration)
    {
        // The case: every new item of a large write is pinned while the cache is far over its capacity.
        const int capacity = 1000, inserts = 170_000;
        var values = new List<Value>();
        var cache = new GenerationalCache<int, Value>(capacity, v => v.Pinned);
        for (int i = 0; i < inserts; i++)
        {
            if (i % perGeneration == 0) cache.NextGeneration();
            var v = new Value(i) { Pinned = true };
            values.Add(v);
            cache.Set(i, v);
        }
        Assert.Equal(inserts, cache.Count);
        Assert.True(cache.TrimVisits <= 12L * inserts, $"{cache.TrimVisits} entries visited for {inserts} inserts");

        // Unpinned (flushed), the entries go at the next trims, still at bounded cost.
        foreach (var v in values) v.Pinned = false;
        long before = cache.TrimVisits;
        cache.NextGeneration();
        for (int i = inserts; i < inserts + inserts / 4 + 2; i++) cache.Set(i, new Value(i));
        Assert.True(cache.Count <= capacity + capacity / 4 + inserts / 4, $"{cache.Count} entries left");
        Assert.True(cache.TrimVisits - before <= 12L * (inserts / 4 + 2), $"{cache.TrimVisits - before} entries visited");
    }

    [Fact]
    public void Selection_finds_the_kth_smallest_among_repeated_values()
    {
        var random = new Random(4);
        for (int round = 0; round < 200; round++)
        {
            long[] values = Enumerable.Range(0, random.Next(1, 300)).Select(_ => (long)random.Next(0, 20)).ToArray();
            long[] sorted = values.Order().ToArray();
            int k = random.Next(values.Length);
            Assert.Equal(sorted[k], GenerationalCache<int, int>.SmallestAt(values.ToArray(), k));
        }
    }
}
