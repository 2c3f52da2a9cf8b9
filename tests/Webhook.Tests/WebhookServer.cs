using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Resorcerer.DevKit;
using Resorcerer.TestSupport;
using Resorcerer.Webhook.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Webhook.Tests;

/// <summary>
/// The real webhook application, built by its own Program code from command-line arguments, serving HTTPS on a
/// free loopback port with a freshly made certificate; and a client that trusts exactly that certificate and
/// speaks HTTP/2 as kube-apiserver does.
/// </summary>
public sealed class WebhookServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private WebhookServer(WebApplication app, string directory, X509Certificate2 certificate, Uri url)
    {
        _app = app;
        _directory = directory;
        Url = url;
        Client = AdmissionReviews.Client(certificate, url);
    }

    public Uri Url { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<WebhookServer> StartAsync(string redis, params string[] extraArgs)
    {
        var directory = Directory.CreateTempSubdirectory("resorcerer-webhook-").FullName;
        var (cert, key, certificate) = DevCertificates.Write(directory);
        var app = WebhookProgram.Build(
            ["--redis", redis, "--tls-cert", cert, "--tls-key", key, "--urls", "https://127.0.0.1:0", .. extraArgs],
            out var exitCode) ?? throw new InvalidOperationException($"the webhook did not build (exit code {exitCode})");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new WebhookServer(app, directory, certificate, new Uri(address));
    }

    /// <summary>Waits until the webhook's in-memory profiles hold the workload's profile (a sync after it was written).</summary>
    public Task WaitUntilServedAsync(WorkloadRef workload)
    {
        var profiles = Services.GetRequiredService<ProfileMirror>();
        return Eventually.HoldsAsync(
            () => Task.FromResult(profiles.Get(workload).Status == LookupStatus.Found),
            $"the webhook to serve the profile of {workload}");
    }

    /// <summary>Waits until the webhook answers ready (its first sync with Redis is done).</summary>
    public Task WaitUntilReadyAsync() =>
        Eventually.HoldsAsync(
            async () => (await Client.GetAsync("/readyz")).IsSuccessStatusCode,
            "the webhook to answer ready");

    public async Task<HttpResponseMessage> PostAsync(string json) =>
        await Client.PostAsync("/mutate", new StringContent(json, Encoding.UTF8, "application/json"));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
