using StackExchange.Redis;

namespace Resorcerer.Storage;

/// <summary>Reads a StackExchange.Redis configuration string the way every resorcerer program does.</summary>
public static class RedisSettings
{
    /// <summary>Null when the configuration string is usable, otherwise what is wrong with it.</summary>
    public static string? Check(string configuration)
    {
        try
        {
            var options = ConfigurationOptions.Parse(configuration);
            return options.EndPoints.Count == 0 ? $"'{Redacted(configuration)}' names no host:port" : null;
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
        var options = ConfigurationOptions.Parse(configuration);
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

    /// <summary>The configuration string without its password, for messages and logs.</summary>
    public static string Redacted(string configuration) =>
        string.Join(',', configuration.Split(',').Select(part =>
            part.TrimStart().StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=***" : part));
}
