using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Recommendation.Strategies;

namespace Resorcerer.Profiler.Tests.Recommendation.Strategies;

public class DailyRhythmTests
{
    private const long Hour = 3600, Day = 86400;

    /// <summary>Days of samples every 5 minutes, ticking at each whole hour as the replay does; cores(day, t) gives each sample.</summary>
    private static DailyRhythm Replay(int days, Func<int, long, double> cores)
    {
        var rhythm = new DailyRhythm();
        for (var t = 300L; t <= days * Day; t += 300)
        {
            if ((t - 300) % Hour == 0 && t > 300)
            {
                rhythm.Tick(t - 300);
            }

            rhythm.Add(t, cores((int)((t - 1) / Day), t));
        }

        rhythm.Tick(days * Day);
        return rhythm;
    }

    [Theory]
    // 10:00-11:00 peaks at 2 cores on day 0 and at 1.5 on day 1: what came back is 1.5.
    [InlineData(1, 2.0)]
    [InlineData(2, 1.5)]
    // A third day at 3: the last two days were 1.5 and 3.
    [InlineData(3, 1.5)]
    public void The_coming_hour_is_the_lower_of_its_last_two_days(int days, double expected)
    {
        double[] peaks = [2.0, 1.5, 3.0];
        var rhythm = Replay(days, (day, t) => t % Day is > 10 * Hour and <= 11 * Hour && t % Day == 10 * Hour + 1800 ? peaks[day] : 0.1);

        Assert.Equal(expected, rhythm.Coming(days * Day + 10 * Hour), 6);
        Assert.Equal(0.1, rhythm.Coming(days * Day + 9 * Hour), 6); // the hours around it stayed at 0.1
    }

    [Fact]
    public void The_sample_at_a_whole_hour_counts_for_the_hour_before_it()
    {
        // Only the sample at 10:00 sharp is high: the tick at 09:00 serves the samples after it, up to 10:00.
        var rhythm = Replay(1, (_, t) => t % Day == 10 * Hour ? 1.0 : 0.1);

        Assert.Equal(1.0, rhythm.Coming(Day + 9 * Hour), 6);
        Assert.Equal(0.1, rhythm.Coming(Day + 10 * Hour), 6);
    }

    [Fact]
    public void An_hour_never_seen_needs_nothing_and_the_state_round_trips()
    {
        var rhythm = new DailyRhythm();
        rhythm.Add(3 * Hour + 60, 0.5);
        Assert.Equal(0, rhythm.Coming(3 * Hour), 6); // the hour is still open
        rhythm.Tick(4 * Hour);
        Assert.Equal(0.5, rhythm.Coming(Day + 3 * Hour), 6);
        Assert.Equal(0, rhythm.Coming(Day + 7 * Hour), 6);

        using var stream = new MemoryStream();
        rhythm.Write(new BinaryWriter(stream));
        stream.Position = 0;
        var copy = new DailyRhythm();
        copy.Read(new StateReader(stream, StateReader.CurrentVersion));
        Assert.Equal(stream.Length, stream.Position);
        Assert.Equal(Enumerable.Range(0, 24).Select(h => rhythm.Coming(h * Hour)), Enumerable.Range(0, 24).Select(h => copy.Coming(h * Hour)));
    }
}
