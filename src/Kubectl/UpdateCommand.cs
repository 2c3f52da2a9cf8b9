using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.Updating.Kubernetes;
using Resorcerer.Updating.Planning;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Kubectl;

/// <summary>
/// <c>kubectl resorcerer update WORKLOAD</c>: applies the workload's profile to its running pods now, by the
/// updater's rules (bounds, the minimum change, QoS, memory-limit safety, eviction only where the mode allows and
/// enough replicas are Ready), one pod at a time, each resize followed until the kubelet has taken it.
/// </summary>
public static class UpdateCommand
{
    public const string Help =
        """
        Apply a workload's profile to its running pods now.

        Usage:
          kubectl resorcerer update WORKLOAD [-n NAMESPACE] [--dry-run] [--redis CONFIG]

        WORKLOAD is KIND/NAME (deployment/web, statefulset/db, daemonset/agent, cronjob/report, job/migrate) or a
        Deployment's NAME. The profile is read from the Redis the profiler writes to (--redis, or
        RESORCERER_REDIS; port-forward it, e.g. 'kubectl port-forward svc/resorcerer-redis 6379'). Each running pod
        whose requests are more than --min-change from the profile's targets (or outside its bounds) is resized
        in place, one pod at a time, as resorcerer-updater would without waiting for the pod to be 12 h old. In
        mode Initial (the default) running pods are resized in place, never evicted; in InPlaceOrRecreate and
        Recreate a pod that cannot be resized is evicted through the Eviction API; in Off nothing is changed.
        Memory limits are never lowered here (the working sets are not read): memory then moves only upwards.

        Flags:
          -n, --namespace NAME   namespace of the workload (default: the context's)
              --dry-run          print what would be done; change nothing
              --redis CONFIG     StackExchange.Redis configuration of the profiles' Redis (default: RESORCERER_REDIS, else localhost:6379)
              --min-change RATIO how far a request may be from its target before it is changed (default 0.1)
              --timeout DURATION how long to follow each resize (default 60s)
              --context NAME     kubeconfig context to use
              --kubeconfig FILE  kubeconfig file to use

        Exit codes: 0 done (or nothing to do), 1 a pod could not be updated or there is no profile, 2 bad usage,
        3 a resize was deferred or is still in progress.
        """;

