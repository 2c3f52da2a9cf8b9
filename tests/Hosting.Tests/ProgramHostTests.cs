using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Resorcerer.Configuration;

namespace Resorcerer.Hosting.Tests;

public sealed class ProgramHostTests
{
    private static readonly ProgramInfo Program = new("resorcerer-test", "resorcerer-test [options]", "A program for tests.",
        [new CliOption("urls", "urls", "Where to listen.", "URLS")], "", "http://127.0.0.1:0");

    private sealed class Switchable : IReadinessCheck
    {
        public bool Ready { get; set; }

        public Readiness Check() => new(Ready, Ready ? "warmed up" : "still warming up");
    }

    private static WebApplication Build(params string[] args)
    {
        var builder = ProgramHost.CreateBuilder(Program, args, out var exitCode) ?? throw new InvalidOperationException($"exit code {exitCode}");
        builder.Services.AddSingleton<Switchable>().AddSingleton<IReadinessCheck>(provider => provider.GetRequiredService<Switchable>());
        var app = ProgramHost.Build(Program, builder, _ => { }, out exitCode) ?? throw new InvalidOperationException($"exit code {exitCode}");
        app.MapHealthEndpoints();
        return app;
    }

    [Fact]
    public async Task Readyz_says_not_ready_with_503_until_the_programs_check_says_ready()
    {
        await using var app = Build();
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        var readiness = app.Services.GetRequiredService<Switchable>();

        using (var response = await client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("not ready: still warming up", await response.Content.ReadAsStringAsync());
        }

        readiness.Ready = true;
        using (var response = await client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("ok: warmed up", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("process_working_set_bytes", metrics, StringComparison.Ordinal);
        Assert.Contains("dotnet_collection_count_total", metrics, StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task A_port_in_use_is_reported_as_a_problem_with_the_listen_address()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using var app = Build("--urls", $"http://127.0.0.1:{port}");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        Assert.Equal("the address is already in use (another process listens on that port)", ProgramHost.ListenProblem(error));
    }

    [Theory]
    [InlineData("nonsense")]
    [InlineData("http://127.0.0.1:99999")]
    [InlineData("ftp://127.0.0.1:21")]
    public async Task A_malformed_listen_address_is_reported_as_one(string urls)
    {
        await using var app = Build("--urls", urls);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        Assert.NotNull(ProgramHost.ListenProblem(error));
    }

    [Fact]
    public void An_unknown_option_stops_the_program_with_exit_code_two()
    {
        Assert.Null(ProgramHost.CreateBuilder(Program, ["--nope"], out var exitCode));
        Assert.Equal(ProgramHost.InvalidSettings, exitCode);
    }

    [Fact]
    public void Other_failures_at_start_are_not_mistaken_for_listen_problems()
    {
        Assert.Null(ProgramHost.ListenProblem(new InvalidOperationException("the profile store is broken")));
        Assert.Null(ProgramHost.ListenProblem(new IOException("disk full")));
        Assert.Null(ProgramHost.ListenProblem(new ArgumentOutOfRangeException("count")));
    }
}
