using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.Configuration;
using Resorcerer.Storage;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Connections;

/// <summary><c>resorcerer-profiler graph</c>: prints the service graph from the stored profiles.</summary>
public static class GraphCommand
{
    private const string S = "Graph:";

    public static IReadOnlyList<CliOption> Options { get; } =
    [
        new("redis", S + "Redis", "StackExchange.Redis configuration string of the Redis that holds the profiles. Required.", "CONFIG"),
        new("namespace", S + "Namespace", "Only the connections that start or end in this namespace.", "NS"),
        new("format", S + "Format", "dot (Graphviz: pipe into 'dot -Tsvg'), mermaid (paste into Markdown) or json (the same as GET /api/v1/graph).", "dot|mermaid|json", "dot"),
    ];

    public const string Usage = "resorcerer-profiler graph --redis CONFIG [--namespace NS] [--format dot|mermaid|json]";

    public const string Description =
        """
        Prints who talks to whom, from the connections in the stored profiles (learned from Linkerd or Istio
        metrics). Edges carry requests plus responses per minute and bytes per second, averaged over the
        profiler's --connection-window; dashed nodes are peers resorcerer does not profile.
        Exit codes: 0 done, 1 Redis cannot be read, 2 bad options.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cli = CommandLine.Parse(args, Options);
        if (cli.HelpRequested)
        {
            stdout.Write(CommandLine.Help(Usage, Description, Options));
            return 0;
        }

        // RESORCERER_* variables as the help says (the profiler's own RESORCERER_REDIS works here too); flags win.
        var values = CommandLine.Settings(cli, Options);

        var redis = values.GetValueOrDefault(S + "Redis");
        var format = values.GetValueOrDefault(S + "Format") ?? "dot";
        var namespaceName = values.GetValueOrDefault(S + "Namespace");
        var problem = !cli.IsValid ? cli.Error
            : string.IsNullOrWhiteSpace(redis) ? "--redis is required"
            : format is not ("dot" or "mermaid" or "json") ? $"--format '{format}' is not one of dot, mermaid, json"
            : null;
        if (problem is not null)
        {
            stderr.WriteLine($"resorcerer-profiler graph: {problem}. Run 'resorcerer-profiler graph --help' for the options.");
            return 2;
        }

        ServiceGraph graph;
        try
        {
            var settings = RedisSettings.Parse(redis!, TimeSpan.FromSeconds(5));
            settings.AbortOnConnectFail = true;
            await using var connection = await ConnectionMultiplexer.ConnectAsync(settings);
            graph = await GraphLoader.LoadAsync(new RedisProfileStore(connection, NullLogger<RedisProfileStore>.Instance), namespaceName, CancellationToken.None);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ArgumentException)
        {
            // StackExchange.Redis adds advice about its own settings after the first sentence; the first says it.
            var reason = e.Message.Split(". ", 2)[0].TrimEnd('.');
            stderr.WriteLine($"resorcerer-profiler graph: cannot read the profiles from Redis at {RedisSettings.Redacted(redis!)}: {reason}");
            return 1;
        }

        stdout.Write(format switch
        {
            "json" => JsonSerializer.Serialize(graph, GraphLoader.Json) + "\n",
            "mermaid" => graph.ToMermaid(),
            _ => graph.ToDot(),
        });
        return 0;
    }
}
