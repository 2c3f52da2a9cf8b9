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
            Mode = Enum<UpdateMode>(ResorcererKeys.ModeAnnotation) ?? UpdateMode.Initial,
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
            MemoryGuard = Guard(),
            CpuStartupBoost = Boost(),
            Problems = problems.Count == 0 ? null : problems,
        };

        MemoryGuard? Guard()
        {
            var threshold = values.TryGetValue(ResorcererKeys.MemoryThresholdAnnotation, out var thresholdText) ? thresholdText : null;
            var multiplier = values.TryGetValue(ResorcererKeys.MemoryMultiplierAnnotation, out var multiplierText) ? multiplierText : null;
            if (threshold is null)
            {
                if (multiplier is not null)
                {
                    problems.Add($"{ResorcererKeys.MemoryMultiplierAnnotation} needs {ResorcererKeys.MemoryThresholdAnnotation}: the guard is off");
                }

                return null;
            }

            if (!int.TryParse(threshold.TrimEnd('%'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var percent) || percent is < 1 or > 100)
            {
                problems.Add($"{ResorcererKeys.MemoryThresholdAnnotation}: '{threshold}' is not a percent from 1 to 100: the guard is off");
                return null;
            }

            var factor = 2.0;
            if (multiplier is not null && !(double.TryParse(multiplier.TrimEnd('x'), System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out factor) && factor is > 1 and <= 16))
            {
                problems.Add($"{ResorcererKeys.MemoryMultiplierAnnotation}: '{multiplier}' is not a number above 1 and at most 16: the guard is off");
                return null;
            }

            return new MemoryGuard(percent, factor);
        }

        CpuStartupBoost? Boost()
        {
            if (!values.TryGetValue(ResorcererKeys.CpuStartupBoostAnnotation, out var text))
            {
                return null;
            }

            var duration = TimeSpan.FromSeconds(60);
            if (values.TryGetValue(ResorcererKeys.CpuStartupBoostDurationAnnotation, out var durationText))
            {
                if (!Configuration.Duration.TryParse(durationText, out var parsed) || parsed.Value <= TimeSpan.Zero || parsed.Value > TimeSpan.FromDays(1))
                {
                    problems.Add($"{ResorcererKeys.CpuStartupBoostDurationAnnotation}: '{durationText}' is not a duration from 1s to 1d: the boost is off");
                    return null;
                }

                duration = parsed.Value;
            }

            if (text.EndsWith('x') && double.TryParse(text[..^1], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var factor))
            {
                if (factor is > 1 and <= 16)
                {
                    return new CpuStartupBoost(factor, null, duration);
                }
            }
            else if (Quantity.TryParseMillicores(text, out var millicores) && millicores > 0)
            {
                return new CpuStartupBoost(null, millicores, duration);
            }

            problems.Add($"{ResorcererKeys.CpuStartupBoostAnnotation}: '{text}' is neither a factor above 1 (like 2x) nor a CPU quantity: the boost is off");
            return null;
        }

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
