using Microsoft.Extensions.Options;
using Resorcerer.Configuration;
using Resorcerer.Webhook.Hosting;
using Resorcerer.Webhook.Tls;
using StackExchange.Redis;

namespace Resorcerer.Webhook;

/// <summary>Entry point: reads the settings, loads the certificate, and serves until stopped.</summary>
public static class WebhookProgram
{
    public const int Success = 0, InvalidSettings = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        var app = Build(args, out var exitCode);
        if (app is null)
        {
            return exitCode;
        }

        await using (app)
        {
            await app.RunAsync();
        }

        return Success;
    }

    private static void ConnectRedis(IServiceProvider services)
    {
        var redis = services.GetRequiredService<IConnectionMultiplexer>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebhookProgram).FullName!);
        var endpoints = string.Join(",", redis.GetEndPoints().Select(e => e.ToString()));
        if (redis.IsConnected)
        {
            logger.LogInformation("Connected to Redis at {Endpoints}", endpoints);
        }
        else
        {
            logger.LogWarning("Redis at {Endpoints} is not reachable yet; pods are admitted unchanged until it is (retrying in the background)", endpoints);
        }
    }

    /// <summary>The configured application, or null with the exit code when help was asked for or a setting is wrong.</summary>
    public static WebApplication? Build(string[] args, out int exitCode)
    {
        exitCode = Success;
        var cli = CommandLine.Parse(args, WebhookCli.Options);
        if (cli.HelpRequested)
        {
            Console.Out.Write(CommandLine.Help(WebhookCli.Usage, WebhookCli.Description, WebhookCli.Options, WebhookCli.Footer));
            return null;
        }

        if (!cli.IsValid)
        {
            Console.Error.WriteLine($"resorcerer-webhook: {cli.Error}. Run with --help for the options.");
            exitCode = InvalidSettings;
            return null;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration
            .AddInMemoryCollection(CommandLine.FromEnvironment(WebhookCli.Options, Environment.GetEnvironmentVariables()))
            .AddInMemoryCollection(cli.Values);
        builder.WebHost.UseUrls(builder.Configuration["urls"] ?? WebhookOptions.DefaultUrls);
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss ";
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information)
            .AddFilter("System.Net.Http", LogLevel.Warning)
            // Per-request hosting logs are never wanted here, and while enabled each request opens a log scope and an activity.
            .AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Services.AddWebhook();
        builder.UseWebhookTls();

        try
        {
            var app = builder.Build();
            var options = app.Services.GetRequiredService<IOptions<WebhookOptions>>().Value;
            if (!string.IsNullOrEmpty(options.TlsCert))
            {
                // Load now so that a bad certificate stops the program with a message, not the first handshake.
                _ = app.Services.GetRequiredService<CertificateProvider>().Current;
            }

            ConnectRedis(app.Services);
            app.MapWebhookEndpoints();
            return app;
        }
        catch (Exception e) when (SettingsErrors.IsSettingsError(e) || e is InvalidDataException)
        {
            Console.Error.WriteLine("resorcerer-webhook: invalid settings:");
            foreach (var failure in e is InvalidDataException ? [e.Message] : SettingsErrors.Describe(e, WebhookCli.Options))
            {
                Console.Error.WriteLine($"  {failure}");
            }

            Console.Error.WriteLine("Run with --help for the options.");
            exitCode = InvalidSettings;
            return null;
        }
    }
}
