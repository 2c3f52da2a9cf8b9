using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resorcerer.Configuration;
using Resorcerer.DevKit;

namespace Resorcerer.PrometheusApi.Tests;

/// <summary>
/// Authentication, private CAs and tenant headers, against a Prometheus-compatible API served over HTTPS by a
/// stand-in that records what it receives (as a Mimir or Thanos front end would see it).
/// </summary>
public sealed class PrometheusHttpTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("prometheus-http-").FullName;
    private readonly ConcurrentQueue<Dictionary<string, string>> _requests = new();
    private WebApplication _server = null!;
    private string _caFile = null!;

    public Uri Url { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var (cert, _, certificate) = DevCertificates.Write(Path.Combine(_directory, "tls"));
        _caFile = cert;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
        builder.WebHost.UseUrls("https://127.0.0.1:0");
        _server = builder.Build();
        _server.MapPost("/api/v1/query", (HttpContext context) =>
        {
            // Copied: Kestrel reuses the header collection once the request is done.
            _requests.Enqueue(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
            return Results.Text("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"1"]}]}}""", "application/json");
        });
        await _server.StartAsync();
        Url = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string File(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task A_bearer_token_file_is_read_at_each_request_and_headers_are_added()
    {
        var token = File("token", "first-token\n");
        var options = new Settings
        {
            PrometheusUrl = Url.ToString(),
            PrometheusBearerTokenFile = token,
            PrometheusCaFile = _caFile,
            PrometheusHeaders = ["X-Scope-OrgID: team-a"],
        };
        var client = new PrometheusClient(PrometheusHttp.Create(options));

        await client.QueryAsync("vector(1)", DateTimeOffset.UtcNow, CancellationToken.None);
        System.IO.File.WriteAllText(token, "rotated-token");
        await client.QueryAsync("vector(1)", DateTimeOffset.UtcNow, CancellationToken.None);

        var requests = _requests.ToArray();
        Assert.Equal(["Bearer first-token", "Bearer rotated-token"], requests.Select(r => r["Authorization"]));
        Assert.All(requests, r => Assert.Equal("team-a", r["X-Scope-OrgID"]));
    }

    [Fact]
    public async Task Basic_auth_sends_the_user_and_the_password_from_its_file()
    {
        var options = new Settings
        {
            PrometheusUrl = Url.ToString(),
            PrometheusUsername = "profiler",
            PrometheusPasswordFile = File("password", "s3cret\n"),
            PrometheusCaFile = _caFile,
        };

        await new PrometheusClient(PrometheusHttp.Create(options)).QueryAsync("vector(1)", DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Equal("Basic " + Convert.ToBase64String("profiler:s3cret"u8.ToArray()), Assert.Single(_requests)["Authorization"]);
    }

    [Fact]
    public async Task Credentials_written_into_the_url_are_sent_as_basic_auth_and_never_printed()
    {
        var withCredentials = new UriBuilder(Url) { UserName = "profiler", Password = "s3cr%40t" }.Uri.ToString();
        var options = new Settings { PrometheusUrl = withCredentials, PrometheusCaFile = _caFile };

        var client = new PrometheusClient(PrometheusHttp.Create(options));
        await client.QueryAsync("vector(1)", DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Equal("Basic " + Convert.ToBase64String("profiler:s3cr@t"u8.ToArray()), Assert.Single(_requests)["Authorization"]);
        await _server.StopAsync();
        var error = await Assert.ThrowsAsync<PrometheusException>(() => client.QueryAsync("vector(1)", DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.DoesNotContain("s3cr", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("profiler@", error.Message, StringComparison.Ordinal);
        Assert.Contains(Url.Authority, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_certificate_from_an_unknown_authority_is_refused()
    {
        var options = new Settings { PrometheusUrl = Url.ToString() };

        var error = await Assert.ThrowsAsync<PrometheusException>(
            () => new PrometheusClient(PrometheusHttp.Create(options)).QueryAsync("vector(1)", DateTimeOffset.UtcNow, CancellationToken.None));

        Assert.Contains("cannot reach Prometheus", error.Message, StringComparison.Ordinal);
        Assert.Empty(_requests);
    }

    [Theory]
    [InlineData("X-Scope-OrgID team-a", "--prometheus-header 'X-Scope-OrgID team-a' is not of the form 'Name: value'")]
    [InlineData(": value", "--prometheus-header ': value' is not of the form 'Name: value'")]
    public void Malformed_headers_are_refused_at_start(string header, string expected)
    {
        var failures = new List<string>();
        PrometheusSettings.Validate(new Settings { PrometheusUrl = "http://p:9090", PrometheusHeaders = [header] }, required: true, failures);

        Assert.Contains(expected, failures);
    }

    /// <summary>The settings as a program would bind them from its flags.</summary>
    private sealed record Settings : IPrometheusSettings
    {
        public string? PrometheusUrl { get; init; }

        public string? PrometheusBearerTokenFile { get; init; }

        public string? PrometheusUsername { get; init; }

        public string? PrometheusPasswordFile { get; init; }

        public string? PrometheusCaFile { get; init; }

        public List<string> PrometheusHeaders { get; init; } = [];

        public Duration PrometheusTimeout { get; init; } = Duration.FromSeconds(60);

        public long MaxSamplesPerAnswer { get; init; } = PrometheusClient.DefaultMaxSamples;
    }
}
