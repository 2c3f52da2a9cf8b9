using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Resorcerer.Quantities;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Report;

/// <summary>The report written as a person reads it (table) or as tools read it (json, csv).</summary>
public static class ReportFormats
{
    public static IReadOnlyList<string> Names { get; } = ["table", "json", "csv", "yaml", "markdown", "html"];

    public static IReadOnlyList<string> Sorts { get; } = ["savings", "risk", "name"];

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new WorkloadRefText() },
    };

    /// <summary>Most saved first; most extra needed first; or by workload and container.</summary>
    public static IReadOnlyList<ContainerReport> Sorted(IReadOnlyList<ContainerReport> lines, string sort) => sort switch
    {
        "savings" => [.. lines.OrderByDescending(l => l.MonthlySavings).ThenBy(Name, StringComparer.Ordinal)],
        "risk" => [.. lines.OrderBy(l => l.Status == ReportStatus.Risk ? 0 : 1).ThenBy(l => l.MonthlySavings).ThenBy(Name, StringComparer.Ordinal)],
        _ => [.. lines.OrderBy(Name, StringComparer.Ordinal)],
    };

    public static string Write(IReadOnlyList<ContainerReport> lines, string format, DateTimeOffset generatedAt, Prices prices) => format switch
    {
        "json" => JsonSerializer.Serialize(new { generatedAt, prices, containers = lines }, Json) + "\n",
        "csv" => Csv(lines),
        "yaml" => Yaml(lines, generatedAt, prices),
        "markdown" => Markdown(lines),
        "html" => ReportHtml.Write(lines, generatedAt, prices),
        _ => Table(lines),
    };

    /// <summary>The media type a format is served as.</summary>
    public static string ContentType(string format) => format switch
    {
        "json" => "application/json",
        "csv" => "text/csv",
        "yaml" => "application/yaml",
        "markdown" => "text/markdown",
        "html" => "text/html",
        _ => "text/plain",
    };

    private static string Name(ContainerReport line) => $"{line.Workload}/{line.Container}";

    private static string Cpu(long? millicores) => millicores is { } m ? Quantity.FormatMillicores(m) : "-";

    private static string Memory(long? bytes) => bytes is { } b ? Quantity.FormatBytes(b) : "-";

    private static string Table(IReadOnlyList<ContainerReport> lines)
    {
        string[] header = ["WORKLOAD", "CONTAINER", "PODS", "CPU NOW", "CPU REC", "MEM NOW", "MEM REC", "SAVES CORES", "SAVES GIB", "$/MONTH", "STATUS"];
        var rows = lines.Select(l => new[]
        {
            l.Workload.ToString(), l.Container, l.Replicas.ToString(CultureInfo.InvariantCulture),
            Cpu(l.Cpu.Request), Cpu(l.Cpu.RecommendedRequest), Memory(l.Memory.Request), Memory(l.Memory.RecommendedRequest),
            l.CpuSavingsCores.ToString("0.###", CultureInfo.InvariantCulture), l.MemorySavingsGib.ToString("0.###", CultureInfo.InvariantCulture),
            l.MonthlySavings.ToString("0.00", CultureInfo.InvariantCulture), l.Status,
        }).ToList();
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows.Prepend(header))
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }

        var total = lines.Sum(l => l.MonthlySavings);
        text.AppendLine(CultureInfo.InvariantCulture, $"{lines.Count} container(s); {lines.Count(l => l.Status == ReportStatus.Waste)} waste, " +
            $"{lines.Count(l => l.Status == ReportStatus.Risk)} at risk; net {total:0.00} a month");
        return text.ToString();
    }

    /// <summary>The JSON answer's document as YAML: the same fields, names and values.</summary>
    private static string Yaml(IReadOnlyList<ContainerReport> lines, DateTimeOffset generatedAt, Prices prices)
    {
        var document = JsonSerializer.SerializeToNode(new { generatedAt, prices, containers = lines }, Json)!;
        var yaml = new StringBuilder();
        WriteYaml(yaml, document, 0, inList: false);
        return yaml.ToString();
    }

    private static void WriteYaml(StringBuilder yaml, System.Text.Json.Nodes.JsonNode? node, int depth, bool inList)
    {
        var indent = new string(' ', depth * 2);
        switch (node)
        {
            case System.Text.Json.Nodes.JsonObject map:
                var first = true;
                foreach (var (key, value) in map)
                {
                    yaml.Append(inList && first ? string.Empty : indent).Append(key).Append(':');
                    first = false;
                    if (value is System.Text.Json.Nodes.JsonObject { Count: > 0 } or System.Text.Json.Nodes.JsonArray { Count: > 0 })
                    {
                        yaml.Append('\n');
                        WriteYaml(yaml, value, depth + 1, inList: false);
                    }
                    else
                    {
                        yaml.Append(' ').Append(Scalar(value)).Append('\n');
                    }
                }

                break;
            case System.Text.Json.Nodes.JsonArray list:
                foreach (var item in list)
                {
                    yaml.Append(indent).Append("- ");
                    if (item is System.Text.Json.Nodes.JsonObject)
                    {
                        WriteYaml(yaml, item, depth + 1, inList: true);
                    }
                    else
                    {
                        yaml.Append(Scalar(item)).Append('\n');
                    }
                }

                break;
        }
    }

    /// <summary>A JSON scalar as YAML: numbers and booleans as they are, null as null, strings quoted as JSON quotes them.</summary>
    private static string Scalar(System.Text.Json.Nodes.JsonNode? value) => value switch
    {
        null => "null",
        System.Text.Json.Nodes.JsonObject => "{}",
        System.Text.Json.Nodes.JsonArray => "[]",
        _ => value.ToJsonString(Json),
    };

    private static string Markdown(IReadOnlyList<ContainerReport> lines)
    {
        var text = new StringBuilder("| workload | container | pods | CPU now | CPU recommended | memory now | memory recommended | saves cores | saves GiB | per month | status |\n")
            .Append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        foreach (var l in lines)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {l.Workload} | {l.Container} | {l.Replicas} | {Cpu(l.Cpu.Request)} | {Cpu(l.Cpu.RecommendedRequest)} | ")
                .Append(CultureInfo.InvariantCulture, $"{Memory(l.Memory.Request)} | {Memory(l.Memory.RecommendedRequest)} | {l.CpuSavingsCores:0.###} | {l.MemorySavingsGib:0.###} | ")
                .Append(CultureInfo.InvariantCulture, $"{l.MonthlySavings:0.00} | {l.Status} |\n");
        }

        return text.ToString();
    }

    private static string Csv(IReadOnlyList<ContainerReport> lines)
    {
        var text = new StringBuilder("workload,container,replicas,cpu_request_m,cpu_limit_m,cpu_recommended_m,cpu_recommended_limit_m,cpu_p50_m,cpu_p95_m,cpu_max_m," +
            "memory_request_bytes,memory_limit_bytes,memory_recommended_bytes,memory_recommended_limit_bytes,memory_p50_bytes,memory_p95_bytes,memory_max_bytes," +
            "cpu_savings_cores,memory_savings_gib,monthly_savings,status\n");
        static string N(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;
        static string D(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        foreach (var l in lines)
        {
            text.AppendJoin(',', l.Workload.ToString(), l.Container, l.Replicas.ToString(CultureInfo.InvariantCulture),
                N(l.Cpu.Request), N(l.Cpu.Limit), N(l.Cpu.RecommendedRequest), N(l.Cpu.RecommendedLimit), N(l.Cpu.P50), N(l.Cpu.P95), N(l.Cpu.Max),
                N(l.Memory.Request), N(l.Memory.Limit), N(l.Memory.RecommendedRequest), N(l.Memory.RecommendedLimit), N(l.Memory.P50), N(l.Memory.P95), N(l.Memory.Max),
                D(l.CpuSavingsCores), D(l.MemorySavingsGib), D(l.MonthlySavings), l.Status).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A workload as its text form, <c>namespace/Kind/name</c>.</summary>
    private sealed class WorkloadRefText : JsonConverter<WorkloadRef>
    {
        public override WorkloadRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            WorkloadRef.Parse(reader.GetString() ?? string.Empty);

        public override void Write(Utf8JsonWriter writer, WorkloadRef value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
