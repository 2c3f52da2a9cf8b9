namespace Resorcerer.Hosting.Tests;

public sealed class RepeatLimiterTests
{
    private sealed class StepClock : TimeProvider
    {
        public long Now { get; set; }

        public override long GetTimestamp() => Now;

        public override long TimestampFrequency => 1000;
    }

    [Fact]
    public void Each_kind_is_logged_once_an_interval_with_the_count_held_back()
    {
        var clock = new StepClock();
        var limiter = new RepeatLimiter(clock, TimeSpan.FromSeconds(10));

        Assert.True(limiter.ShouldLog("store_unavailable", out var heldBack));
        Assert.Equal(0, heldBack);
        for (var i = 0; i < 499; i++)
        {
            Assert.False(limiter.ShouldLog("store_unavailable", out _));
        }

        Assert.True(limiter.ShouldLog("malformed_pod", out _)); // another kind is not held back by the first

        clock.Now = 10_000;
        Assert.True(limiter.ShouldLog("store_unavailable", out heldBack));
        Assert.Equal(499, heldBack);
        Assert.Equal(" (499 more like it were not logged)", RepeatLimiter.HeldBackNote(heldBack));
        Assert.Equal(string.Empty, RepeatLimiter.HeldBackNote(0));
    }
}
