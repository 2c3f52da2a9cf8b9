using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Resorcerer.Configuration;

namespace Resorcerer.Hosting;

/// <summary>
/// The set-up every resorcerer program shares, so that each program is a short composition of its own parts:
/// the strict command line (help, and errors that name the option), settings from RESORCERER_* variables, the
/// command line and appsettings.json, one-line console logs, and start-up failures that end with exit code 2 and a
/// message naming the setting instead of a stack trace.
/// </summary>
public static class ProgramHost
{
    public const int Success = 0, DependencyFailed = 1, InvalidSettings = 2;

    /// <summary>
    /// The builder with the shared set-up, or null when the program should stop at once: help was asked for (exit 0,
    /// help on stdout) or the command line is wrong (exit 2, the error on stderr).
    /// </summary>
    public static WebApplicationBuilder? CreateBuilder(ProgramInfo program, IReadOnlyList<string> args, out int exitCode)
    {
        exitCode = Success;
        var cli = CommandLine.Parse(args, program.Options);
        if (cli.HelpRequested)
        {
            Console.Out.Write(CommandLine.Help(program.Usage, program.Description, program.Options, program.Footer));
            return null;
        }

        if (!cli.IsValid)
        {
            Console.Error.WriteLine($"{program.Name}: {cli.Error}. Run with --help for the options.");
            exitCode = InvalidSettings;
            return null;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration
            .AddInMemoryCollection(CommandLine.FromEnvironment(program.Options, Environment.GetEnvironmentVariables()))
            .AddInMemoryCollection(cli.Values);
        builder.WebHost.UseUrls(Urls(program, builder.Configuration));
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss ";
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information)
            .AddFilter("System.Net.Http", LogLevel.Warning)
            // Per-request hosting logs are never wanted here, and while enabled each request opens a log scope and an activity.
            .AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Services.AddResorcererMetrics();
        return builder;
    }

    /// <summary>
    /// Builds the application and runs <paramref name="check"/> on it (resolve the options, load certificates: what
    /// must fail now rather than later). A wrong setting prints each failure, naming its flag, and gives null with exit code 2.
    /// </summary>
    public static WebApplication? Build(ProgramInfo program, WebApplicationBuilder builder, Action<WebApplication> check, out int exitCode)
    {
        exitCode = Success;
        WebApplication? app = null;
        try
        {
            app = builder.Build();
            check(app);
            return app;
        }
        catch (Exception e) when (SettingsErrors.IsSettingsError(e) || e is InvalidDataException)
        {
            Console.Error.WriteLine($"{program.Name}: invalid settings:");
            foreach (var failure in e is InvalidDataException ? [e.Message] : SettingsErrors.Describe(e, program.Options))
            {
                Console.Error.WriteLine($"  {failure}");
            }

            Console.Error.WriteLine("Run with --help for the options.");
            (app as IDisposable)?.Dispose();
            exitCode = InvalidSettings;
            return null;
        }
    }

    /// <summary>
    /// Starts serving, then runs until stopped. An address in <c>--urls</c> that cannot be listened on (malformed,
    /// or the port taken) ends the program with exit code 2 and a message naming the flag.
    /// </summary>
    public static async Task<int> RunAsync(ProgramInfo program, WebApplication app)
    {
        try
        {
            await app.StartAsync();
        }
        catch (Exception e) when (ListenProblem(e) is { } problem)
        {
            Console.Error.WriteLine($"{program.Name}: --urls '{Urls(program, app.Configuration)}': {problem}");
            return InvalidSettings;
        }

        await app.WaitForShutdownAsync();
        return Success;
    }

    /// <summary>A cancellation that Ctrl-C triggers instead of ending the process at once, so that a single run stops cleanly.</summary>
    public static CancellationTokenSource CancelOnCtrlC()
    {
        var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            try
            {
                cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run it was for is over.
            }
        };
        return cancellation;
    }

    private static string Urls(ProgramInfo program, IConfiguration configuration) => configuration["urls"] ?? program.DefaultUrls;

    /// <summary>What is wrong with the listen address, when that is what made the server fail to start.</summary>
    public static string? ListenProblem(Exception e) => e switch
    {
        IOException { InnerException: SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } } or
            IOException when e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase) =>
            "the address is already in use (another process listens on that port)",
        IOException { InnerException: SocketException socket } => $"cannot listen there: {socket.Message}",
        UriFormatException or FormatException => $"not a URL to listen on: {e.Message}",
        ArgumentOutOfRangeException { ParamName: "port" } => "the port is out of range (1 to 65535)",
        InvalidOperationException when e.Message.Contains("address", StringComparison.OrdinalIgnoreCase) => $"not an address to listen on: {e.Message}",
        _ => null,
    };
}
