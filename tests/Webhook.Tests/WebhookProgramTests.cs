using Resorcerer.DevKit;
using Resorcerer.TestSupport;

namespace Resorcerer.Webhook.Tests;

public sealed class WebhookProgramTests
{
    private const string Program = "resorcerer-webhook";

    [Theory]
    [InlineData(new[] { "--redis", "r:6379" }, "--tls-cert and --tls-key are required to serve https://0.0.0.0:8443")]
    [InlineData(new[] { "--tls-cert", "/nonexistent/tls.crt", "--tls-key", "/nonexistent/tls.key" }, "--redis is required")]
    [InlineData(new[] { "--redis", "r:6379", "--tls-cert", "/nonexistent/tls.crt", "--tls-key", "/nonexistent/tls.key" }, "--tls-cert: file '/nonexistent/tls.crt' does not exist")]
    [InlineData(new[] { "--redis", "r:6379", "--urls", "http://127.0.0.1:0", "--redis-timeout", "2m" }, "--redis-timeout 2m is out of range")]
    [InlineData(new[] { "--redis", "r:6379", "--urls", "http://127.0.0.1:0", "--sync-interval", "1 minute" }, "--sync-interval: '1 minute' is not a duration")]
    [InlineData(new[] { "--redis", "r:6379", "--urls", "http://127.0.0.1:0", "--sync-interval", "10ms" }, "--sync-interval 10ms is out of range")]
    [InlineData(new[] { "--redis", "r:6379", "--urls", "http://127.0.0.1:0", "--max-start-wait", "2h" }, "--max-start-wait 2h is out of range")]
    public async Task Bad_settings_exit_two_naming_the_setting(string[] args, string expected)
    {
        var result = await ProgramRun.RunAsync(Program, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_exits_two_naming_urls()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var result = await ProgramRun.RunAsync(Program, ["--redis", "127.0.0.1:9,connectTimeout=200", "--urls", $"http://127.0.0.1:{port}"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--urls 'http://127.0.0.1:{port}': the address is already in use", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_that_does_not_match_is_refused_at_start()
    {
        var directory = Directory.CreateTempSubdirectory().FullName;
        var (cert, _, _) = DevCertificates.Write(Path.Combine(directory, "a"));
        var (_, otherKey, _) = DevCertificates.Write(Path.Combine(directory, "b"));

        var result = await ProgramRun.RunAsync(Program, ["--redis", "r:6379", "--tls-cert", cert, "--tls-key", otherKey]);
        Directory.Delete(directory, recursive: true);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot load the TLS certificate", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_explains_every_option()
    {
        var result = await ProgramRun.RunAsync(Program, ["--help"]);

        Assert.Equal(0, result.ExitCode);
        foreach (var option in WebhookCli.Options)
        {
            Assert.Contains("--" + option.Name, result.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_program_carries_the_gc_settings_its_speed_depends_on_in_its_own_runtime_configuration()
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "resorcerer-webhook.runtimeconfig.json")))!;
        var properties = config["runtimeOptions"]!["configProperties"]!;

        Assert.True(properties["System.GC.Server"]!.GetValue<bool>());
        Assert.Equal(0, properties["System.GC.DynamicAdaptationMode"]!.GetValue<int>());
        Assert.Equal(2, properties["System.GC.HeapCount"]!.GetValue<int>());
    }
}
