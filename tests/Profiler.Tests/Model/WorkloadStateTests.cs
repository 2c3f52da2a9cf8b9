using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Tests.Model;

public class WorkloadStateTests
{
    private static readonly WorkloadRef Web = new("shop", "Deployment", "web");

    public static TheoryData<string> Strategies => new(StrategyCatalog.All.Select(s => s.Name));

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Model", "Fixtures", name);

    private static WorkloadState Learned(IRecommendationStrategy strategy, TimeSpan window)
    {
        var state = new WorkloadState(Web, strategy, window);
        for (var t = 0L; t < 2 * 86400; t += 60)
        {
            state.Fold(UsageEvent.InFoldOrder(
            [
                UsageEvent.Cpu(t, "app", 0.2 + t % 7 * 0.01), UsageEvent.Memory(t, "app", 300e6 + t % 11 * 1e6),
                UsageEvent.Cpu(t, "sidecar", 0.01), UsageEvent.Memory(t, "sidecar", 20e6),
            ]));
        }

        return state;
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void A_checkpoint_of_the_first_format_is_read_and_gives_the_profile_it_was_written_with(string name)
    {
        var strategy = StrategyCatalog.Find(name)!;
        var written = ProfileJson.Deserialize(File.ReadAllText(Fixture($"checkpoint-v1-{name}.profile.json")));

        var state = WorkloadState.Load(Web, strategy, TimeSpan.FromDays(7), File.ReadAllBytes(Fixture($"checkpoint-v1-{name}.bin")))!;
        var profile = ProfileBuilder.Build(Web, state.Replay, written.UpdatedAt, RecommendationSettings.Default)!;

        if (name == "resorcerer")
        {
            // Its memory headroom rule changed since (at least 15%, or the swing where wider, instead of 10% plus the
            // swing): what was learned (CPU as it stood, the memory peak) carries over, the target follows the new rule.
            foreach (var (container, was) in written.Containers)
            {
                var now = profile.Containers[container];
                Assert.Equal(was.Cpu, now.Cpu);
                Assert.Equal(was.Memory!.LowerBound, now.Memory!.LowerBound);
                Assert.InRange(now.Memory.Target, was.Memory.LowerBound + 1, (long)(was.Memory.LowerBound * 1.15) + 513 * 1024 * 1024);
            }
        }
        else
        {
            Assert.Equal(ProfileJson.Serialize(written), ProfileJson.Serialize(profile));
        }

        Assert.Equal(StateReader.CurrentVersion, state.Save()[4]); // saved again in the current format
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void A_saved_state_loads_back_exactly(string name)
    {
        var strategy = StrategyCatalog.Find(name)!;
        var saved = Learned(strategy, TimeSpan.FromDays(7)).Save();

        var loaded = WorkloadState.Load(Web, strategy, TimeSpan.FromDays(7), saved)!;

        Assert.Equal(saved, loaded.Save());
    }

    [Fact]
    public void A_window_of_more_than_255_days_is_kept_in_full()
    {
        var strategy = StrategyCatalog.Default;
        var saved = Learned(strategy, TimeSpan.FromDays(300)).Save();

        Assert.Equal(saved, WorkloadState.Load(Web, strategy, TimeSpan.FromDays(300), saved)!.Save());
    }

    [Fact]
    public void A_checkpoint_of_another_strategy_or_window_is_not_loaded()
    {
        var saved = Learned(StrategyCatalog.Find("vpa")!, TimeSpan.FromDays(7)).Save();

        Assert.Null(WorkloadState.Load(Web, StrategyCatalog.Find("krr")!, TimeSpan.FromDays(7), saved));
        Assert.Null(WorkloadState.Load(Web, StrategyCatalog.Find("vpa")!, TimeSpan.FromDays(14), saved));
    }

    [Theory]
    [InlineData("not a checkpoint")]
    [InlineData("")]
    public void Bytes_that_are_not_a_checkpoint_are_refused(string text) =>
        Assert.Throws<InvalidDataException>(() => WorkloadState.Load(Web, StrategyCatalog.Default, TimeSpan.FromDays(7), System.Text.Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void A_truncated_or_padded_checkpoint_is_refused()
    {
        var saved = Learned(StrategyCatalog.Default, TimeSpan.FromDays(7)).Save();

        Assert.ThrowsAny<IOException>(() => WorkloadState.Load(Web, StrategyCatalog.Default, TimeSpan.FromDays(7), saved[..^9]));
        Assert.Throws<InvalidDataException>(() => WorkloadState.Load(Web, StrategyCatalog.Default, TimeSpan.FromDays(7), [.. saved, 0]));
    }

    [Fact]
    public void A_checkpoint_of_an_unknown_format_version_is_refused()
    {
        var saved = Learned(StrategyCatalog.Default, TimeSpan.FromDays(7)).Save();
        saved[4] = 9;

        var error = Assert.Throws<InvalidDataException>(() => WorkloadState.Load(Web, StrategyCatalog.Default, TimeSpan.FromDays(7), saved));
        Assert.Contains("version 9", error.Message, StringComparison.Ordinal);
    }
}
