using Resorcerer.DevKit;

namespace Resorcerer.Bench;

/// <summary>
/// A synthetic cluster for the scale benchmark: workloads spread over namespaces of 50, 3-5 pods each with
/// 1-3 containers, CPU with a daily wave and noise, memory with slow growth and noise, and a rollout half-way
/// through for a third of the Deployments. Deterministic for a given seed.
/// </summary>
public static class SyntheticCluster
{
    public static (ClusterSeries Series, int Containers, IReadOnlyList<string> Namespaces) Build(int workloads, long start, long end, int seed = 42)
    {
        var random = new Random(seed);
        var series = new ClusterSeries(TimeSpan.FromMinutes(1)) { IncludePodLevelSeries = false };
        var namespaces = new List<string>();
        var containers = 0;
        for (var w = 0; w < workloads; w++)
        {
            var ns = $"team-{w / 50:D4}";
            if (namespaces.Count == 0 || namespaces[^1] != ns)
            {
                namespaces.Add(ns);
            }

            var kind = (w % 10) switch { < 7 => "Deployment", < 9 => "StatefulSet", _ => "DaemonSet" };
            var name = $"app-{w:D5}";
            var pods = random.Next(3, 6);
            var names = Enumerable.Range(0, random.Next(1, 4)).Select(i => i == 0 ? "main" : $"sidecar-{i}").ToArray();
            containers += names.Length;
            var cpuBase = 0.02 + random.NextDouble() * random.NextDouble() * 2;
            var memoryBase = (64 + random.NextDouble() * 2000) * 1024 * 1024;
            var phase = random.NextDouble() * 86400;
            ContainerUsageSeries[] Usage(int pod) => names.Select((container, i) =>
            {
                var share = i == 0 ? 1.0 : 0.1;
                var noiseSeed = w * 1000 + pod * 10 + i;
                return new ContainerUsageSeries(container,
                    t => cpuBase * share * (1 + 0.5 * Math.Sin((t + phase) * 2 * Math.PI / 86400) + 0.3 * Noise(noiseSeed, t)),
                    t => memoryBase * share * (1 + 0.00001 * (t - start) / 60 + 0.05 * Noise(noiseSeed + 7, t)));
            }).ToArray();

            if (kind == "Deployment")
            {
                var rollout = w % 3 == 0 ? (start + end) / 2 / 60 * 60 : long.MaxValue;
                var oldRs = $"{name}-{Hash(w, 1)}";
                series.Add(new ReplicaSetSeries(ns, oldRs, kind, name, start, Math.Min(rollout, end)));
                for (var p = 0; p < pods; p++)
                {
                    series.Add(new PodSeries(ns, $"{oldRs}-{Hash(w, p + 10)[..5]}", "ReplicaSet", oldRs, start, Math.Min(rollout, end), Usage(p)));
                }

                if (rollout < end)
                {
                    var newRs = $"{name}-{Hash(w, 2)}";
                    series.Add(new ReplicaSetSeries(ns, newRs, kind, name, rollout, end));
                    for (var p = 0; p < pods; p++)
                    {
                        series.Add(new PodSeries(ns, $"{newRs}-{Hash(w, p + 20)[..5]}", "ReplicaSet", newRs, rollout + 60, end, Usage(p + 100)));
                    }
                }
            }
            else
            {
                for (var p = 0; p < pods; p++)
                {
                    var pod = kind == "StatefulSet" ? $"{name}-{p}" : $"{name}-{Hash(w, p)[..5]}";
                    series.Add(new PodSeries(ns, pod, kind, name, start, end, Usage(p)));
                }
            }
        }

        return (series, containers, namespaces);
    }

    // Deterministic noise in [-1, 1], varying minute to minute.
    private static double Noise(int seed, long t)
    {
        var x = (uint)(seed * 374761393 + (int)(t / 60) * 668265263);
        x = (x ^ (x >> 13)) * 1274126177;
        return ((x ^ (x >> 16)) & 0xFFFF) / 32767.5 - 1;
    }

    private const string HashAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private static string Hash(int workload, int salt)
    {
        var value = (uint)(workload * 2654435761 + salt * 40503);
        var chars = new char[9];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = HashAlphabet[(int)(value % (uint)HashAlphabet.Length)];
            value = value / (uint)HashAlphabet.Length + (uint)(i * 7919);
        }

        return new string(chars);
    }
}