    private static readonly Dictionary<string, string> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["deployment"] = WorkloadKinds.Deployment, ["deployments"] = WorkloadKinds.Deployment, ["deploy"] = WorkloadKinds.Deployment,
        ["statefulset"] = WorkloadKinds.StatefulSet, ["statefulsets"] = WorkloadKinds.StatefulSet, ["sts"] = WorkloadKinds.StatefulSet,
        ["daemonset"] = WorkloadKinds.DaemonSet, ["daemonsets"] = WorkloadKinds.DaemonSet, ["ds"] = WorkloadKinds.DaemonSet,
        ["cronjob"] = WorkloadKinds.CronJob, ["cronjobs"] = WorkloadKinds.CronJob, ["cj"] = WorkloadKinds.CronJob,
        ["job"] = WorkloadKinds.Job, ["jobs"] = WorkloadKinds.Job,
        ["replicaset"] = WorkloadKinds.ReplicaSet, ["replicasets"] = WorkloadKinds.ReplicaSet, ["rs"] = WorkloadKinds.ReplicaSet,
    };

    public static async Task<int> RunAsync(PluginArguments args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Positional.Count != 2)
        {
            return KubectlPlugin.Usage(error, "update takes one workload: kubectl resorcerer update deployment/NAME");
        }

        var target = args.Positional[1];
        var slash = target.IndexOf('/', StringComparison.Ordinal);
        string? kind = slash < 0 ? WorkloadKinds.Deployment : Kinds.GetValueOrDefault(target[..slash]);
        var name = slash < 0 ? target : target[(slash + 1)..];
        if (kind is null || name.Length == 0)
        {
            return KubectlPlugin.Usage(error, $"'{target}' is not a workload: use KIND/NAME with KIND one of deployment, statefulset, daemonset, cronjob, job");
        }

        var minChange = 0.1;
        if (args.Value("min-change") is { } text && !(double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out minChange) && minChange is >= 0 and <= 10))
        {
            return KubectlPlugin.Usage(error, $"--min-change '{text}' is not a ratio from 0 to 10 (0.1 is 10%)");
        }

        if (!KubectlPlugin.TryDuration(args.Value("timeout"), TimeSpan.FromSeconds(60), out var timeout))
        {
            return KubectlPlugin.Usage(error, $"--timeout '{args.Value("timeout")}' is not a duration (like 30s or 2m)");
        }

        var redisConfig = args.Value("redis") ?? Environment.GetEnvironmentVariable("RESORCERER_REDIS") ?? "localhost:6379";
        if (RedisSettings.Check(redisConfig) is { } redisProblem)
        {
            return KubectlPlugin.Usage(error, $"--redis: {redisProblem}");
        }

        var (client, ns) = KubectlPlugin.Connect(args);
        var workload = new WorkloadRef(ns, kind, name);
        WorkloadProfile? profile;
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Parse(redisConfig, TimeSpan.FromSeconds(5)));
            profile = await new RedisProfileStore(redis, NullLogger<RedisProfileStore>.Instance).GetAsync(workload, cancellationToken);
        }
        catch (Exception e) when (e is RedisException or RedisConnectionException or RedisTimeoutException)
        {
            error.WriteLine($"kubectl-resorcerer: cannot read profiles from Redis at {RedisSettings.Redacted(redisConfig)}: {RedisSettings.Describe(e)}");
            return KubectlPlugin.Refused;
        }

        if (profile is null)
        {
            error.WriteLine($"kubectl-resorcerer: there is no profile for {workload} in Redis at {RedisSettings.Redacted(redisConfig)}. " +
                $"Is namespace {ns} opted in (label {ResorcererKeys.EnabledLabel}=true), and has the profiler run since the workload had pods?");
            return KubectlPlugin.Refused;
        }

        var policy = profile.Policy ?? WorkloadPolicy.Default;
        if (policy.Mode == UpdateMode.Off)
        {
            output.WriteLine($"{workload} is in mode Off ({ResorcererKeys.ModeAnnotation}): nothing is changed");
            return KubectlPlugin.Success;
        }

        if (!policy.ActsOnRunningPods)
        {
            output.WriteLine($"{workload} is in mode {policy.Mode}: its running pods are resized in place now, none is evicted");
            profile = profile with { Policy = policy with { Mode = UpdateMode.InPlace } };
        }

        var pods = (await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: cancellationToken)).Items
            .Select(p => (Raw: p, Read: PodReading.Read(p)))
            .Where(p => p.Read.Workload == workload)
            .ToList();
        var ready = pods.Count(p => PodReading.IsReady(p.Raw));
        if (pods.Count == 0)
        {
            output.WriteLine($"{workload} has no pods");
            return KubectlPlugin.Success;
        }

        var rules = new UpdateSettings { MinChange = minChange, MinAge = TimeSpan.Zero };
        var actions = new KubernetesPodActions(() => client, NullLogger<KubernetesPodActions>.Instance, KubectlPlugin.Component);
        var exit = KubectlPlugin.Success;
        foreach (var read in pods.Select(p => p.Read).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var pod = read with { ReadyReplicas = ready };
            var decision = UpdatePlanner.Decide(pod, profile, null, rules, DateTimeOffset.UtcNow);
            var line = $"pod {pod}: ";
            switch (decision.Action)
            {
                case UpdateAction.None:
                    output.WriteLine(line + Nothing(decision.Reason));
                    continue;
                case UpdateAction.Report:
                    output.WriteLine(line + "left as it is: " + decision.Message);
                    exit = KubectlPlugin.Worst(exit, KubectlPlugin.Refused);
                    continue;
                case UpdateAction.Resize when args.Switch("dry-run"):
                case UpdateAction.Evict when args.Switch("dry-run"):
                    output.WriteLine(line + $"would {(decision.Action == UpdateAction.Resize ? "resize" : "evict")} ({decision.Reason}): {decision.Message}");
                    continue;
                case UpdateAction.Evict:
                    var evicted = await actions.EvictAsync(pod, cancellationToken);
                    output.WriteLine(line + (evicted.Result == ActionResult.Done ? $"evicted ({decision.Reason}): {decision.Message}" : $"not evicted: {evicted.Detail}"));
                    if (evicted.Result == ActionResult.Done)
                    {
                        await actions.RecordEventAsync(pod, "Normal", "Evicted", $"evicted with kubectl resorcerer update: {decision.Message}", cancellationToken);
                    }
                    else
                    {
                        exit = KubectlPlugin.Worst(exit, KubectlPlugin.Refused);
                    }

                    continue;
            }

            if (decision.Operations.Count > 0)
            {
                var outcome = await actions.ResizeAsync(pod, decision.Operations, cancellationToken);
                if (outcome.Result != ActionResult.Done)
                {
                    output.WriteLine(line + $"the API server refused the resize: {outcome.Detail}");
                    exit = KubectlPlugin.Worst(exit, KubectlPlugin.Refused);
                    continue;
                }

                await actions.RecordEventAsync(pod, "Normal", "Resized", $"resized in place with kubectl resorcerer update ({decision.Reason}): {decision.Message}", cancellationToken);
            }

            await actions.AnnotateAsync(pod, decision.Annotations, cancellationToken);
            if (decision.Operations.Count == 0)
            {
                output.WriteLine(line + decision.Message);
                continue;
            }

            // One pod at a time: the next waits until the kubelet has taken this one.
            var end = await ResizeProgress.WaitAsync(client, pod.Namespace, pod.Name, pod.Generation + 1, timeout, cancellationToken);
            output.WriteLine(line + $"resized ({decision.Reason}): {decision.Message}; {ResizeProgress.Describe(end, timeout)}");
            exit = KubectlPlugin.Worst(exit, KubectlPlugin.ExitCode(end));
        }

        return exit;
    }

    private static string Nothing(string reason) => reason switch
    {
        "within_profile" => "within its profile; nothing to do",
        "nothing_to_change" => "nothing to change",
        "skip_label" => $"labelled {ResorcererKeys.SkipLabel}=true; left alone",
        "not_running" => "not running; left alone",
        "resize_pending" => "a resize is already pending; left alone",
        "profile_stale" => "the profile is older than 7 days; left alone",
        "startup_boost" => "still in its CPU start-up boost; left alone",
        _ => reason,
    };
}
