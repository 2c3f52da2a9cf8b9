using Microsoft.Extensions.Options;
using Resorcerer.Hosting;
using Resorcerer.Profiler.Backtest;
using Resorcerer.Profiler.Connections;
using Resorcerer.Profiler.Hosting;
using Resorcerer.Profiler.Profiling;
using Resorcerer.Profiles;

namespace Resorcerer.Profiler;

/// <summary>Entry point: reads the settings, then runs one cycle (<c>--once</c>) or the loop with its endpoints.</summary>
public static class ProfilerProgram
{
    public static ProgramInfo Info { get; } =
        new("resorcerer-profiler", ProfilerCli.Usage, ProfilerCli.Description, ProfilerCli.Options, ProfilerCli.Footer, "http://0.0.0.0:8080");

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "backtest")
        {
            return BacktestCommand.Run(args[1..], Console.Out, Console.Error);
        }

        if (args.Length > 0 && args[0] == "graph")
        {
            return await GraphCommand.RunAsync(args[1..], Console.Out, Console.Error);
        }

        if (args.Length > 0 && args[0] == "report")
        {
            return await Report.ReportCommand.RunAsync(args[1..], Console.Out, Console.Error);
        }

        if (Build(args, out var exitCode) is not { } app)
        {
            return exitCode;
        }

        await using (app)
        {
            return app.Services.GetRequiredService<IOptions<ProfilerOptions>>().Value.Once
                ? await RunOnceAsync(app)
                : await ProgramHost.RunAsync(Info, app);
        }
    }

    /// <summary>
    /// The configured application (with its endpoints, unless <c>--once</c>), or null with the exit code when help was
    /// asked for or a setting is wrong. Starting it starts the loop.
    /// </summary>
    public static WebApplication? Build(string[] args, out int exitCode)
    {
        if (ProgramHost.CreateBuilder(Info, args, out exitCode) is not { } builder)
        {
            return null;
        }

        // The loop only runs when the host starts, which --once never does.
        builder.Services.AddProfiler().AddProfilerLoop();
        ListenForNodeLoad(builder);
        var app = ProgramHost.Build(Info, builder, app => _ = app.Services.GetRequiredService<IOptions<ProfilerOptions>>().Value, out exitCode);
        if (app is not null && !app.Services.GetRequiredService<IOptions<ProfilerOptions>>().Value.Once)
        {
            app.MapProfilerEndpoints();
        }

        return app;
    }

    /// <summary>The load-watcher listener beside the main one: both sets of addresses go to Kestrel.</summary>
    private static void ListenForNodeLoad(WebApplicationBuilder builder)
    {
        var watcher = builder.Configuration[ProfilerOptions.Section + ":" + nameof(ProfilerOptions.WatcherUrls)] ?? ProfilerOptions.DefaultWatcherUrls;
        if (!string.IsNullOrWhiteSpace(watcher) && !builder.Configuration.GetValue<bool>(ProfilerOptions.Section + ":" + nameof(ProfilerOptions.Once)))
        {
            var main = builder.Configuration["urls"] ?? Info.DefaultUrls;
            builder.WebHost.UseSetting("urls", main + ";" + watcher.Replace(',', ';'));
        }
    }

    private static async Task<int> RunOnceAsync(WebApplication app)
    {
        using var cancellation = ProgramHost.CancelOnCtrlC();

        try
        {
            var report = await app.Services.GetRequiredService<ProfilingCycle>().RunAsync(cancellation.Token);
            if (report.Written.Count > 0)
            {
                Console.Out.Write(ProfileText.Table(report.Written));
            }

            return ProgramHost.Success;
        }
        catch (Exception e) when (CycleFailure.Kind(e) != "internal")
        {
            Console.Error.WriteLine($"{Info.Name}: profiling failed: {CycleFailure.Describe(e)}");
            return ProgramHost.DependencyFailed;
        }
    }
}
