using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace Resorcerer.Hosting;

/// <summary>Whether a program is ready for what it serves, and why not.</summary>
public readonly record struct Readiness(bool Ready, string Detail);

/// <summary>A program's own readiness rule, asked by <c>GET /readyz</c>; without one a program is ready once it runs.</summary>
public interface IReadinessCheck
{
    Readiness Check();
}

/// <summary>The metrics registry and the health endpoints every program has.</summary>
public static class ServiceDefaults
{
    /// <summary>
    /// One registry per program, with the process's own health next to resorcerer's metrics (CPU, memory, GC
    /// collections, threads: read when scraped), and a metric factory over it that records no exemplars (nothing here
    /// traces requests, and reading the trace context on every request costs).
    /// </summary>
    public static IServiceCollection AddResorcererMetrics(this IServiceCollection services)
    {
        var registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(registry);
        var factory = Metrics.WithCustomRegistry(registry);
        factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        services.AddSingleton(registry);
        services.AddSingleton<IMetricFactory>(factory);
        return services;
    }

    /// <summary>
    /// <c>GET /healthz</c> (the process answers), <c>GET /readyz</c> (200 when the program's <see cref="IReadinessCheck"/>
    /// says ready, else 503; the body says why either way) and <c>GET /metrics</c>.
    /// </summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        var readiness = app.Services.GetService<IReadinessCheck>();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", () => readiness?.Check() is { } state
            ? Results.Text((state.Ready ? "ok: " : "not ready: ") + state.Detail, statusCode: state.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ok"));
        app.MapMetrics("/metrics", app.Services.GetRequiredService<CollectorRegistry>());
        return app;
    }
}
