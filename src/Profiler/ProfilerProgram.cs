using Microsoft.Extensions.Options;
using Resorcerer.Configuration;
using Resorcerer.Profiler.Backtest;
using Resorcerer.Profiler.Connections;
using Resorcerer.Profiler.Hosting;
using Resorcerer.Profiler.Profiling;
using Resorcerer.Profiles;

namespace Resorcerer.Profiler;

/// <summary>Entry point: reads the settings, then runs one cycle (<c>--once</c>) or the loop with its endpoints.</summary>
public static class ProfilerProgram
{
    public const int Success = 0, DependencyFailed = 1, InvalidSettings = 2;

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

        var cli = CommandLine.Parse(args, ProfilerCli.Options);
        if (cli.HelpRequested)
        {
            Console.Out.Write(CommandLine.Help(ProfilerCli.Usage, ProfilerCli.Description, ProfilerCli.Options, ProfilerCli.Footer));
            return Success;
        }

        if (!cli.IsValid)
        {
            Console.Error.WriteLine($"resorcerer-profiler: {cli.Error}. Run with --help for the options.");
            return InvalidSettings;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration
            .AddInMemoryCollection(CommandLine.FromEnvironment(ProfilerCli.Options, Environment.GetEnvironmentVariables()))
            .AddInMemoryCollection(cli.Values);
        builder.WebHost.UseUrls(builder.Configuration["urls"] ?? "http://0.0.0.0:8080");
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss ";
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information)
            .AddFilter("System.Net.Http", LogLevel.Warning);
        // The loop only runs when the host starts, which --once never does.
        builder.Services.AddProfiler().AddProfilerLoop();

        ProfilerOptions options;
        WebApplication app;
        try
        {
            app = builder.Build();
            options = app.Services.GetRequiredService<IOptions<ProfilerOptions>>().Value;
        }
        catch (Exception e) when (SettingsErrors.IsSettingsError(e))
        {
            Console.Error.WriteLine("resorcerer-profiler: invalid settings:");
            foreach (var failure in SettingsErrors.Describe(e, ProfilerCli.Options))
            {
                Console.Error.WriteLine($"  {failure}");
            }

            Console.Error.WriteLine("Run with --help for the options.");
            return InvalidSettings;
        }

        await using (app)
        {
            return options.Once ? await RunOnceAsync(app) : await RunLoopAsync(app);
        }
    }

    private static async Task<int> RunOnceAsync(WebApplication app)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };

        try
        {
            var report = await app.Services.GetRequiredService<ProfilingCycle>().RunAsync(cancellation.Token);
            if (report.Written.Count > 0)
            {
                Console.Out.Write(ProfileText.Table(report.Written));
            }

            return Success;
        }
        catch (Exception e) when (CycleFailure.Kind(e) != "internal")
        {
            Console.Error.WriteLine($"resorcerer-profiler: profiling failed: {CycleFailure.Describe(e)}");
            return DependencyFailed;
        }
    }

    private static async Task<int> RunLoopAsync(WebApplication app)
    {
        app.MapProfilerEndpoints();
        await app.RunAsync();
        return Success;
    }
}
