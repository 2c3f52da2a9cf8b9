using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Resorcerer.Configuration;

namespace Resorcerer.PrometheusApi;

/// <summary>
/// The HTTP client for the Prometheus API, set up for real deployments: a bearer token read from a file at each
/// request (so rotated tokens are picked up), basic auth, a private CA for TLS, and extra headers such as the
/// tenant header of Mimir or Cortex (<c>X-Scope-OrgID</c>).
/// </summary>
public static class PrometheusHttp
{
    public static HttpClient Create(IPrometheusSettings options)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (!string.IsNullOrWhiteSpace(options.PrometheusCaFile))
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(options.PrometheusCaFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null && (errors == SslPolicyErrors.None || IssuedBy(new X509Certificate2(certificate), authorities, errors));
        }

        // Credentials written into the URL are sent as basic authentication, and kept out of the address (and so
        // out of every message that names it).
        var url = new Uri(options.PrometheusUrl!.TrimEnd('/') + "/");
        return new HttpClient(new AuthenticatingHandler(options, UrlText.Credentials(url)) { InnerHandler = handler })
        {
            BaseAddress = UrlText.WithoutCredentials(url),
            Timeout = options.PrometheusTimeout.Value,
        };
    }

    /// <summary>The headers <c>--prometheus-header</c> asks for, as (name, value); null names a malformed one.</summary>
    public static IEnumerable<(string Name, string Value)?> Headers(IPrometheusSettings options) =>
        options.PrometheusHeaders.Select(header => header.IndexOf(':', StringComparison.Ordinal) is var colon and > 0
            ? ((string, string)?)(header[..colon].Trim(), header[(colon + 1)..].Trim())
            : null);

    private static bool IssuedBy(X509Certificate2 certificate, X509Certificate2Collection authorities, SslPolicyErrors errors)
    {
        // Only chain errors may be forgiven, and only when the chain ends in one of the given authorities.
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private sealed class AuthenticatingHandler(IPrometheusSettings options, (string User, string Password)? fromUrl) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!string.IsNullOrWhiteSpace(options.PrometheusBearerTokenFile))
            {
                var token = (await File.ReadAllTextAsync(options.PrometheusBearerTokenFile, cancellationToken)).Trim();
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            else if (!string.IsNullOrWhiteSpace(options.PrometheusUsername))
            {
                var password = string.IsNullOrWhiteSpace(options.PrometheusPasswordFile)
                    ? string.Empty
                    : (await File.ReadAllTextAsync(options.PrometheusPasswordFile, cancellationToken)).TrimEnd('\r', '\n');
                var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.PrometheusUsername}:{password}"));
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
            }
            else if (fromUrl is { } written)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{written.User}:{written.Password}")));
            }

            foreach (var header in Headers(options))
            {
                if (header is { } parsed)
                {
                    request.Headers.Remove(parsed.Name);
                    request.Headers.TryAddWithoutValidation(parsed.Name, parsed.Value);
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
