using Resorcerer.Profiles;

namespace Resorcerer.Core.Tests.Profiles;

public class PolicyAnnotationsTests
{
    private static Dictionary<string, string> A(params string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public void No_annotations_give_the_defaults()
    {
        var policy = PolicyAnnotations.Read(null, null);

        Assert.Equal((UpdateMode.Initial, ControlledValues.RequestsAndLimits), (policy.Mode, policy.ControlledValues));
        Assert.Empty(policy.ExcludeContainers);
        Assert.Null(policy.Allowed);
        Assert.Null(policy.Problems);
    }

    [Fact]
    public void The_workload_overrides_its_namespace()
    {
        var policy = PolicyAnnotations.Read(
            A("resorcerer.io/mode=Off", "resorcerer.io/exclude-containers=istio-proxy", "other.io/mode=Initial"),
            A("resorcerer.io/mode=initial", "resorcerer.io/controlled-values=RequestsOnly"));

        Assert.Equal(UpdateMode.Initial, policy.Mode);
        Assert.Equal(ControlledValues.RequestsOnly, policy.ControlledValues);
        Assert.Equal(["istio-proxy"], policy.ExcludeContainers);
    }

    [Fact]
    public void Bounds_and_excluded_containers_are_read_as_quantities_and_lists()
    {
        var policy = PolicyAnnotations.Read(null, A(
            "resorcerer.io/min-cpu=50m", "resorcerer.io/max-cpu=2", "resorcerer.io/min-memory=64Mi", "resorcerer.io/max-memory=1Gi",
            "resorcerer.io/exclude-containers= linkerd-proxy , istio-proxy,,linkerd-proxy"));

        Assert.Equal(new ResourceBounds(50, 2000, 64L << 20, 1L << 30), policy.Allowed);
        Assert.Equal(["linkerd-proxy", "istio-proxy"], policy.ExcludeContainers);
    }

    [Theory]
    [InlineData("resorcerer.io/mode=Sometimes", "resorcerer.io/mode: 'Sometimes' is not one of Initial, Off, InPlace, InPlaceOrRecreate, Recreate")]
    [InlineData("resorcerer.io/mode=1", "resorcerer.io/mode: '1' is not one of Initial, Off, InPlace, InPlaceOrRecreate, Recreate")]
    [InlineData("resorcerer.io/controlled-values=Limits", "resorcerer.io/controlled-values: 'Limits' is not one of RequestsAndLimits, RequestsOnly")]
    [InlineData("resorcerer.io/min-cpu=lots", "resorcerer.io/min-cpu: 'lots' is not a quantity")]
    [InlineData("resorcerer.io/max-cpu=0", "resorcerer.io/max-cpu: '0' is not above zero (Kubernetes counts a zero request as none)")]
    [InlineData("resorcerer.io/min-memory=0Mi", "resorcerer.io/min-memory: '0Mi' is not above zero (Kubernetes counts a zero request as none)")]
    public void Unreadable_values_are_ignored_and_reported(string annotation, string problem)
    {
        var policy = PolicyAnnotations.Read(null, A(annotation));

        Assert.Equal([problem], policy.Problems);
        Assert.Equal(WorkloadPolicy.Default.Mode, policy.Mode);
        Assert.Null(policy.Allowed);
    }

    [Fact]
    public void A_minimum_above_its_maximum_drops_both()
    {
        var policy = PolicyAnnotations.Read(null, A("resorcerer.io/min-cpu=2", "resorcerer.io/max-cpu=1", "resorcerer.io/max-memory=1Gi"));

        Assert.Equal(new ResourceBounds(MaxMemory: 1L << 30), policy.Allowed);
        Assert.Equal(["resorcerer.io/min-cpu is above resorcerer.io/max-cpu: both ignored"], policy.Problems);
    }

    [Fact]
    public void The_memory_guard_and_the_start_up_boost_are_read_from_the_namespace_or_the_workload()
    {
        var policy = PolicyAnnotations.Read(
            A("resorcerer.io/memory-threshold-percent=75", "resorcerer.io/memory-multiplier=2"),
            A("resorcerer.io/mode=InPlaceOrRecreate", "resorcerer.io/cpu-startup-boost=3x", "resorcerer.io/cpu-startup-boost-duration=2m"));

        Assert.Equal(UpdateMode.InPlaceOrRecreate, policy.Mode);
        Assert.True(policy.ActsOnRunningPods);
        Assert.Equal(new MemoryGuard(75, 2), policy.MemoryGuard);
        Assert.Equal(new CpuStartupBoost(3, null, TimeSpan.FromMinutes(2)), policy.CpuStartupBoost);
        Assert.Equal(1200, policy.CpuStartupBoost!.Boost(400));
        Assert.Null(policy.Problems);
    }

    [Fact]
    public void A_boost_given_as_a_quantity_raises_the_target_to_it_and_lasts_a_minute_by_default()
    {
        var boost = PolicyAnnotations.Read(null, A("resorcerer.io/cpu-startup-boost=1500m")).CpuStartupBoost!;

        Assert.Equal(new CpuStartupBoost(null, 1500, TimeSpan.FromSeconds(60)), boost);
        Assert.Equal(1500, boost.Boost(400));
        Assert.Equal(2000, boost.Boost(2000)); // never below the target
    }

    [Theory]
    [InlineData("resorcerer.io/memory-threshold-percent=0", "resorcerer.io/memory-threshold-percent: '0' is not a percent from 1 to 100: the guard is off")]
    [InlineData("resorcerer.io/memory-threshold-percent=seventy", "resorcerer.io/memory-threshold-percent: 'seventy' is not a percent from 1 to 100: the guard is off")]
    [InlineData("resorcerer.io/memory-multiplier=2", "resorcerer.io/memory-multiplier needs resorcerer.io/memory-threshold-percent: the guard is off")]
    [InlineData("resorcerer.io/cpu-startup-boost=1x", "resorcerer.io/cpu-startup-boost: '1x' is neither a factor above 1 (like 2x) nor a CPU quantity: the boost is off")]
    [InlineData("resorcerer.io/cpu-startup-boost=fast", "resorcerer.io/cpu-startup-boost: 'fast' is neither a factor above 1 (like 2x) nor a CPU quantity: the boost is off")]
    public void An_unreadable_guard_or_boost_is_off_and_said(string annotation, string problem)
    {
        var policy = PolicyAnnotations.Read(null, A(annotation));

        Assert.Equal([problem], policy.Problems);
        Assert.Null(policy.MemoryGuard);
        Assert.Null(policy.CpuStartupBoost);
    }
}
