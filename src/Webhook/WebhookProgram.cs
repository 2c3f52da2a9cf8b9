using Microsoft.Extensions.Options;
using Resorcerer.Hosting;
using Resorcerer.Storage;
using Resorcerer.Webhook.Hosting;
using Resorcerer.Webhook.Tls;
using StackExchange.Redis;

namespace Resorcerer.Webhook;

/// <summary>Entry point: reads the settings, loads the certificate, and serves until stopped.</summary>
public static class WebhookProgram
{
    public static ProgramInfo Info { get; } =
        new("resorcerer-webhook", WebhookCli.Usage, WebhookCli.Description, WebhookCli.Options, WebhookCli.Footer, WebhookOptions.DefaultUrls);

    public static async Task<int> RunAsync(string[] args)
    {
        var app = Build(args, out var exitCode);
        if (app is null)
        {
            return exitCode;
        }

        await using (app)
        {
            return await ProgramHost.RunAsync(Info, app);
        }
    }

    /// <summary>The configured application, or null with the exit code when help was asked for or a setting is wrong.</summary>
    public static WebApplication? Build(string[] args, out int exitCode)
    {
        if (ProgramHost.CreateBuilder(Info, args, out exitCode) is not { } builder)
        {
            return null;
        }

        builder.Services.AddWebhook();
        builder.UseWebhookTls();
        var app = ProgramHost.Build(Info, builder, Check, out exitCode);
        app?.MapWebhookEndpoints();
        return app;
    }

    /// <summary>What must fail at start rather than later: the settings, the certificate; and the connection to Redis, made now.</summary>
    private static void Check(WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<WebhookOptions>>().Value;
        if (!string.IsNullOrEmpty(options.TlsCert))
        {
            // Load now so that a bad certificate stops the program with a message, not the first handshake.
            _ = app.Services.GetRequiredService<CertificateProvider>().Current;
        }

        var redis = app.Services.GetRequiredService<IConnectionMultiplexer>();
        app.Services.GetRequiredService<FailoverThreads>().Watch(redis);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebhookProgram).FullName!);
        var endpoints = string.Join(",", redis.GetEndPoints().Select(e => e.ToString()));
        if (redis.IsConnected)
        {
            logger.LogInformation("Connected to Redis at {Endpoints}", endpoints);
        }
        else
        {
            // Say why: a wrong password is not a network that will come back by itself.
            string why;
            try
            {
                redis.GetDatabase().Ping();
                why = "it did not answer in time";
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                why = RedisSettings.Describe(e);
            }

            logger.LogWarning("Redis at {Endpoints} cannot be used yet ({Why}); pods are admitted unchanged until it can (retrying in the background)", endpoints, why);
        }
    }
}
