using Resorcerer.Configuration;

namespace Resorcerer.PrometheusApi;

/// <summary>How a program reaches Prometheus: the settings the profiler and the updater share, under the same flags.</summary>
public interface IPrometheusSettings
{
    string? PrometheusUrl { get; }

    /// <summary>A file holding a bearer token, read at each request (rotated tokens are picked up).</summary>
    string? PrometheusBearerTokenFile { get; }

    string? PrometheusUsername { get; }

    string? PrometheusPasswordFile { get; }

    /// <summary>PEM file of the authorities that may sign the server's certificate.</summary>
    string? PrometheusCaFile { get; }

    /// <summary>Extra request headers, each <c>Name: value</c> (e.g. <c>X-Scope-OrgID: team-a</c>).</summary>
    List<string> PrometheusHeaders { get; }

    Duration PrometheusTimeout { get; }

    /// <summary>Samples one answer may hold; a larger one is refused unread.</summary>
    long MaxSamplesPerAnswer { get; }
}

/// <summary>The flags, help and checks of <see cref="IPrometheusSettings"/>, one definition for every program.</summary>
public static class PrometheusSettings
{
    /// <summary>The command-line options, bound under <paramref name="section"/>.</summary>
    public static IReadOnlyList<CliOption> Options(string section, bool required)
    {
        var s = section + ":";
        return
        [
            new("prometheus-url", s + "PrometheusUrl", "Base URL of the Prometheus HTTP API (Prometheus, Thanos, Mimir or VictoriaMetrics)." + (required ? " Required." : string.Empty) +
                " A user and password in it (http://user:pass@host) are sent as basic authentication and never printed.", "URL"),
            new("prometheus-bearer-token-file", s + "PrometheusBearerTokenFile", "File with a bearer token sent to Prometheus; read at every request, so a rotated token is picked up.", "FILE"),
            new("prometheus-username", s + "PrometheusUsername", "User name for HTTP basic authentication to Prometheus.", "NAME"),
            new("prometheus-password-file", s + "PrometheusPasswordFile", "File with the basic-authentication password.", "FILE"),
            new("prometheus-ca-file", s + "PrometheusCaFile", "PEM file of the certificate authorities that may sign the Prometheus server's certificate.", "FILE"),
            new("prometheus-header", s + "PrometheusHeaders", "An extra request header 'Name: value', e.g. 'X-Scope-OrgID: team-a' for Mimir or Cortex. Give it once per header; in the environment, RESORCERER_PROMETHEUS_HEADER_0, _1, ... one each (or RESORCERER_PROMETHEUS_HEADER, comma-separated).", "HEADER", Repeatable: true),
            new("prometheus-timeout", s + "PrometheusTimeout", "Time limit of one Prometheus request, its answer included.", "DURATION", "60s"),
            new("max-samples-per-answer", s + "MaxSamplesPerAnswer", "Samples one Prometheus answer may hold; a larger answer is refused without being read, and the query split where it can be. Bounds memory: about 250 MB at the default.", "N", PrometheusClient.DefaultMaxSamples.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];
    }

    /// <summary>Adds what is wrong with the settings to <paramref name="failures"/>, each naming its flag.</summary>
    public static void Validate(IPrometheusSettings settings, bool required, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(settings.PrometheusUrl))
        {
            if (required)
            {
                failures.Add("--prometheus-url is required: the base URL of a Prometheus-compatible server, e.g. http://prometheus:9090");
            }
        }
        else if (!Uri.TryCreate(settings.PrometheusUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            failures.Add($"--prometheus-url '{UrlText.Redact(settings.PrometheusUrl)}' is not an http(s) URL");
        }

        foreach (var (flag, file) in new[]
        {
            ("--prometheus-bearer-token-file", settings.PrometheusBearerTokenFile), ("--prometheus-password-file", settings.PrometheusPasswordFile),
            ("--prometheus-ca-file", settings.PrometheusCaFile),
        })
        {
            if (!string.IsNullOrWhiteSpace(file) && !File.Exists(file))
            {
                failures.Add($"{flag}: file '{file}' does not exist");
            }
        }

        if (!string.IsNullOrWhiteSpace(settings.PrometheusBearerTokenFile) && !string.IsNullOrWhiteSpace(settings.PrometheusUsername))
        {
            failures.Add("--prometheus-bearer-token-file and --prometheus-username are two kinds of authentication: give one");
        }

        if (!string.IsNullOrWhiteSpace(settings.PrometheusCaFile) && File.Exists(settings.PrometheusCaFile))
        {
            try
            {
                var authorities = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
                authorities.ImportFromPemFile(settings.PrometheusCaFile);
                if (authorities.Count == 0)
                {
                    failures.Add($"--prometheus-ca-file '{settings.PrometheusCaFile}' holds no PEM certificate");
                }
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                failures.Add($"--prometheus-ca-file '{settings.PrometheusCaFile}' is not a PEM certificate bundle: {e.Message}");
            }
        }

        foreach (var (header, parsed) in settings.PrometheusHeaders.Zip(PrometheusHttp.Headers(settings)))
        {
            if (parsed is null)
            {
                failures.Add($"--prometheus-header '{header}' is not of the form 'Name: value'");
            }
        }

        if (settings.PrometheusTimeout < Duration.FromSeconds(1))
        {
            failures.Add($"--prometheus-timeout {settings.PrometheusTimeout} is too short: use 1s or more");
        }

        if (settings.MaxSamplesPerAnswer is < 10_000 or > 100_000_000)
        {
            failures.Add($"--max-samples-per-answer {settings.MaxSamplesPerAnswer} is out of range: use 10000 to 100000000 (each sample held takes about 40 bytes)");
        }
    }
}
