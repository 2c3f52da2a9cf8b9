namespace Resorcerer.Kubectl;

/// <summary>
/// The plugin's command line as kubectl users write it: a command, positional arguments, and flags anywhere among
/// them, long (<c>--namespace ns</c>, <c>--namespace=ns</c>) or short (<c>-n ns</c>). Unknown flags are errors that
/// name them.
/// </summary>
public sealed class PluginArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _switches = new(StringComparer.Ordinal);
    private readonly List<string> _positional = [];

    private PluginArguments()
    {
    }

    public IReadOnlyList<string> Positional => _positional;

    public string? Error { get; private set; }

    public bool Help => _switches.Contains("help");

    public string? Value(string name) => _values.GetValueOrDefault(name);

    public bool Switch(string name) => _switches.Contains(name);

    /// <summary>Parses <paramref name="args"/> given the flags that take a value and the switches, each with its short form if any.</summary>
    public static PluginArguments Parse(IReadOnlyList<string> args, IReadOnlyDictionary<string, char?> valued, IReadOnlyDictionary<string, char?> switches)
    {
        var result = new PluginArguments();
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (token == "--")
            {
                result._positional.AddRange(args.Skip(i + 1));
                break;
            }

            if (!token.StartsWith('-') || token == "-")
            {
                result._positional.Add(token);
                continue;
            }

            var flag = token.Split('=', 2)[0];
            var inline = token.Length > flag.Length ? token[(flag.Length + 1)..] : null;
            var name = flag.StartsWith("--", StringComparison.Ordinal) ? flag[2..]
                : flag.Length == 2 ? valued.Concat(switches).FirstOrDefault(f => f.Value == flag[1]).Key ?? (flag == "-h" ? "help" : null)
                : null;
            if (name == "help")
            {
                result._switches.Add("help");
            }
            else if (name is not null && valued.ContainsKey(name))
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : null);
                if (string.IsNullOrEmpty(value))
                {
                    result.Error = $"{flag} needs a value";
                    return result;
                }

                result._values[name] = value;
            }
            else if (name is not null && switches.ContainsKey(name) && inline is null)
            {
                result._switches.Add(name);
            }
            else
            {
                result.Error = $"unknown flag {flag}";
                return result;
            }
        }

        return result;
    }
}
