using Herald.Domain;

namespace Herald.Tests.Domain;

public sealed class UtcMinuteTests
{
    private static UtcMinute M(int y, int mo, int d, int h = 0, int mi = 0) => UtcMinute.FromDateTimeOffset(new DateTimeOffset(y, mo, d, h, mi, 0, TimeSpan.Zero));

    [Theory]
    [InlineData(2024, 1, 3, 15, 37, 2024, 1, 1)]   // Wednesday -> Monday
    [InlineData(2024, 1, 7, 23, 59, 2024, 1, 1)]   // Sunday, last minute of the week
    [InlineData(2024, 1, 8, 0, 0, 2024, 1, 8)]     // Monday 00:00 is its own week start
    [InlineData(2024, 3, 1, 12, 0, 2024, 2, 26)]   // across a month (leap February)
    [InlineData(2025, 1, 1, 0, 0, 2024, 12, 30)]   // across a year
    [InlineData(1970, 1, 1, 0, 0, 1969, 12, 29)]   // the epoch was a Thursday
    [InlineData(1969, 12, 31, 5, 0, 1969, 12, 29)] // before the epoch
    public void Week_floors_to_Monday_midnight_UTC(int y, int mo, int d, int h, int mi, int wy, int wmo, int wd)
    {
        var floor = M(y, mo, d, h, mi).Floor(Granularity.Week);
        Assert.Equal(M(wy, wmo, wd), floor);
        Assert.Equal(DayOfWeek.Monday, floor.ToDateTimeOffset().DayOfWeek);
    }

    [Fact]
    public void Week_floor_of_random_minutes_is_the_Monday_before()
    {
        var random = new Random(11);
        for (int i = 0; i < 5000; i++)
        {
            var m = new UtcMinute(random.NextInt64(-2_000_000, 40_000_000));
            var floor = m.Floor(Granularity.Week);
            var t = floor.ToDateTimeOffset();
            Assert.Equal(DayOfWeek.Monday, t.DayOfWeek);
            Assert.Equal(TimeSpan.Zero, t.TimeOfDay);
            Assert.InRange(m.Value - floor.Value, 0, 7 * 1440 - 1);
            Assert.Equal(floor, floor.Floor(Granularity.Week));
            Assert.Equal(floor.Value + 7 * 1440, floor.Next(Granularity.Week).Value);
        }
    }

    [Theory]
    [InlineData(2024, 2, 29, 12, 30, 2024, 2, 1)]
    [InlineData(2024, 3, 1, 0, 0, 2024, 3, 1)]
    [InlineData(2024, 12, 31, 23, 59, 2024, 12, 1)]
    [InlineData(1969, 12, 15, 1, 0, 1969, 12, 1)]
    public void Month_floors_to_the_first_at_midnight(int y, int mo, int d, int h, int mi, int fy, int fmo, int fd)
    {
        Assert.Equal(M(fy, fmo, fd), M(y, mo, d, h, mi).Floor(Granularity.Month));
    }

    [Fact]
    public void Hour_day_and_minute_floor()
    {
        var m = M(2024, 5, 17, 13, 47);
        Assert.Equal(m, m.Floor(Granularity.Minute));
        Assert.Equal(M(2024, 5, 17, 13), m.Floor(Granularity.Hour));
        Assert.Equal(M(2024, 5, 17), m.Floor(Granularity.Day));
        Assert.Equal(M(1969, 12, 31, 23), M(1969, 12, 31, 23, 59).Floor(Granularity.Hour));
        Assert.Equal(M(1969, 12, 31), M(1969, 12, 31, 23, 59).Floor(Granularity.Day));
    }

    [Theory]
    [InlineData(2024, 1, 2024, 2)]
    [InlineData(2024, 2, 2024, 3)]
    [InlineData(2023, 2, 2023, 3)]
    [InlineData(2024, 12, 2025, 1)]
    public void Next_month_is_the_first_of_the_following_month(int y, int mo, int ny, int nmo)
    {
        Assert.Equal(M(ny, nmo, 1), M(y, mo, 1).Next(Granularity.Month));
    }

    [Fact]
    public void Next_of_each_granularity()
    {
        var m = M(2024, 2, 26);
        Assert.Equal(m.Value + 1, m.Next(Granularity.Minute).Value);
        Assert.Equal(m.Value + 60, m.Next(Granularity.Hour).Value);
        Assert.Equal(m.Value + 1440, m.Next(Granularity.Day).Value);
        Assert.Equal(M(2024, 3, 4), m.Next(Granularity.Week));
    }

    [Fact]
    public void Alignment_and_conversions()
    {
        Assert.True(M(2024, 3, 1).IsAligned(Granularity.Month));
        Assert.False(M(2024, 3, 2).IsAligned(Granularity.Month));
        Assert.True(M(2024, 3, 4).IsAligned(Granularity.Week));
        Assert.False(M(2024, 3, 5).IsAligned(Granularity.Week));
        Assert.Equal(new UtcMinute(0), UtcMinute.FromUnixMillis(59_999));
        Assert.Equal(new UtcMinute(-1), UtcMinute.FromUnixMillis(-1));
        Assert.Equal("2024-03-04T05:06:00Z", M(2024, 3, 4, 5, 6).ToString());
        Assert.Equal(M(2024, 3, 4, 5, 6).ToUnixMillis(), new DateTimeOffset(2024, 3, 4, 5, 6, 0, TimeSpan.Zero).ToUnixTimeMilliseconds());
    }
}
