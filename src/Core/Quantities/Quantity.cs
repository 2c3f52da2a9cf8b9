using System.Globalization;

namespace Resorcerer.Quantities;

/// <summary>
/// Kubernetes resource quantities as integers: CPU in millicores, memory in bytes.
/// Parsing follows the Kubernetes grammar (decimal and binary suffixes, exponents) and rounds
/// up, as the API server does; formatting picks the shortest exact suffix.
/// </summary>
public static class Quantity
{
    private static readonly (string Suffix, decimal Factor)[] Suffixes =
    [
        ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024),
        ("Ti", 1024m * 1024 * 1024 * 1024), ("Pi", 1024m * 1024 * 1024 * 1024 * 1024),
        ("Ei", 1024m * 1024 * 1024 * 1024 * 1024 * 1024),
        ("n", 0.000000001m), ("u", 0.000001m), ("m", 0.001m), ("k", 1000m), ("M", 1e6m),
        ("G", 1e9m), ("T", 1e12m), ("P", 1e15m), ("E", 1e18m),
    ];

    private const long Ki = 1024, Mi = Ki * 1024, Gi = Mi * 1024, Ti = Gi * 1024;

    /// <summary>Parses a quantity such as <c>250m</c>, <c>0.5</c>, <c>1e3</c> or <c>1Gi</c> to its exact value.</summary>
    public static bool TryParse(string? text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 64)
        {
            return false;
        }

        text = text.Trim();
        var number = text;
        var factor = 1m;
        var exponent = text.IndexOfAny(['e', 'E']);
        if (exponent > 0 && exponent < text.Length - 1 && text[exponent + 1] is '+' or '-' or (>= '0' and <= '9'))
        {
            if (!int.TryParse(text.AsSpan(exponent + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var power)
                || power is > 18 or < -9)
            {
                return false;
            }

            number = text[..exponent];
            factor = power >= 0 ? Pow10(power) : 1m / Pow10(-power);
        }
        else
        {
            foreach (var (suffix, suffixFactor) in Suffixes)
            {
                if (text.EndsWith(suffix, StringComparison.Ordinal) && text.Length > suffix.Length)
                {
                    number = text[..^suffix.Length];
                    factor = suffixFactor;
                    break;
                }
            }
        }

        if (number.Length == 0 || number == "." || number.Any(char.IsWhiteSpace)
            || !decimal.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
                CultureInfo.InvariantCulture, out var mantissa))
        {
            return false;
        }

        try
        {
            value = mantissa * factor;
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>Parses a CPU quantity to millicores, rounding up. Negative and absurd values are rejected.</summary>
    public static bool TryParseMillicores(string? text, out long millicores) =>
        TryScale(text, 1000m, out millicores);

    /// <summary>Parses a memory quantity to bytes, rounding up. Negative and absurd values are rejected.</summary>
    public static bool TryParseBytes(string? text, out long bytes) => TryScale(text, 1m, out bytes);

    /// <summary>Formats millicores as Kubernetes would show them: <c>250m</c>, <c>2</c>.</summary>
    public static string FormatMillicores(long millicores) =>
        millicores % 1000 == 0
            ? (millicores / 1000).ToString(CultureInfo.InvariantCulture)
            : millicores.ToString(CultureInfo.InvariantCulture) + "m";

    /// <summary>Formats bytes with the largest binary suffix that keeps the value exact: <c>320Mi</c>, <c>1Gi</c>.</summary>
    public static string FormatBytes(long bytes)
    {
        foreach (var (unit, suffix) in new[] { (Ti, "Ti"), (Gi, "Gi"), (Mi, "Mi"), (Ki, "Ki") })
        {
            if (bytes != 0 && bytes % unit == 0)
            {
                return (bytes / unit).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Rounds bytes up to a whole number of MiB, so recommendations read well.</summary>
    public static long RoundUpToMebibytes(long bytes) => bytes <= 0 ? 0 : (bytes + Mi - 1) / Mi * Mi;

    private static bool TryScale(string? text, decimal scale, out long result)
    {
        result = 0;
        if (!TryParse(text, out var value) || value < 0)
        {
            return false;
        }

        try
        {
            var scaled = decimal.Ceiling(value * scale);
            if (scaled > long.MaxValue / 4)
            {
                return false;
            }

            result = (long)scaled;
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private static decimal Pow10(int power)
    {
        var result = 1m;
        for (var i = 0; i < power; i++)
        {
            result *= 10;
        }

        return result;
    }
}
