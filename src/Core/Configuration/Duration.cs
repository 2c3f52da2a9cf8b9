using System.ComponentModel;
using System.Globalization;
using System.Text;

namespace Resorcerer.Configuration;

/// <summary>
/// A length of time written the way Prometheus and Kubernetes users write it: <c>90s</c>, <c>5m</c>,
/// <c>1h30m</c>, <c>7d</c>, <c>2w</c>. Options bind it from configuration through its type converter,
/// so a bad value fails at start-up with the setting's name.
/// </summary>
[TypeConverter(typeof(DurationConverter))]
public readonly record struct Duration(TimeSpan Value) : IComparable<Duration>
{
    private static readonly (string Unit, TimeSpan Length)[] Units =
    [
        ("w", TimeSpan.FromDays(7)), ("d", TimeSpan.FromDays(1)), ("h", TimeSpan.FromHours(1)),
        ("ms", TimeSpan.FromMilliseconds(1)), ("m", TimeSpan.FromMinutes(1)), ("s", TimeSpan.FromSeconds(1)),
    ];

    public static Duration FromSeconds(double seconds) => new(TimeSpan.FromSeconds(seconds));

    public static Duration FromMinutes(double minutes) => new(TimeSpan.FromMinutes(minutes));

    public static Duration FromHours(double hours) => new(TimeSpan.FromHours(hours));

    public static Duration FromDays(double days) => new(TimeSpan.FromDays(days));

    public static Duration Parse(string text) =>
        TryParse(text, out var duration)
            ? duration
            : throw new FormatException(
                $"'{text}' is not a duration: use whole numbers with units (ms, s, m, h, d, w), e.g. 250ms, 30s, 5m, 1h30m, 7d.");

    public static bool TryParse(string? text, out Duration duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var timeSpan))
        {
            duration = new Duration(timeSpan);
            return timeSpan >= TimeSpan.Zero;
        }

        if (text == "0")
        {
            return true;
        }

        var total = TimeSpan.Zero;
        var position = 0;
        while (position < text.Length)
        {
            var start = position;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }

            if (position == start || position == text.Length
                || !long.TryParse(text.AsSpan(start, position - start), NumberStyles.None, CultureInfo.InvariantCulture, out var amount)
                || amount > 1_000_000)
            {
                return false;
            }

            // "ms" is listed before "m", so milliseconds are not read as minutes.
            var rest = text[position..];
            var unit = Array.FindIndex(Units, u => rest.StartsWith(u.Unit, StringComparison.Ordinal));
            if (unit < 0)
            {
                return false;
            }

            total += Units[unit].Length * amount;
            position += Units[unit].Unit.Length;
        }

        duration = new Duration(total);
        return true;
    }

    /// <summary>The shortest exact form (to the millisecond), e.g. <c>1h30m</c>; also valid in PromQL range selectors.</summary>
    public override string ToString()
    {
        if (Value == TimeSpan.Zero)
        {
            return "0s";
        }

        var builder = new StringBuilder();
        var remaining = TimeSpan.FromMilliseconds(Math.Ceiling(Value.TotalMilliseconds));
        foreach (var (unit, length) in Units.OrderByDescending(u => u.Length))
        {
            var count = remaining.Ticks / length.Ticks;
            if (count > 0)
            {
                builder.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
                remaining -= length * count;
            }
        }

        return builder.ToString();
    }

    /// <summary>A length of time rounded for people: whole days, hours, minutes or seconds, e.g. <c>3d</c>, <c>5h</c>.</summary>
    public static Duration Round(TimeSpan span) => new(span switch
    {
        { TotalDays: >= 2 } => TimeSpan.FromDays(Math.Round(span.TotalDays)),
        { TotalHours: >= 2 } => TimeSpan.FromHours(Math.Round(span.TotalHours)),
        { TotalMinutes: >= 2 } => TimeSpan.FromMinutes(Math.Round(span.TotalMinutes)),
        _ => TimeSpan.FromSeconds(Math.Max(0, Math.Round(span.TotalSeconds))),
    });

    public int CompareTo(Duration other) => Value.CompareTo(other.Value);

    public static bool operator <(Duration left, Duration right) => left.Value < right.Value;

    public static bool operator >(Duration left, Duration right) => left.Value > right.Value;

    public static bool operator <=(Duration left, Duration right) => left.Value <= right.Value;

    public static bool operator >=(Duration left, Duration right) => left.Value >= right.Value;

    public static implicit operator TimeSpan(Duration duration) => duration.Value;
}

/// <summary>Lets configuration binding read <see cref="Duration"/> from text.</summary>
public sealed class DurationConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text ? Duration.Parse(text) : base.ConvertFrom(context, culture, value);

    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        destinationType == typeof(string) && value is Duration duration
            ? duration.ToString()
            : base.ConvertTo(context, culture, value, destinationType);
}
