using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Resorcerer.TestSupport;

namespace Resorcerer.Profiler.Tests.Prometheus;

/// <summary>
/// A server that speaks the Prometheus API but answers every range query with twenty million samples (valid JSON,
/// streamed as it is made): the profiler's memory stays bounded, and it fails with a message instead of dying.
/// </summary>
public sealed class HugeAnswerTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const long Samples = 20_000_000;

    private static async Task<WebApplication> StartHugePrometheusAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/api/v1/query", () => Results.Text(
            """{"status":"success","data":{"resultType":"vector","result":[{"metric":{"namespace":"shop","pod":"web-1","owner_kind":"StatefulSet","owner_name":"web"},"value":[1700000000,"1"]}]}}""",
            "application/json"));
        app.MapPost("/api/v1/query_range", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            var body = context.Response.Body;
            await body.WriteAsync("""{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"namespace":"shop","pod":"web-1","container":"web"},"values":["""u8.ToArray());
            // A megabyte of samples at a time, written again and again.
            var block = new StringBuilder();
            const int PerBlock = 40_000;
            for (var i = 0; i < PerBlock; i++)
            {
                block.Append("[1700000000,\"0.25\"],");
            }

            var bytes = Encoding.UTF8.GetBytes(block.ToString());
            for (long written = 0; written < Samples - PerBlock; written += PerBlock)
            {
                await body.WriteAsync(bytes, context.RequestAborted);
            }

            await body.WriteAsync("""[1700000000,"0.25"]]}]}}"""u8.ToArray());
        });
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task An_answer_too_large_to_hold_is_refused_unread_and_the_profiler_stays_within_a_small_heap()
    {
        await using var prometheus = await StartHugePrometheusAsync();

        // Half the chart's memory limit for the whole managed heap: holding the answer would take several GB.
        var result = await ProgramRun.RunAsync("resorcerer-profiler",
            ["--once", "--namespaces", "shop", "--prometheus-url", prometheus.Urls.First(), "--redis", redis.Redis.Configuration,
             "--history", "3h", "--retries", "0"],
            new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x20000000" },
            timeout: TimeSpan.FromMinutes(5));

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}\n{result.Stderr}\n{result.Stdout}");
        Assert.Contains("answered api/v1/query_range with more than", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("(--max-samples-per-answer 4000000)", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("even for one step of namespace shop", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("OutOfMemory", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }
}
