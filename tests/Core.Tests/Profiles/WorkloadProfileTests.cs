using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Core.Tests.Profiles;

public class WorkloadProfileTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);

    private static ResourceProfile Seen(double hours) =>
        new(1, 1, 1, new UsageSummary(1, 1, 1, 1, 1, 10, Start, Start.AddHours(hours)));

    private static WorkloadProfile With(Dictionary<string, ContainerProfile> containers) => new()
    {
        Workload = new WorkloadRef("shop", "Deployment", "web"),
        UpdatedAt = Start,
        Strategy = "resorcerer",
        Containers = containers,
    };

    [Fact]
    public void History_is_the_longest_any_container_resource_rests_on()
    {
        var profile = With(new()
        {
            ["web"] = new(Seen(3), Seen(5)),
            ["proxy"] = new(Seen(30), null),
            ["log"] = new(null, Seen(12)),
        });

        Assert.Equal(TimeSpan.FromHours(30), profile.History);
    }

    [Fact]
    public void A_profile_without_container_profiles_rests_on_no_history() =>
        Assert.Equal(TimeSpan.Zero, With([]).History);
}
