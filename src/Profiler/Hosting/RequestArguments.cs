using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Hosting;

/// <summary>What is wrong with a request's parameters, said the same way by every endpoint of the profiler.</summary>
public static class RequestArguments
{
    /// <summary>A value as it is quoted back in a message: at most 100 characters.</summary>
    public static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "...";

    /// <summary>Why a namespace parameter is refused; null when it is absent or a valid name.</summary>
    public static string? NamespaceProblem(string? @namespace) =>
        @namespace is not null && !WorkloadNaming.IsNamespaceName(@namespace) ? $"namespace '{Shorten(@namespace)}' is not a valid namespace name" : null;

    /// <summary>Why a workload's namespace, kind and name in a path are refused; null when they name a workload.</summary>
    public static string? WorkloadProblem(string @namespace, string kind, string name) =>
        NamespaceProblem(@namespace)
        ?? (!WorkloadNaming.IsKind(kind) ? $"kind '{Shorten(kind)}' is not a kind as Kubernetes spells it (e.g. Deployment, StatefulSet)"
            : !WorkloadNaming.IsObjectName(name) ? $"name '{Shorten(name)}' is not a valid object name"
            : null);
}
