using Microsoft.Extensions.Configuration;
using Resorcerer.Configuration;

namespace Resorcerer.Core.Tests.Configuration;

public class DurationTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("7d", 604800)]
    [InlineData("2w", 1209600)]
    [InlineData("250ms", 0.25)]
    [InlineData("1m30s", 90)]
    [InlineData("00:05:00", 300)]
    [InlineData("0", 0)]
    public void Parses_prometheus_style_durations(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Duration.Parse(text).Value);

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5x")]
    [InlineData("m5")]
    [InlineData("1.5h")]
    [InlineData("-5m")]
    [InlineData("5 m")]
    public void Refuses_what_is_not_a_duration(string text)
    {
        Assert.False(Duration.TryParse(text, out _));
        var error = Assert.Throws<FormatException>(() => Duration.Parse(text));
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(604800, "1w")]
    [InlineData(86400, "1d")]
    [InlineData(5400, "1h30m")]
    [InlineData(0.25, "250ms")]
    [InlineData(0, "0s")]
    public void Formats_the_shortest_exact_form(double seconds, string expected) =>
        Assert.Equal(expected, Duration.FromSeconds(seconds).ToString());

    private sealed class Settings
    {
        public Duration History { get; set; } = Duration.FromDays(7);
    }

    [Fact]
    public void Configuration_binding_reads_durations_and_names_the_key_on_error()
    {
        var good = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["S:History"] = "3d" }).Build();
        Assert.Equal(TimeSpan.FromDays(3), good.GetSection("S").Get<Settings>()!.History.Value);

        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["S:History"] = "3 days" }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => bad.GetSection("S").Get<Settings>());
        Assert.Contains("S:History", error.Message, StringComparison.Ordinal);
    }
}
