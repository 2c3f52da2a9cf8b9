using System.Text.Json.Nodes;
using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Sizing.Tests;

public class PodPatchBuilderTests
{
    private const long Mi = 1024 * 1024;
    private static readonly UsageSummary Seen = new(1, 1, 1, 1, 1, 1000, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(3));

    private static WorkloadProfile Profile(long? webCpu = 250, long? webMemory = 320 * Mi) => new()
    {
        Workload = new WorkloadRef("shop", "Deployment", "web"),
        UpdatedAt = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero),
        Strategy = "percentile",
        Containers = new Dictionary<string, ContainerProfile>
        {
            ["web"] = new(
                webCpu is { } c ? new ResourceProfile(c, c, c, Seen) : null,
                webMemory is { } m ? new ResourceProfile(m, m, m, Seen) : null),
            ["proxy"] = new(new ResourceProfile(50, 50, 50, Seen), new ResourceProfile(32 * Mi, 32 * Mi, 32 * Mi, Seen)),
        },
    };

    private static ContainerResources Container(int index, string name, long? cpuRequest = null, long? memoryRequest = null,
        long? cpuLimit = null, long? memoryLimit = null, bool? hasResources = null)
    {
        var hasRequests = cpuRequest is not null || memoryRequest is not null;
        var hasLimits = cpuLimit is not null || memoryLimit is not null;
        return new ContainerResources($"/spec/containers/{index}", name, ContainerRole.Container, hasResources ?? (hasRequests || hasLimits), hasRequests, hasLimits,
            new ResourceAmounts(cpuRequest, memoryRequest), new ResourceAmounts(cpuLimit, memoryLimit));
    }

    private static string[] Ops(PodPatch patch, bool withAnnotations = false) => patch.Operations
        .Where(o => withAnnotations || !o.Path.StartsWith("/metadata", StringComparison.Ordinal))
        .Select(o => $"{o.Op} {o.Path} {o.Value?.ToJsonString(PatchOperation.Readable)}")
        .ToArray();

    [Fact]
    public void The_patch_as_an_answer_carries_it_is_its_json_in_base64_between_quotes()
    {
        var patch = PodPatchBuilder.Build(new PodResources(false, [Container(0, "web")]), Profile(), WorkloadPolicy.Default);

        Assert.Equal("\"" + Convert.ToBase64String(patch.Json.Span) + "\"", System.Text.Encoding.ASCII.GetString(patch.QuotedBase64Json.Span));
        Assert.True(patch.QuotedBase64Json.Equals(patch.QuotedBase64Json)); // made once
    }

    [Fact]
    public void A_container_without_resources_gets_a_whole_resources_object()
    {
        var patch = PodPatchBuilder.Build(new PodResources(false, [Container(0, "web")]), Profile(), WorkloadPolicy.Default);

        Assert.Equal(
            [
                """add /spec/containers/0/resources {"requests":{"cpu":"250m","memory":"320Mi"}}""",
                """add /metadata/annotations {"resorcerer.io/profile":"shop/Deployment/web","resorcerer.io/profile-updated":"2026-11-23T10:00:00Z","resorcerer.io/cpu-profile":"{\"web\":\"250m\"}","resorcerer.io/memory-profile":"{\"web\":\"320Mi\"}","resorcerer.io/updates":"web: cpu request unset -> 250m, memory request unset -> 320Mi"}""",
            ],
            Ops(patch, withAnnotations: true));
    }

    public static TheoryData<string, ContainerResources, WorkloadPolicy, string[], string> Cases => new()
    {
        {
            "limits keep their ratio to requests",
            Container(0, "web", cpuRequest: 100, memoryRequest: 128 * Mi, cpuLimit: 200, memoryLimit: 256 * Mi),
            WorkloadPolicy.Default,
            [
                "replace /spec/containers/0/resources/requests/cpu \"250m\"",
                "replace /spec/containers/0/resources/requests/memory \"320Mi\"",
                "replace /spec/containers/0/resources/limits/cpu \"500m\"",
                "replace /spec/containers/0/resources/limits/memory \"640Mi\"",
            ],
            "web: cpu request 100m -> 250m, memory request 128Mi -> 320Mi, cpu limit 200m -> 500m, memory limit 256Mi -> 640Mi"
        },
        {
            "a guaranteed container stays guaranteed",
            Container(0, "web", cpuRequest: 1000, memoryRequest: Mi * 1024, cpuLimit: 1000, memoryLimit: Mi * 1024),
            WorkloadPolicy.Default,
            [
                "replace /spec/containers/0/resources/requests/cpu \"250m\"",
                "replace /spec/containers/0/resources/requests/memory \"320Mi\"",
                "replace /spec/containers/0/resources/limits/cpu \"250m\"",
                "replace /spec/containers/0/resources/limits/memory \"320Mi\"",
            ],
            "web: cpu request 1 -> 250m, memory request 1Gi -> 320Mi, cpu limit 1 -> 250m, memory limit 1Gi -> 320Mi"
        },
        {
            "limits only: the request Kubernetes would default from the limit moves with it",
            Container(0, "web", cpuLimit: 500, memoryLimit: 512 * Mi),
            WorkloadPolicy.Default,
            [
                """add /spec/containers/0/resources/requests {"cpu":"250m","memory":"320Mi"}""",
                "replace /spec/containers/0/resources/limits/cpu \"250m\"",
                "replace /spec/containers/0/resources/limits/memory \"320Mi\"",
            ],
            "web: cpu request unset -> 250m, memory request unset -> 320Mi, cpu limit 500m -> 250m, memory limit 512Mi -> 320Mi"
        },
        {
            "a limit that is not a whole multiple rounds up",
            Container(0, "web", cpuRequest: 300, cpuLimit: 1000),
            WorkloadPolicy.Default,
            [
                "replace /spec/containers/0/resources/requests/cpu \"250m\"",
                "add /spec/containers/0/resources/requests/memory \"320Mi\"",
                "replace /spec/containers/0/resources/limits/cpu \"834m\"", // 1000 x 250 / 300 = 833.3
            ],
            "web: cpu request 300m -> 250m, memory request unset -> 320Mi, cpu limit 1 -> 834m"
        },
        {
            "a scaled memory limit rounds up to whole MiB",
            Container(0, "web", memoryRequest: 2000 * Mi, memoryLimit: 3072 * Mi),
            WorkloadPolicy.Default,
            [
                "add /spec/containers/0/resources/requests/cpu \"250m\"",
                "replace /spec/containers/0/resources/requests/memory \"320Mi\"",
                "replace /spec/containers/0/resources/limits/memory \"492Mi\"", // 3072 x 320 / 2000 = 491.52
            ],
            "web: cpu request unset -> 250m, memory request 2000Mi -> 320Mi, memory limit 3Gi -> 492Mi"
        },
        {
            "requests only: limits stay and cap the request",
            Container(0, "web", cpuRequest: 100, memoryRequest: 128 * Mi, cpuLimit: 200, memoryLimit: 1024 * Mi),
            WorkloadPolicy.Default with { ControlledValues = ControlledValues.RequestsOnly },
            [
                "replace /spec/containers/0/resources/requests/cpu \"200m\"",
                "replace /spec/containers/0/resources/requests/memory \"320Mi\"",
            ],
            "web: cpu request 100m -> 200m, memory request 128Mi -> 320Mi"
        },
        {
            "an empty resources object gets a requests object",
            Container(0, "web", hasResources: true),
            WorkloadPolicy.Default,
            ["""add /spec/containers/0/resources/requests {"cpu":"250m","memory":"320Mi"}"""],
            "web: cpu request unset -> 250m, memory request unset -> 320Mi"
        },
        {
            "already right: nothing to change",
            Container(0, "web", cpuRequest: 250, memoryRequest: 320 * Mi),
            WorkloadPolicy.Default,
            [],
            "web: unchanged"
        },
        {
            "a request above its limit is an invalid pod: leave it alone",
            Container(0, "web", cpuRequest: 300, cpuLimit: 200),
            WorkloadPolicy.Default,
            [],
            "web: left alone (its request is above its limit)"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Container_operations(string name, ContainerResources container, WorkloadPolicy policy, string[] expected, string updates)
    {
        var patch = PodPatchBuilder.Build(new PodResources(true, [container]), Profile(), policy);

        Assert.True(expected.SequenceEqual(Ops(patch)), $"{name}:\n{string.Join('\n', Ops(patch))}");
        Assert.Equal(updates, patch.Annotations[ResorcererKeys.UpdatesAnnotation]);
    }

    [Fact]
    public void Only_profiled_containers_change_and_only_profiled_resources()
    {
        var pod = new PodResources(true, [Container(0, "init-like"), Container(1, "web", cpuRequest: 100, memoryRequest: 64 * Mi), Container(2, "proxy")]);
        var patch = PodPatchBuilder.Build(pod, Profile(webMemory: null), WorkloadPolicy.Default);

        Assert.Equal(
            [
                "replace /spec/containers/1/resources/requests/cpu \"250m\"",
                """add /spec/containers/2/resources {"requests":{"cpu":"50m","memory":"32Mi"}}""",
            ],
            Ops(patch));
        Assert.Equal("""{"web":"250m","proxy":"50m"}""", patch.Annotations[ResorcererKeys.CpuProfileAnnotation]);
        Assert.Equal("""{"proxy":"32Mi"}""", patch.Annotations[ResorcererKeys.MemoryProfileAnnotation]);
    }

    [Fact]
    public void Existing_annotations_are_kept_and_resorcerer_keys_added_one_by_one()
    {
        var patch = PodPatchBuilder.Build(new PodResources(true, [Container(0, "web")]), Profile(), WorkloadPolicy.Default);

        var annotationOps = patch.Operations.Where(o => o.Path.StartsWith("/metadata", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [
                "/metadata/annotations/resorcerer.io~1profile",
                "/metadata/annotations/resorcerer.io~1profile-updated",
                "/metadata/annotations/resorcerer.io~1cpu-profile",
                "/metadata/annotations/resorcerer.io~1memory-profile",
                "/metadata/annotations/resorcerer.io~1updates",
            ],
            annotationOps.Select(o => o.Path));
        Assert.All(annotationOps, o => Assert.Equal("add", o.Op));
    }

    [Fact]
    public void A_pod_with_no_profiled_container_gets_no_patch()
    {
        var patch = PodPatchBuilder.Build(new PodResources(false, [Container(0, "other")]), Profile(), WorkloadPolicy.Default);
        Assert.True(patch.IsEmpty);
    }

    [Fact]
    public void The_patch_serialises_as_an_rfc6902_array()
    {
        var patch = PodPatchBuilder.Build(new PodResources(false, [Container(0, "web")]), Profile(), WorkloadPolicy.Default);
        var json = JsonNode.Parse(PatchOperation.ToJson(patch.Operations))!.AsArray();

        Assert.Equal(2, json.Count);
        Assert.Equal("add", json[0]!["op"]!.GetValue<string>());
        Assert.Equal("/spec/containers/0/resources", json[0]!["path"]!.GetValue<string>());
        Assert.Equal("250m", json[0]!["value"]!["requests"]!["cpu"]!.GetValue<string>());
    }

    [Fact]
    public void Mode_off_only_annotates()
    {
        var policy = WorkloadPolicy.Default with { Mode = UpdateMode.Off };
        var patch = PodPatchBuilder.Build(new PodResources(true, [Container(0, "web", cpuRequest: 100)]), Profile(), policy);

        Assert.Empty(Ops(patch));
        Assert.False(patch.ChangesResources);
        Assert.Equal("not applied: mode Off (resorcerer.io/mode): requests left as they are", patch.Annotations[ResorcererKeys.UpdatesAnnotation]);
        Assert.Equal("""{"web":"250m"}""", patch.Annotations[ResorcererKeys.CpuProfileAnnotation]);
    }

    [Fact]
    public void A_held_profile_only_annotates_and_says_why()
    {
        var patch = PodPatchBuilder.Build(new PodResources(false, [Container(0, "web")]), Profile(), WorkloadPolicy.Default, hold: "the profile is 9d old");

        Assert.Empty(Ops(patch));
        Assert.Equal("not applied: the profile is 9d old", patch.Annotations[ResorcererKeys.UpdatesAnnotation]);
    }

    [Fact]
    public void Excluded_containers_are_left_alone()
    {
        var policy = WorkloadPolicy.Default with { ExcludeContainers = ["proxy"] };
        var pod = new PodResources(true, [Container(0, "web"), Container(1, "proxy")]);

        var patch = PodPatchBuilder.Build(pod, Profile(), policy);

        Assert.Equal(["""add /spec/containers/0/resources {"requests":{"cpu":"250m","memory":"320Mi"}}"""], Ops(patch));
        Assert.EndsWith("proxy: excluded by resorcerer.io/exclude-containers", patch.Annotations[ResorcererKeys.UpdatesAnnotation], StringComparison.Ordinal);
    }

    [Theory]
    // target 250m / 320Mi; the user's bounds apply first, the LimitRange's last (it wins).
    [InlineData(300L, null, null, null, "300m", "320Mi")] // allowed minimum cpu lifts the target
    [InlineData(null, 200L, null, null, "200m", "320Mi")] // allowed maximum cpu caps it
    [InlineData(300L, null, null, 280L, "280m", "320Mi")] // the LimitRange maximum beats the user's minimum
    [InlineData(null, null, 400L, null, "400m", "320Mi")] // LimitRange minimum
    public void Bounds_clamp_the_target(long? allowedMinCpu, long? allowedMaxCpu, long? rangeMinCpu, long? rangeMaxCpu, string cpu, string memory)
    {
        var policy = WorkloadPolicy.Default with
        {
            Allowed = new ResourceBounds(allowedMinCpu, allowedMaxCpu),
            LimitRange = new ResourceBounds(rangeMinCpu, rangeMaxCpu),
        };

        var patch = PodPatchBuilder.Build(new PodResources(true, [Container(0, "web")]), Profile(), policy);

        Assert.Equal([$$$"""add /spec/containers/0/resources {"requests":{"cpu":"{{{cpu}}}","memory":"{{{memory}}}"}}"""], Ops(patch));
    }

    [Fact]
    public void A_scaled_limit_stays_within_the_limitrange_maximum()
    {
        var policy = WorkloadPolicy.Default with { LimitRange = new ResourceBounds(MaxCpu: 400) };
        var pod = new PodResources(true, [Container(0, "web", cpuRequest: 100, cpuLimit: 200)]);

        var patch = PodPatchBuilder.Build(pod, Profile(webMemory: null), policy);

        // 250m x 2 = 500m would pass the 400m maximum.
        Assert.Equal(["replace /spec/containers/0/resources/requests/cpu \"250m\"", "replace /spec/containers/0/resources/limits/cpu \"400m\""], Ops(patch));
    }

    [Fact]
    public void Native_sidecars_are_sized_and_init_containers_left_alone()
    {
        var pod = new PodResources(true,
        [
            new ContainerResources("/spec/initContainers/0", "web", ContainerRole.Init, false, false, false, default, default),
            new ContainerResources("/spec/initContainers/1", "proxy", ContainerRole.Sidecar, false, false, false, default, default),
        ]);

        var patch = PodPatchBuilder.Build(pod, Profile(), WorkloadPolicy.Default);

        Assert.Equal(["""add /spec/initContainers/1/resources {"requests":{"cpu":"50m","memory":"32Mi"}}"""], Ops(patch));
    }

    [Fact]
    public void A_patch_that_would_make_a_burstable_pod_guaranteed_is_not_applied()
    {
        // RequestsOnly caps the request at the limit: with 320Mi wanted and a 256Mi limit, request would equal limit,
        // and with cpu already equal, the pod would become Guaranteed by accident.
        var policy = WorkloadPolicy.Default with { ControlledValues = ControlledValues.RequestsOnly };
        var pod = new PodResources(true, [Container(0, "web", cpuRequest: 200, memoryRequest: 128 * Mi, cpuLimit: 200, memoryLimit: 256 * Mi)]);

        var patch = PodPatchBuilder.Build(pod, Profile(webCpu: 200), policy);

        Assert.Empty(Ops(patch));
        Assert.Equal("not applied: the new requests would turn the pod's QoS class from Burstable into Guaranteed",
            patch.Annotations[ResorcererKeys.UpdatesAnnotation]);
    }

    [Fact]
    public void A_request_just_below_its_limit_stays_below_it_after_rounding()
    {
        // 1500u and 2m both round to 2 millicores; Kubernetes compares them exactly: the pod is Burstable, and stays so.
        var container = Container(0, "web", memoryRequest: 128 * Mi, memoryLimit: 128 * Mi, cpuLimit: 2) with
        {
            Requests = new ResourceAmounts(2, 128 * Mi) { UnroundedCpuCores = 0.0015m },
            HasRequests = true,
        };
        var pod = new PodResources(true, [container]);
        Assert.Equal(QosClass.Burstable, Qos.Of(pod));

        var patch = PodPatchBuilder.Build(pod, Profile(webCpu: 10, webMemory: 128 * Mi), WorkloadPolicy.Default);

        Assert.Contains("replace /spec/containers/0/resources/requests/cpu \"10m\"", Ops(patch));
        var limit = Assert.Single(Ops(patch), o => o.StartsWith("replace /spec/containers/0/resources/limits/cpu", StringComparison.Ordinal));
        Assert.NotEqual("replace /spec/containers/0/resources/limits/cpu \"10m\"", limit); // above the request, as it was
        Assert.Null(patch.Held);
    }

    [Fact]
    public void A_zero_target_leaves_the_container_alone()
    {
        var pod = new PodResources(true, [Container(0, "web", cpuRequest: 100, memoryRequest: 128 * Mi, cpuLimit: 100, memoryLimit: 128 * Mi)]);

        var patch = PodPatchBuilder.Build(pod, Profile(webCpu: 0), WorkloadPolicy.Default);

        Assert.Empty(Ops(patch));
        Assert.Contains("web: left alone (the profile asks for no CPU at all)", patch.Annotations[ResorcererKeys.UpdatesAnnotation], StringComparison.Ordinal);
    }

    [Fact]
    public void Requests_that_would_fit_no_node_are_not_applied_and_say_why()
    {
        var pod = new PodResources(true, [Container(0, "web"), Container(1, "proxy")]);
        var profile = Profile(webCpu: 3950) with { LargestNode = new NodeSize(3950, 16L << 30) };

        var patch = PodPatchBuilder.Build(pod, profile, WorkloadPolicy.Default);

        Assert.Empty(Ops(patch));
        Assert.Equal("unschedulable", patch.Held);
        Assert.Equal("the new requests add up to 4 CPU, more than the largest node can give (3950m)", patch.HeldWhy);
    }

    [Fact]
    public void A_scaled_limit_stays_within_the_largest_node()
    {
        // A 2-byte request under a 512 MiB limit: scaling the ratio to a 16 GiB request would give exabytes.
        var pod = new PodResources(true, [Container(0, "web", cpuRequest: 100, memoryRequest: 2, memoryLimit: 512 * Mi)]);
        var profile = Profile(webMemory: 16L << 30) with { LargestNode = new NodeSize(8000, 32L << 30) };

        var patch = PodPatchBuilder.Build(pod, profile, WorkloadPolicy.Default);

        Assert.Contains("replace /spec/containers/0/resources/limits/memory \"32Gi\"", Ops(patch));
    }

    [Fact]
    public void A_start_up_boost_multiplies_the_CPU_keeps_the_limit_ratio_and_records_the_target()
    {
        var policy = new WorkloadPolicy { CpuStartupBoost = new CpuStartupBoost(2, null, TimeSpan.FromMinutes(1)) };
        var pod = new PodResources(true, [Container(0, "web", cpuRequest: 100, memoryRequest: 128 * Mi, cpuLimit: 200, memoryLimit: 256 * Mi), Container(1, "proxy", 50, 32 * Mi)]);

        var patch = PodPatchBuilder.Build(pod, Profile(), policy, new SizingRequest { Boost = policy.CpuStartupBoost });

        // web: 250m x 2 = 500m (its limit keeps the ratio: 1000m); proxy: 50m x 2 = 100m; memory is not boosted.
        Assert.Contains("replace /spec/containers/0/resources/requests/cpu \"500m\"", Ops(patch));
        Assert.Contains("replace /spec/containers/0/resources/limits/cpu \"1\"", Ops(patch));
        Assert.Contains("replace /spec/containers/0/resources/requests/memory \"320Mi\"", Ops(patch));
        Assert.Contains("replace /spec/containers/1/resources/requests/cpu \"100m\"", Ops(patch));
        Assert.Equal("""{"web":"250m","proxy":"50m"}""", patch.Annotations[ResorcererKeys.CpuBoostTargetAnnotation]);
    }

    [Fact]
    public void A_boost_stays_within_the_LimitRange_maximum()
    {
        var policy = new WorkloadPolicy { CpuStartupBoost = new CpuStartupBoost(4, null, TimeSpan.FromMinutes(1)), LimitRange = new ResourceBounds(MaxCpu: 600) };

        var patch = PodPatchBuilder.Build(new PodResources(true, [Container(0, "web", 100, 128 * Mi)]), Profile(), policy, new SizingRequest { Boost = policy.CpuStartupBoost });

        Assert.Contains("replace /spec/containers/0/resources/requests/cpu \"600m\"", Ops(patch));
    }

    [Fact]
    public void A_running_BestEffort_pod_is_given_no_requests_though_a_new_one_is()
    {
        var pod = new PodResources(true, [Container(0, "web")]);

        var atCreation = PodPatchBuilder.Build(pod, Profile(), WorkloadPolicy.Default, SizingRequest.ForNewPod);
        var running = PodPatchBuilder.Build(pod, Profile(), WorkloadPolicy.Default, new SizingRequest { Running = true });

        Assert.True(atCreation.ChangesResources);
        Assert.Empty(running.ResourceOperations);
        Assert.Equal("qos_change", running.Held);
    }

    [Fact]
    public void A_running_Burstable_pod_whose_requests_would_reach_its_limits_is_held()
    {
        // RequestsOnly raises the requests to the limits: the pod would become Guaranteed.
        var pod = new PodResources(true, [Container(0, "web", 100, 128 * Mi, 250, 320 * Mi)]);

        var running = PodPatchBuilder.Build(pod, Profile(), new WorkloadPolicy { ControlledValues = ControlledValues.RequestsOnly }, new SizingRequest { Running = true });

        Assert.Equal("qos_change", running.Held);
        Assert.Empty(running.ResourceOperations);
        Assert.Contains("Burstable", running.HeldWhy, StringComparison.Ordinal);
    }
}
