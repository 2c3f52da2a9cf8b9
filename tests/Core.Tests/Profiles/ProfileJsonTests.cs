using System.Text.Json;
using System.Text.Json.Nodes;
using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Core.Tests.Profiles;

public class ProfileJsonTests
{
    public static WorkloadProfile Sample() => new()
    {
        Workload = new WorkloadRef("shop", "Deployment", "web"),
        UpdatedAt = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero),
        Strategy = "percentile",
        Containers = new Dictionary<string, ContainerProfile>
        {
            ["web"] = new(
                new ResourceProfile(250, 120, 400, Summary(100, 200, 250, 300, 350)),
                new ResourceProfile(320L << 20, 256L << 20, 384L << 20, Summary(200L << 20, 250L << 20, 260L << 20, 270L << 20, 278L << 20))),
            ["sidecar"] = new(null, new ResourceProfile(32L << 20, 32L << 20, 32L << 20, Summary(1, 2, 3, 4, 5))),
        },
    };

    private static UsageSummary Summary(long p50, long p90, long p95, long p99, long max) =>
        new(p50, p90, p95, p99, max, 4320, new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_profile_round_trips()
    {
        var profile = Sample();
        var back = ProfileJson.Deserialize(ProfileJson.Serialize(profile));
        Assert.Equal(profile.Workload, back.Workload);
        Assert.Equal(profile.UpdatedAt, back.UpdatedAt);
        Assert.Equal(profile.Containers["web"], back.Containers["web"]);
        Assert.Null(back.Containers["sidecar"].Cpu);
    }

    [Fact]
    public void A_policy_with_a_running_mode_a_guard_and_a_boost_round_trips()
    {
        var profile = Sample() with
        {
            Policy = new WorkloadPolicy
            {
                Mode = UpdateMode.InPlaceOrRecreate,
                MemoryGuard = new MemoryGuard(75, 2),
                CpuStartupBoost = new CpuStartupBoost(2.5, null, TimeSpan.FromSeconds(90)),
            },
        };

        var json = ProfileJson.Serialize(profile);
        var back = ProfileJson.Deserialize(json);

        Assert.Contains("\"mode\":\"InPlaceOrRecreate\"", json, StringComparison.Ordinal);
        Assert.Equal(profile.Policy.MemoryGuard, back.Policy!.MemoryGuard);
        Assert.Equal(profile.Policy.CpuStartupBoost, back.Policy.CpuStartupBoost);
        Assert.Equal(UpdateMode.InPlaceOrRecreate, back.Policy.Mode);
    }

    [Fact]
    public void The_stored_json_has_the_documented_shape()
    {
        // docs/design.md promises these names to other readers of Redis: renaming one breaks them.
        var json = JsonNode.Parse(ProfileJson.Serialize(Sample()))!.AsObject();
        Assert.Equal(["schemaVersion", "workload", "updatedAt", "strategy", "containers"], json.Select(p => p.Key));
        Assert.Equal(1, json["schemaVersion"]!.GetValue<int>());
        Assert.Equal("Deployment", json["workload"]!["kind"]!.GetValue<string>());
        var cpu = json["containers"]!["web"]!["cpu"]!.AsObject();
        Assert.Equal(["target", "lowerBound", "upperBound", "observed"], cpu.Select(p => p.Key));
        Assert.Equal(250, cpu["target"]!.GetValue<long>());
        Assert.Equal(["p50", "p90", "p95", "p99", "max", "samples", "firstSample", "lastSample"], cpu["observed"]!.AsObject().Select(p => p.Key));
        Assert.False(json["containers"]!["sidecar"]!.AsObject().ContainsKey("cpu"));
    }

    [Fact]
    public void Another_schema_version_is_refused_with_its_number()
    {
        var json = JsonNode.Parse(ProfileJson.Serialize(Sample()))!;
        json["schemaVersion"] = 2;
        var error = Assert.Throws<JsonException>(() => ProfileJson.Deserialize(json.ToJsonString()));
        Assert.Contains("schemaVersion 2", error.Message, StringComparison.Ordinal);
    }
}
