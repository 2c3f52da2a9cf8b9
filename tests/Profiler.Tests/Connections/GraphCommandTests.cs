using Resorcerer.Profiler.Connections;

namespace Resorcerer.Profiler.Tests.Connections;

public class GraphCommandTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await GraphCommand.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData(new string[0], "--redis is required")]
    [InlineData(new[] { "--redis", "127.0.0.1:6379", "--format", "svg" }, "--format 'svg' is not one of dot, mermaid, json")]
    [InlineData(new[] { "--redis", "127.0.0.1:6379", "--colour", "red" }, "--colour")]
    public async Task Bad_options_exit_2_naming_the_problem_and_print_nothing(string[] args, string expected)
    {
        var (code, stdout, stderr) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_redis_exits_1_without_showing_its_password()
    {
        var (code, stdout, stderr) = await RunAsync("--redis", "127.0.0.1:9,password=hunter2,connectTimeout=500");

        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.Contains("cannot read the profiles from Redis at 127.0.0.1:9,password=***", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_explains_the_formats()
    {
        var (code, stdout, _) = await RunAsync("--help");

        Assert.Equal(0, code);
        Assert.Contains("dot|mermaid|json", stdout, StringComparison.Ordinal);
    }
}
