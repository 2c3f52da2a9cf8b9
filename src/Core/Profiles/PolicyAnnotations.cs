using Resorcerer.Quantities;

namespace Resorcerer.Profiles;

/// <summary>
/// Reads a workload's policy from annotations: the namespace's first, then the workload's, which win.
/// A value that cannot be read is ignored and reported in <see cref="WorkloadPolicy.Problems"/>.
/// </summary>
public static class PolicyAnnotations
{
    public static WorkloadPolicy Read(
        IReadOnlyDictionary<string, string>? namespaceAnnotations,
        IReadOnlyDictionary<string, string>? workloadAnnotations,
        ResourceBounds? limitRange = null)
    {
        var problems = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in new[] { namespaceAnnotations, workloadAnnotations })
        {
            foreach (var (key, value) in source ?? new Dictionary<string, string>())
            {
                if (key.StartsWith(ResorcererKeys.Prefix, StringComparison.Ordinal))
                {
                    values[key] = value.Trim();
                }
            }
        }

        var policy = new WorkloadPolicy
        {
            Mode = Enum<AdmissionMode>(ResorcererKeys.ModeAnnotation) ?? AdmissionMode.Initial,
            ControlledValues = Enum<ControlledValues>(ResorcererKeys.ControlledValuesAnnotation) ?? ControlledValues.RequestsAndLimits,
            ExcludeContainers = values.TryGetValue(ResorcererKeys.ExcludeContainersAnnotation, out var excluded)
                ? excluded.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList()
                : [],
            LimitRange = limitRange is { IsEmpty: false } ? limitRange : null,
        };

        var allowed = new ResourceBounds(
            Amount(ResorcererKeys.MinCpuAnnotation, Quantity.TryParseMillicores),
            Amount(ResorcererKeys.MaxCpuAnnotation, Quantity.TryParseMillicores),
            Amount(ResorcererKeys.MinMemoryAnnotation, Quantity.TryParseBytes),
            Amount(ResorcererKeys.MaxMemoryAnnotation, Quantity.TryParseBytes));
        if (allowed is { MinCpu: { } minCpu, MaxCpu: { } maxCpu } && minCpu > maxCpu)
        {
            problems.Add($"{ResorcererKeys.MinCpuAnnotation} is above {ResorcererKeys.MaxCpuAnnotation}: both ignored");
            allowed = allowed with { MinCpu = null, MaxCpu = null };
        }

        if (allowed is { MinMemory: { } minMemory, MaxMemory: { } maxMemory } && minMemory > maxMemory)
        {
            problems.Add($"{ResorcererKeys.MinMemoryAnnotation} is above {ResorcererKeys.MaxMemoryAnnotation}: both ignored");
            allowed = allowed with { MinMemory = null, MaxMemory = null };
        }

        return policy with
        {
            Allowed = allowed.IsEmpty ? null : allowed,
            Problems = problems.Count == 0 ? null : problems,
        };

        T? Enum<T>(string key)
            where T : struct, System.Enum
        {
            if (!values.TryGetValue(key, out var text))
            {
                return null;
            }

            if (System.Enum.TryParse<T>(text, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !char.IsAsciiDigit(text.FirstOrDefault()))
            {
                return value;
            }

            problems.Add($"{key}: '{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}");
            return null;
        }

        long? Amount(string key, TryParse parse)
        {
            if (!values.TryGetValue(key, out var text))
            {
                return null;
            }

            if (!parse(text, out var amount))
            {
                problems.Add($"{key}: '{text}' is not a quantity");
                return null;
            }

            if (amount <= 0)
            {
                problems.Add($"{key}: '{text}' is not above zero (Kubernetes counts a zero request as none)");
                return null;
            }

            return amount;
        }
    }

    private delegate bool TryParse(string? text, out long amount);
}
