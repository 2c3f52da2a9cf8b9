using System.Collections;
using System.Text;

namespace Resorcerer.Configuration;

/// <summary>
/// One setting of a program, reachable the same way from the command line (<c>--name</c>),
/// the environment (<c>RESORCERER_NAME</c>) and appsettings.json (<see cref="ConfigKey"/>).
/// </summary>
/// <param name="Name">Command-line name without the dashes, e.g. <c>prometheus-url</c>.</param>
/// <param name="ConfigKey">Configuration key, e.g. <c>Profiler:PrometheusUrl</c>.</param>
/// <param name="Help">One or two sentences for <c>--help</c>.</param>
/// <param name="ValueName">Placeholder shown in help, e.g. <c>URL</c>; null for a switch.</param>
/// <param name="Default">The default, as shown in help.</param>
/// <param name="Repeatable">May be given more than once; values bind as a list.</param>
public sealed record CliOption(
    string Name,
    string ConfigKey,
    string Help,
    string? ValueName = null,
    string? Default = null,
    bool Repeatable = false)
{
    public bool IsSwitch => ValueName is null;

    public string EnvironmentVariable => "RESORCERER_" + Name.ToUpperInvariant().Replace('-', '_');
}

/// <summary>The outcome of reading a command line: configuration values, a help request, or an error.</summary>
public sealed record CommandLineResult(IReadOnlyDictionary<string, string?> Values, bool HelpRequested, string? Error)
{
    public bool IsValid => Error is null;
}

/// <summary>
/// A strict command-line reader: unknown options and missing values are errors that name the option,
/// rather than settings silently ignored.
/// </summary>
public static class CommandLine
{
    public static CommandLineResult Parse(IReadOnlyList<string> args, IReadOnlyList<CliOption> options)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help" or "help")
            {
                return new CommandLineResult(values, true, null);
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                return Fail($"unexpected argument '{arg}': options start with --");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[2..equals] : arg[2..];
            var option = options.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase));
            if (option is null)
            {
                return Fail($"unknown option --{name}");
            }

            string value;
            if (equals > 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (option.IsSwitch)
            {
                value = "true";
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                return Fail($"option --{name} needs a value ({option.ValueName})");
            }

            if (option.IsSwitch && !bool.TryParse(value, out _))
            {
                return Fail($"option --{name} is a switch: give it alone or as --{name}=true|false, not '{value}'");
            }

            if (option.Repeatable)
            {
                counts.TryGetValue(option.ConfigKey, out var index);
                values[$"{option.ConfigKey}:{index}"] = value;
                counts[option.ConfigKey] = index + 1;
            }
            else
            {
                values[option.ConfigKey] = value;
            }
        }

        return new CommandLineResult(values, false, null);

        static CommandLineResult Fail(string error) => new(new Dictionary<string, string?>(), false, error);
    }

    /// <summary>
    /// Reads the <c>RESORCERER_*</c> variables of the given options from an environment block. A repeatable option
    /// takes <c>NAME_0</c>, <c>NAME_1</c>, ... one value each, verbatim (so a value may hold commas), or else
    /// <c>NAME</c> with comma-separated values.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> FromEnvironment(IReadOnlyList<CliOption> options, IDictionary environment)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var option in options)
        {
            if (option.Repeatable)
            {
                var items = Numbered(option.EnvironmentVariable).ToList();
                if (items.Count == 0 && environment[option.EnvironmentVariable] is string joined)
                {
                    items = [.. joined.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                }

                for (var i = 0; i < items.Count; i++)
                {
                    values[$"{option.ConfigKey}:{i}"] = items[i];
                }
            }
            else if (environment[option.EnvironmentVariable] is string value && value.Length > 0)
            {
                values[option.ConfigKey] = value;
            }
        }

        return values;

        IEnumerable<string> Numbered(string variable)
        {
            for (var i = 0; environment[$"{variable}_{i}"] is string item; i++)
            {
                if (item.Length > 0)
                {
                    yield return item;
                }
            }
        }
    }

    /// <summary>
    /// A subcommand's settings: its <c>RESORCERER_*</c> variables from this process's environment, with the parsed
    /// flags over them (flags win).
    /// </summary>
    public static Dictionary<string, string?> Settings(CommandLineResult cli, IReadOnlyList<CliOption> options)
    {
        var values = new Dictionary<string, string?>(FromEnvironment(options, Environment.GetEnvironmentVariables()), StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in cli.Values)
        {
            values[key] = value;
        }

        return values;
    }

    /// <summary>Help text: usage, description and one entry per option with its variable and default.</summary>
    public static string Help(string usage, string description, IReadOnlyList<CliOption> options, string? footer = null)
    {
        var text = new StringBuilder();
        text.AppendLine($"Usage: {usage}").AppendLine().AppendLine(description).AppendLine().AppendLine("Options:");
        foreach (var option in options)
        {
            var flag = option.IsSwitch ? $"--{option.Name}" : $"--{option.Name} {option.ValueName}";
            text.AppendLine($"  {flag}");
            foreach (var line in Wrap(option.Help, 72))
            {
                text.AppendLine($"      {line}");
            }

            var details = $"env {option.EnvironmentVariable}, config {option.ConfigKey}";
            if (option.Default is not null)
            {
                details += $", default {option.Default}";
            }

            text.AppendLine($"      ({details})");
        }

        text.AppendLine("  -h, --help").AppendLine("      Show this help and exit.");
        if (footer is not null)
        {
            text.AppendLine().AppendLine(footer);
        }

        return text.ToString();
    }

    private static IEnumerable<string> Wrap(string text, int width)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + word.Length + 1 > width)
            {
                yield return line.ToString();
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : string.Empty).Append(word);
        }

        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }
}
