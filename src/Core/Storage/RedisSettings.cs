using StackExchange.Redis;

namespace Resorcerer.Storage;

/// <summary>
/// Reads a StackExchange.Redis configuration string the way every resorcerer program does. Beside the library's own
/// options (<c>password=</c>, <c>user=</c>, <c>ssl=true</c>, <c>sslHost=</c>, <c>serviceName=</c> for Sentinel, ...)
/// it takes three of resorcerer's, for TLS with certificates from files (as Kubernetes mounts Secrets):
/// <c>sslCaFile=</c> (trust servers whose certificate this CA issued), <c>sslCertFile=</c> and <c>sslKeyFile=</c>
/// (PEM client certificate and key, for mutual TLS). Any of them turns <c>ssl</c> on.
/// </summary>
public static class RedisSettings
{
    public const string CaFileKey = "sslCaFile";
    public const string CertFileKey = "sslCertFile";
    public const string KeyFileKey = "sslKeyFile";

    /// <summary>Null when the configuration string is usable, otherwise what is wrong with it.</summary>
    public static string? Check(string configuration)
    {
        try
        {
            var (rest, files) = SplitFiles(configuration);
            foreach (var (key, path) in files)
            {
                if (!File.Exists(path))
                {
                    return $"{key}: file '{path}' does not exist";
                }
            }

            if (files.ContainsKey(CertFileKey) != files.ContainsKey(KeyFileKey))
            {
                return $"{CertFileKey}= and {KeyFileKey}= go together: a client certificate needs its key";
            }

            var options = ConfigurationOptions.Parse(rest);
            if (options.EndPoints.Count == 0)
            {
                return $"'{Redacted(configuration)}' names no host:port";
            }

            // Load the certificates now, so that a file that is not one is named at start.
            _ = Parse(configuration);
            return null;
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            return $"the certificate files ({string.Join(", ", SplitFiles(configuration).Files.Select(f => $"{f.Key}={f.Value}"))}) cannot be read as PEM: {e.Message}";
        }
        catch (ArgumentException e)
        {
            return $"'{Redacted(configuration)}' is not a StackExchange.Redis configuration string: {e.Message}";
        }
    }

    /// <summary>
    /// Options for a connection that keeps trying in the background when Redis is down, so that a program
    /// starts (and fails open) instead of crashing; callers that must reach Redis check with PING.
    /// </summary>
    public static ConfigurationOptions Parse(string configuration, TimeSpan? operationTimeout = null)
    {
        var (rest, files) = SplitFiles(configuration);
        var options = ConfigurationOptions.Parse(rest);
        if (files.TryGetValue(CaFileKey, out var ca))
        {
            options.Ssl = true;
            options.TrustIssuer(ca);
        }

        if (files.TryGetValue(CertFileKey, out var cert) && files.TryGetValue(KeyFileKey, out var key))
        {
            options.Ssl = true;
            options.SetUserPemCertificate(cert, key);
        }
        options.AbortOnConnectFail = false;
        // While disconnected, fail at once instead of queueing: callers fall back (admit unchanged, keep state in memory).
        options.BacklogPolicy = BacklogPolicy.FailFast;
        if (operationTimeout is { } timeout)
        {
            options.SyncTimeout = options.AsyncTimeout = (int)timeout.TotalMilliseconds;
            options.ConnectTimeout = Math.Min(options.ConnectTimeout, (int)timeout.TotalMilliseconds * 4);
        }

        return options;
    }

    /// <summary>What went wrong with Redis, in a line a person can act on: a refused password says so.</summary>
    public static string Describe(Exception e)
    {
        // The reason a connection failed is often in an inner exception ("last connection exception").
        for (var inner = (Exception?)e; inner is not null; inner = inner.InnerException)
        {
            if (inner is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure }
                || inner.Message.Contains("AuthenticationFailure", StringComparison.Ordinal)
                || inner.Message.StartsWith("WRONGPASS", StringComparison.Ordinal) || inner.Message.StartsWith("NOAUTH", StringComparison.Ordinal))
            {
                return "Redis refused the credentials: check password= (and user=, for an ACL user) in the Redis configuration string";
            }
        }

        return e is RedisConnectionException connection ? $"Redis cannot be reached ({connection.FailureType})" : e.Message;
    }

    /// <summary>The configuration string without resorcerer's certificate-file options, and those options.</summary>
    private static (string Remaining, Dictionary<string, string> Files) SplitFiles(string configuration)
    {
        var files = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var rest = new List<string>();
        foreach (var part in configuration.Split(','))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals > 0 ? part[..equals].Trim() : string.Empty;
            if (key.Equals(CaFileKey, StringComparison.OrdinalIgnoreCase) || key.Equals(CertFileKey, StringComparison.OrdinalIgnoreCase)
                || key.Equals(KeyFileKey, StringComparison.OrdinalIgnoreCase))
            {
                files[new[] { CaFileKey, CertFileKey, KeyFileKey }.First(k => k.Equals(key, StringComparison.OrdinalIgnoreCase))] = part[(equals + 1)..].Trim();
            }
            else
            {
                rest.Add(part);
            }
        }

        return (string.Join(',', rest), files);
    }

    /// <summary>The configuration string without its password, for messages and logs.</summary>
    public static string Redacted(string configuration) =>
        string.Join(',', configuration.Split(',').Select(part =>
            part.TrimStart().StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=***" : part));
}
