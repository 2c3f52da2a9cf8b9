namespace Resorcerer.TestSupport.Redis;

/// <summary>The ACL the README documents for resorcerer's Redis user; the tests run every program's work under it.</summary>
public static class RedisAcl
{
    /// <summary>
    /// Keys and channels limited to resorcerer's prefix (plus the channel StackExchange.Redis announces master changes
    /// on); every command except the dangerous ones, plus the few of them resorcerer uses: INFO (the client learns the
    /// server's role), RESTORE (an unreadable checkpoint is copied aside) and CLUSTER|NODES (the client's view of a cluster).
    /// </summary>
    public const string Rules = "on resetkeys ~resorcerer:* resetchannels &resorcerer:* &__Booksleeve_MasterChanged -@all +@all -@dangerous +info +restore +cluster|nodes";

    /// <summary>The redis-cli arguments that create the user with the password.</summary>
    public static string[] SetUser(string user, string password) => ["ACL", "SETUSER", user, .. Rules.Split(' '), ">" + password];
}
