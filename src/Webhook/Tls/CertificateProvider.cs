using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Resorcerer.Webhook.Tls;

/// <summary>The serving certificate, loaded from the PEM files given by <c>--tls-cert</c> and <c>--tls-key</c>.</summary>
public sealed class CertificateProvider(IOptions<WebhookOptions> options) : IDisposable
{
    private X509Certificate2? _current;

    public X509Certificate2 Current => _current ??= Load(options.Value);

    public static X509Certificate2 Load(WebhookOptions options)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(options.TlsCert!, options.TlsKey);
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException)
        {
            throw new InvalidDataException(
                $"cannot load the TLS certificate from --tls-cert '{options.TlsCert}' and --tls-key '{options.TlsKey}': {e.Message}", e);
        }
    }

    public void Dispose() => _current?.Dispose();
}
