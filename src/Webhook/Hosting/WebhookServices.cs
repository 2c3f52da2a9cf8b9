using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Resorcerer.Hosting;
using Resorcerer.Storage;
using Resorcerer.Webhook.Admission;
using Resorcerer.Webhook.Patching;
using Resorcerer.Webhook.Profiles;
using Resorcerer.Webhook.Tls;
using StackExchange.Redis;

namespace Resorcerer.Webhook.Hosting;

public static class WebhookServices
{
    /// <summary>Registers the webhook: options (validated at start), Redis, the profile cache and the admission handler.</summary>
    public static IServiceCollection AddWebhook(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();

        services.AddSingleton<WebhookMetrics>();

        // Connected once at start-up (see WebhookProgram); only the profile sync uses it, never an admission. With Redis
        // down the connect gives up after 2 s, the webhook starts anyway and reconnects in the background.
        services.AddSingleton<IConnectionMultiplexer>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<WebhookOptions>>().Value;
            var redis = RedisSettings.Parse(options.Redis!, options.RedisTimeout.Value);
            redis.ConnectTimeout = 2000;
            return ConnectionMultiplexer.Connect(redis);
        });
        services.AddSingleton<FailoverThreads>();
        services.AddSingleton<IProfileFeed, RedisProfileStore>();
        services.AddSingleton<ProfileMirror>();
        services.AddSingleton<ProfileSync>();
        services.AddHostedService(provider => provider.GetRequiredService<ProfileSync>());
        services.AddSingleton<IReadinessCheck>(provider => provider.GetRequiredService<ProfileSync>());
        services.AddSingleton(provider => new PatchMemo(provider.GetRequiredService<IOptions<WebhookOptions>>().Value.MaxConnectionEdges));
        services.AddSingleton<AdmissionHandler>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<CertificateProvider>();
        services.AddHostedService(provider => provider.GetRequiredService<CertificateProvider>());
        return services;
    }

    /// <summary>HTTPS from the PEM files, TLS 1.2 or newer, HTTP/1.1 and HTTP/2.</summary>
    public static WebApplicationBuilder UseWebhookTls(this WebApplicationBuilder builder)
    {
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http1AndHttp2);
            kestrel.ConfigureHttpsDefaults(https =>
            {
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                var certificates = kestrel.ApplicationServices.GetRequiredService<CertificateProvider>();
                https.ServerCertificateSelector = (_, _) => certificates.Current;
            });
        });
        return builder;
    }

    /// <summary>The admission, health and metrics endpoints.</summary>
    public static WebApplication MapWebhookEndpoints(this WebApplication app)
    {
        // A plain request delegate to a handler made once: nothing to bind or resolve per request, no per-request scope.
        app.MapPost("/mutate", app.Services.GetRequiredService<AdmissionHandler>().HandleAsync);
        app.MapHealthEndpoints();
        return app;
    }
}
