using Microsoft.Extensions.Options;

namespace Resorcerer.Configuration;

/// <summary>Turns start-up failures of configuration binding and validation into lines that name the flag.</summary>
public static class SettingsErrors
{
    /// <summary>True for the exceptions that mean "a setting is wrong" rather than "the program is broken".</summary>
    public static bool IsSettingsError(Exception e) =>
        e is OptionsValidationException
        || (e is InvalidOperationException && e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal));

    public static IEnumerable<string> Describe(Exception e, IReadOnlyList<CliOption> options)
    {
        if (e is OptionsValidationException validation)
        {
            return validation.Failures;
        }

        // "Failed to convert configuration value 'x' at 'Section:Key' to type ..." and the parser's own reason.
        var option = options.FirstOrDefault(o => e.Message.Contains($"'{o.ConfigKey}'", StringComparison.OrdinalIgnoreCase));
        var reason = e.InnerException?.Message ?? e.Message;
        return [option is null ? reason : $"--{option.Name}: {reason}"];
    }
}
