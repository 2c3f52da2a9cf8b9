using Resorcerer.TestSupport;

namespace Resorcerer.EndToEnd.Tests;

/// <summary>The README's first command runs this program; it must keep working.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task The_demo_runs_the_whole_path_and_exits_zero()
    {
        var result = await ProgramRun.RunAsync("resorcerer-demo", [], timeout: TimeSpan.FromMinutes(5));

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.Contains("3 profile(s) written", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("resorcerer.io/profile: shop/Deployment/checkout", result.Stdout, StringComparison.Ordinal);
        // The report: the three running checkout pods ask for 500m and 2Gi each (kube-state-metrics in the sample).
        Assert.Matches(@"shop/Deployment/checkout +app +3 +500m +\d+m +2Gi +\d+Mi", result.Stdout);
        Assert.Contains("3 container(s);", result.Stdout, StringComparison.Ordinal);
        // The dashboard was served, with a row per profiled container, and the demo says how to keep it open.
        Assert.Matches(@"Dashboard  http://127\.0\.0\.1:\d+/ \(GET / -> 3 container rows;", result.Stdout);
        Assert.Contains("./demo.sh --serve", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("over HTTP/2.0, allowed: true", result.Stdout, StringComparison.Ordinal);
        // Ready means loaded: the first admission after it is patched.
        Assert.Contains("GET /readyz -> HTTP 200: ok: 3 profiles in memory", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("without a patch while the webhook warmed up", result.Stdout, StringComparison.Ordinal);
        // checkout -> payments gateway: 4.5 requests/s and their responses, 850 bytes each, 0.4% failing.
        Assert.Matches("n3 -->\\|\"5[34]\\d(\\.\\d)? rpm, 3\\.\\d kB/s, 0\\.4% errors\"\\| n1", result.Stdout);
        Assert.Contains("resorcerer.io/connection-profile: {\"out\":[{\"peer\":\"payments/Deployment/gateway\"", result.Stdout, StringComparison.Ordinal);
    }
}
