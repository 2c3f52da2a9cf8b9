using Resorcerer.Quantities;

namespace Resorcerer.Core.Tests.Quantities;

public class QuantityTests
{
    [Theory]
    [InlineData("100m", 100)]
    [InlineData("0.5", 500)]
    [InlineData(".5", 500)]
    [InlineData("1", 1000)]
    [InlineData("2.5", 2500)]
    [InlineData("1e3", 1_000_000)]
    [InlineData("1E-3", 1)]
    [InlineData("1.0001", 1001)] // rounds up, as the API server does
    [InlineData("500u", 1)]
    [InlineData("250000000n", 250)]
    [InlineData("1k", 1_000_000)]
    [InlineData("+2", 2000)]
    [InlineData("0", 0)]
    public void Cpu_quantities_parse_to_millicores(string text, long expected)
    {
        Assert.True(Quantity.TryParseMillicores(text, out var millicores));
        Assert.Equal(expected, millicores);
    }

    [Theory]
    [InlineData("1Ki", 1024)]
    [InlineData("0.5Ki", 512)]
    [InlineData("128974848", 128974848)]
    [InlineData("129e6", 129_000_000)]
    [InlineData("123Mi", 123L * 1024 * 1024)]
    [InlineData("1.5Gi", 1610612736)]
    [InlineData("1M", 1_000_000)]
    [InlineData("1G", 1_000_000_000)]
    [InlineData("2Ti", 2L * 1024 * 1024 * 1024 * 1024)]
    [InlineData("1E", 1_000_000_000_000_000_000)]
    [InlineData("100m", 1)] // a tenth of a byte rounds up to one
    public void Memory_quantities_parse_to_bytes(string text, long expected)
    {
        Assert.True(Quantity.TryParseBytes(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(null)]
    [InlineData("abc")]
    [InlineData("1.2.3")]
    [InlineData("-1")]
    [InlineData("1Qi")]
    [InlineData("e3")]
    [InlineData("1e")]
    [InlineData("Mi")]
    [InlineData(".")]
    [InlineData("1 Mi")]
    [InlineData("1e400")]
    [InlineData("9999999999E")]
    public void Malformed_or_negative_quantities_are_refused(string? text)
    {
        Assert.False(Quantity.TryParseBytes(text, out _));
        Assert.False(Quantity.TryParseMillicores(text, out _));
    }

    [Theory]
    [InlineData(250, "250m")]
    [InlineData(2000, "2")]
    [InlineData(1500, "1500m")]
    [InlineData(0, "0")]
    [InlineData(1, "1m")]
    public void Millicores_format_as_kubernetes_shows_them(long millicores, string expected) =>
        Assert.Equal(expected, Quantity.FormatMillicores(millicores));

    [Theory]
    [InlineData(320L * 1024 * 1024, "320Mi")]
    [InlineData(1024L * 1024 * 1024, "1Gi")]
    [InlineData(1536L * 1024 * 1024, "1536Mi")]
    [InlineData(1024, "1Ki")]
    [InlineData(1000, "1000")]
    [InlineData(0, "0")]
    public void Bytes_format_with_the_largest_exact_binary_suffix(long bytes, string expected) =>
        Assert.Equal(expected, Quantity.FormatBytes(bytes));

    [Theory]
    [InlineData(1, 1024 * 1024)]
    [InlineData(1024 * 1024, 1024 * 1024)]
    [InlineData(1024 * 1024 + 1, 2 * 1024 * 1024)]
    [InlineData(0, 0)]
    public void Bytes_round_up_to_whole_mebibytes(long bytes, long expected) =>
        Assert.Equal(expected, Quantity.RoundUpToMebibytes(bytes));

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(999L)]
    [InlineData(123_456L)]
    public void Formatted_millicores_parse_back_to_the_same_amount(long millicores)
    {
        Assert.True(Quantity.TryParseMillicores(Quantity.FormatMillicores(millicores), out var parsed));
        Assert.Equal(millicores, parsed);
    }
}
