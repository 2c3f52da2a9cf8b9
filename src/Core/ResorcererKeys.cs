namespace Resorcerer;

/// <summary>
/// Every label and annotation key resorcerer reads or writes, in one place.
/// </summary>
public static class ResorcererKeys
{
    public const string Prefix = "resorcerer.io/";

    /// <summary>Namespace label that opts a namespace in (value <c>"true"</c>).</summary>
    public const string EnabledLabel = Prefix + "enabled";

    /// <summary>Pod label that makes the webhook leave a pod alone (value <c>"true"</c>).</summary>
    public const string SkipLabel = Prefix + "skip";

    /// <summary>Pod annotation: <c>namespace/Kind/name</c> of the profile that was applied.</summary>
    public const string ProfileAnnotation = Prefix + "profile";

    /// <summary>Pod annotation: the applied profile's time, RFC 3339 UTC.</summary>
    public const string ProfileUpdatedAnnotation = Prefix + "profile-updated";

    /// <summary>Pod annotation: JSON object, container name to recommended CPU quantity.</summary>
    public const string CpuProfileAnnotation = Prefix + "cpu-profile";

    /// <summary>Pod annotation: JSON object, container name to recommended memory quantity.</summary>
    public const string MemoryProfileAnnotation = Prefix + "memory-profile";

    /// <summary>Pod annotation: compact JSON of the workload's heaviest outbound and inbound connections (service mesh).</summary>
    public const string ConnectionProfileAnnotation = Prefix + "connection-profile";

    /// <summary>Pod annotation: a readable record of what the webhook changed.</summary>
    public const string UpdatesAnnotation = Prefix + "updates";

    /// <summary>Pod annotation: JSON object, container name to the CPU it goes down to when its start-up boost ends.</summary>
    public const string CpuBoostTargetAnnotation = Prefix + "cpu-startup-boost-target";

    /// <summary>Pod annotation: when the updater last changed the pod (RFC 3339 UTC).</summary>
    public const string UpdatedAnnotation = Prefix + "updated";

    /// <summary>
    /// Namespace or workload annotation: <c>Initial</c> (set requests at creation, the default), <c>Off</c> (annotate
    /// only), <c>InPlace</c>, <c>InPlaceOrRecreate</c> or <c>Recreate</c> (running pods too).
    /// </summary>
    public const string ModeAnnotation = Prefix + "mode";

    /// <summary>Namespace or workload annotations: the memory guard (a percent of the limit, and a multiplier).</summary>
    public const string MemoryThresholdAnnotation = Prefix + "memory-threshold-percent";

    public const string MemoryMultiplierAnnotation = Prefix + "memory-multiplier";

    /// <summary>Namespace or workload annotations: the CPU start-up boost (<c>2x</c>, or a quantity) and how long it lasts once Ready.</summary>
    public const string CpuStartupBoostAnnotation = Prefix + "cpu-startup-boost";

    public const string CpuStartupBoostDurationAnnotation = Prefix + "cpu-startup-boost-duration";

    /// <summary>Namespace or workload annotation: comma-separated container names the webhook leaves alone.</summary>
    public const string ExcludeContainersAnnotation = Prefix + "exclude-containers";

    /// <summary>Namespace or workload annotation: <c>RequestsAndLimits</c> (the default) or <c>RequestsOnly</c>.</summary>
    public const string ControlledValuesAnnotation = Prefix + "controlled-values";

    /// <summary>Namespace or workload annotations: bounds on every container's recommended CPU and memory (quantities).</summary>
    public const string MinCpuAnnotation = Prefix + "min-cpu";

    public const string MaxCpuAnnotation = Prefix + "max-cpu";

    public const string MinMemoryAnnotation = Prefix + "min-memory";

    public const string MaxMemoryAnnotation = Prefix + "max-memory";

    /// <summary>Label selector that finds opted-in namespaces.</summary>
    public const string EnabledNamespaceSelector = EnabledLabel + "=true";

    /// <summary>Label Kubernetes puts on a Deployment's pods and ReplicaSets.</summary>
    public const string PodTemplateHashLabel = "pod-template-hash";
}
