using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Resorcerer.Configuration;
using Resorcerer.Profiler.Backtest.Scenarios;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Traces;

namespace Resorcerer.Profiler.Backtest;

/// <summary><c>resorcerer-profiler backtest</c>: replays usage traces through strategies and scores them.</summary>
public static class BacktestCommand
{
    private const string S = "Backtest:";
    private static readonly JsonSerializerOptions JsonOutput = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IReadOnlyList<CliOption> Options { get; } =
    [
        new("trace", S + "Traces", "A usage trace: CSV or gzip CSV with the header timestamp,workload,container,cpu_cores,memory_bytes. Give it once per file.", "FILE", Repeatable: true),
        new("scenario", S + "Scenarios", $"Synthetic usage of named shapes, comma-separated, or 'all' ({ScenarioLibrary.Names}); three seeded series each, instead of or beside --trace.", "NAME[,NAME...]"),
        new("scenario-days", S + "ScenarioDays", "How many days each scenario series runs.", "DAYS", "28"),
        new("strategy", S + "Strategies", $"Strategies to compare, comma-separated, or 'all' ({StrategyCatalog.Names}).", "NAME[,NAME...]", "all"),
        new("format", S + "Format", "Output: table (for people), json (only JSON on stdout) or csv.", "table|json|csv", "table"),
        new("update-mode", S + "UpdateMode", "How recommendations reach running containers: inplace (resized every hour when they differ by more than 10%, memory at once after an OOM kill, as resorcerer-updater does) or initial (only when the pod is recreated, every --restart-every, as the webhook alone does).", "inplace|initial", "inplace"),
        new("restart-every", S + "RestartEvery", "With --update-mode initial: how often each workload's pods are recreated (a rollout, a node drain) and so sized again.", "DURATION", "24h"),
        new("by-series", S + "BySeries", "One line per series (workload and container) and strategy instead of one per strategy, worst first: most OOM kills, then most CPU shortfall."),
        new("provisioned", S + "Provisioned", "The owner's static sizes (workload,container,cpu_cores,memory_bytes), scored as one more row named 'provisioned'. Give it once per file.", "FILE", Repeatable: true),
    ];

    public const string Usage = "resorcerer-profiler backtest --trace FILE [--trace FILE ...] | --scenario NAME[,NAME...]|all [--strategy NAME[,NAME...]|all] [--update-mode inplace|initial [--restart-every 24h]] [--format table|json|csv] [--by-series] [--provisioned FILE]";

    /// <summary>How many series each scenario contributes.</summary>
    public const int ScenarioVariants = 3;

