namespace Resorcerer.Configuration;

/// <summary>URLs as messages may show them: never with the credentials a user wrote into them.</summary>
public static class UrlText
{
    /// <summary>The URL with any <c>user:password@</c> part replaced by <c>***@</c>; text that is not a URL is left as it is, minus what looks like credentials.</summary>
    public static string Redact(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return string.Empty;
        }

        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var start = scheme < 0 ? 0 : scheme + 3;
        var end = url.IndexOfAny(['/', '?', '#'], start);
        var authority = end < 0 ? url[start..] : url[start..end];
        var at = authority.LastIndexOf('@');
        return at < 0 ? url : url[..start] + "***@" + authority[(at + 1)..] + (end < 0 ? string.Empty : url[end..]);
    }

    /// <summary>The user name and password written into a URL (unescaped), or null when it has none.</summary>
    public static (string User, string Password)? Credentials(Uri url)
    {
        if (string.IsNullOrEmpty(url.UserInfo))
        {
            return null;
        }

        var colon = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? (Uri.UnescapeDataString(url.UserInfo), string.Empty)
            : (Uri.UnescapeDataString(url.UserInfo[..colon]), Uri.UnescapeDataString(url.UserInfo[(colon + 1)..]));
    }

    /// <summary>The URL without its credentials.</summary>
    public static Uri WithoutCredentials(Uri url) =>
        string.IsNullOrEmpty(url.UserInfo) ? url : new UriBuilder(url) { UserName = string.Empty, Password = string.Empty }.Uri;
}