    public const string Description =
        """
        Replays recorded usage through recommendation strategies with the profiler's own replay, and scores
        the requests each would have set. The same rules hold for every strategy:
          - each workload's rows (all its containers) are replayed in time order; at every whole hour of trace
            time, from the samples up to it, the workload gets the recommendation a profile would hold then
            (none before 100 samples over 3 h; CPU in whole millicores, memory in whole MiB), applied to the
            samples after it when it differs from the request by more than 10%, or at once after an OOM kill
            (--update-mode inplace); or, with --update-mode initial, only at each restart (every
            --restart-every from the series' start), whatever the difference, and an OOM kill waits for it;
          - the first 24 h of each series teach the strategy but are not scored;
          - memory_bytes = 0 is a missing reading: not scored and not learned from;
          - the memory limit equals the memory request: a sample above it is an OOM kill, which the
            strategy is told about (only scored samples count as OOM events);
          - over all scored samples, with r the request in force and u the usage:
            cpuSlack = sum(max(r-u,0))/sum(r), memorySlack likewise, cpuShortfall = sum(max(u-r,0))/sum(u),
            cpuShortfallSamples = share of samples with u > r, oomEvents, oomSeries (series with one or more),
            changes (updates that changed a request already set).
        With --by-series, the same fields per series (json: each object also has workload and container).
        Scenarios (--scenario) are synthetic series of the shapes real workloads have, seeded so that every
        machine replays the same numbers:
        {0}
        Exit codes: 0 done, 2 bad options or bad input (nothing is printed on stdout then).
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cli = CommandLine.Parse(args, Options);
        if (cli.HelpRequested)
        {
            var scenarios = string.Join("\n", ScenarioLibrary.All.Select(x => $"  {x.Name,-16} {x.Description}"));
            stdout.Write(CommandLine.Help(Usage, Description.Replace("{0}", scenarios, StringComparison.Ordinal), Options));
            return 0;
        }

        if (!cli.IsValid)
        {
            return Fail(stderr, $"{cli.Error}. Run 'resorcerer-profiler backtest --help' for the options.");
        }

        var traces = Values(cli, S + "Traces");
        var provisionedFiles = Values(cli, S + "Provisioned");
        var format = cli.Values.GetValueOrDefault(S + "Format") ?? "table";
        var scenarioText = cli.Values.GetValueOrDefault(S + "Scenarios");
        string? scenarioError = null;
        var scenarioList = scenarioText is null ? [] : ParseScenarios(scenarioText, out scenarioError);
        if (scenarioList is null)
        {
            return Fail(stderr, scenarioError!);
        }

        if (traces.Count == 0 && scenarioList.Count == 0)
        {
            return Fail(stderr, "give at least one --trace file or --scenario");
        }

        var daysText = cli.Values.GetValueOrDefault(S + "ScenarioDays") ?? "28";
        if (!int.TryParse(daysText, NumberStyles.None, CultureInfo.InvariantCulture, out var scenarioDays) || scenarioDays is < 2 or > 90)
        {
            return Fail(stderr, $"--scenario-days '{daysText}' is not a whole number of days from 2 to 90");
        }

        var bySeries = cli.Values.GetValueOrDefault(S + "BySeries") is { } b && bool.Parse(b);

        if (format is not ("table" or "json" or "csv"))
        {
            return Fail(stderr, $"--format '{format}' is not one of table, json, csv");
        }

        if (traces.Concat(provisionedFiles).FirstOrDefault(f => !File.Exists(f)) is { } missing)
        {
            return Fail(stderr, $"file '{missing}' does not exist");
        }

        var mode = cli.Values.GetValueOrDefault(S + "UpdateMode") ?? "inplace";
        var restartText = cli.Values.GetValueOrDefault(S + "RestartEvery");
        if (mode is not ("inplace" or "initial"))
        {
            return Fail(stderr, $"--update-mode '{mode}' is not one of inplace, initial");
        }

        if (mode == "inplace" && restartText is not null)
        {
            return Fail(stderr, "--restart-every goes with --update-mode initial: in place, requests change without restarts");
        }

        var restartEvery = Duration.FromHours(24);
        if (restartText is not null && !(Duration.TryParse(restartText, out restartEvery) && restartEvery >= Duration.FromHours(1)))
        {
            return Fail(stderr, $"--restart-every '{restartText}' is not a duration of 1h or more");
        }

        var updates = mode == "inplace" ? UpdateModel.Resize : UpdateModel.Recreated(restartEvery.Value);
        var strategies = ParseStrategies(cli.Values.GetValueOrDefault(S + "Strategies") ?? "all", out var strategyError);
        if (strategies is null)
        {
            return Fail(stderr, strategyError!);
        }

        try
        {
            Dictionary<(string, string), Provisioned>? provisioned = null;
            foreach (var file in provisionedFiles)
            {
                provisioned ??= [];
                foreach (var (key, sizes) in ProvisionedReader.Read(file))
                {
                    provisioned[key] = sizes;
                }
            }

            var run = new BacktestRun(strategies, provisioned, updates);
            var progress = new Progress(stderr, enabled: !Console.IsErrorRedirected);
            for (var i = 0; i < traces.Count; i++)
            {
                var index = i;
                foreach (var (row, line) in UsageTraceReader.ReadWithLines(traces[i], (read, size) => progress.Report(index, traces.Count, read, size, run.Rows)))
                {
                    run.Add(row, traces[i], line);
                }
            }

            foreach (var scenario in scenarioList)
            {
                for (var variant = 0; variant < ScenarioVariants; variant++)
                {
                    foreach (var row in scenario.Rows(variant, scenarioDays))
                    {
                        run.Add(row, $"scenario {scenario.Name}", 0);
                    }
                }
            }

            progress.Done(run.Rows);
            // Everything is computed before anything is printed: a bad row never leaves half a report behind.
            stdout.Write(bySeries ? Format(run.SeriesResults(), format) : Format(run.Results(), format));
            return 0;
        }
        catch (TraceFormatException e)
        {
            return Fail(stderr, e.Message);
        }
    }

    public static string Format(IReadOnlyList<BacktestResult> results, string format) => format switch
    {
        "json" => JsonSerializer.Serialize(results, JsonOutput) + "\n",
        "csv" => Csv(results),
        _ => Table(results),
    };

    /// <summary>The per-series report: the same fields, each line led by its workload and container.</summary>
    public static string Format(IReadOnlyList<SeriesResult> results, string format) => format switch
    {
        "json" => new JsonArray([.. results.Select(SeriesJson)]).ToJsonString(JsonOutput) + "\n",
        "csv" => Csv(results.Select(r => r.Result), ["workload", "container"], results.Select(r => new[] { CsvField(r.Workload), CsvField(r.Container) }).ToList()),
        _ => Table(results.Select(r => r.Result), ["WORKLOAD", "CONTAINER"], results.Select(r => new[] { r.Workload, r.Container }).ToList()),
    };

    private static JsonObject SeriesJson(SeriesResult series)
    {
        var json = new JsonObject { ["workload"] = series.Workload, ["container"] = series.Container };
        foreach (var (key, value) in JsonSerializer.SerializeToNode(series.Result, JsonOutput)!.AsObject().ToList())
        {
            json[key] = value?.DeepClone();
        }

        return json;
    }

    private static string Table(IEnumerable<BacktestResult> results, string[]? leadHeader = null, List<string[]>? lead = null)
    {
        string[] header = [.. leadHeader ?? [], "STRATEGY", "SERIES", "SCORED", "CPU SLACK", "CPU SHORTFALL", "SHORT SAMPLES", "MEM SLACK", "OOM EVENTS", "OOM SERIES", "CHANGES"];
        var leading = leadHeader?.Length ?? 0;
        var rows = new List<string[]> { header };
        rows.AddRange(results.Select((r, i) => (string[])
        [
            .. lead?[i] ?? [],
            r.Strategy, N(r.Series), N(r.ScoredSamples), P(r.CpuSlack), P(r.CpuShortfall), P(r.CpuShortfallSamples),
            P(r.MemorySlack), N(r.OomEvents), N(r.OomSeries), N(r.Changes),
        ]));
        var widths = Enumerable.Range(0, header.Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i <= leading ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).TrimEnd());
        }

        return text.ToString();

        static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
        static string P(double value) => (value * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";
    }

    private static string Csv(IEnumerable<BacktestResult> results, string[]? leadHeader = null, List<string[]>? lead = null)
    {
        var text = new StringBuilder(string.Join(',', [.. leadHeader ?? [], "strategy,series,scoredSamples,cpuSlack,memorySlack,cpuShortfall,cpuShortfallSamples,oomEvents,oomSeries,changes"]) + "\n");
        var i = 0;
        foreach (var r in results)
        {
            text.AppendLine(string.Join(',', [
                .. lead?[i++] ?? [],
                r.Strategy, I(r.Series), I(r.ScoredSamples), D(r.CpuSlack), D(r.MemorySlack), D(r.CpuShortfall), D(r.CpuShortfallSamples),
                I(r.OomEvents), I(r.OomSeries), I(r.Changes)]));
        }

        return text.ToString();

        static string I(long value) => value.ToString(CultureInfo.InvariantCulture);
        static string D(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>A CSV field, quoted when it holds a comma, a quote or a line break.</summary>
    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static List<UsageScenario>? ParseScenarios(string text, out string? error)
    {
        error = null;
        if (string.Equals(text.Trim(), "all", StringComparison.OrdinalIgnoreCase))
        {
            return [.. ScenarioLibrary.All];
        }

        var scenarios = new List<UsageScenario>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (ScenarioLibrary.Find(name) is not { } scenario)
            {
                error = $"--scenario: unknown scenario '{name}' (known: {ScenarioLibrary.Names}, or all)";
                return null;
            }

            scenarios.Add(scenario);
        }

        if (scenarios.Count == 0)
        {
            error = "--scenario names no scenario";
            return null;
        }

        return scenarios;
    }

    private static List<IRecommendationStrategy>? ParseStrategies(string text, out string? error)
    {
        error = null;
        if (string.Equals(text.Trim(), "all", StringComparison.OrdinalIgnoreCase))
        {
            return [.. StrategyCatalog.All];
        }

        var strategies = new List<IRecommendationStrategy>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct())
        {
            if (StrategyCatalog.Find(name) is not { } strategy)
            {
                error = $"--strategy: unknown strategy '{name}' (known: {StrategyCatalog.Names}, or all)";
                return null;
            }

            strategies.Add(strategy);
        }

        if (strategies.Count == 0)
        {
            error = "--strategy names no strategy";
            return null;
        }

        return strategies;
    }

    private static List<string> Values(CommandLineResult cli, string key) =>
        cli.Values.Where(v => v.Key.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase))
            .OrderBy(v => int.Parse(v.Key[(key.Length + 1)..], CultureInfo.InvariantCulture))
            .Select(v => v.Value!)
            .ToList();

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"resorcerer-profiler backtest: {message}");
        return 2;
    }

    /// <summary>A one-line progress report on a terminal, at most once a second; silent when stderr is redirected.</summary>
    private sealed class Progress(TextWriter stderr, bool enabled)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _last = TimeSpan.Zero;

        public void Report(int file, int files, long read, long size, long rows)
        {
            if (!enabled || _clock.Elapsed - _last < TimeSpan.FromSeconds(1))
            {
                return;
            }

            _last = _clock.Elapsed;
            var share = size > 0 ? (file + (double)read / size) / files : 0;
            stderr.Write($"\rreplaying: {rows:N0} rows, {share:P0} of the input, {_clock.Elapsed.TotalSeconds:0} s   ");
        }

        public void Done(long rows)
        {
            if (enabled && _last > TimeSpan.Zero)
            {
                stderr.WriteLine($"\rreplayed {rows:N0} rows in {_clock.Elapsed.TotalSeconds:0.0} s                ");
            }
        }
    }
}
