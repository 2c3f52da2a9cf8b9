using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Resorcerer.Webhook.Tls;

/// <summary>
/// The serving certificate, loaded from the PEM files given by <c>--tls-cert</c> and <c>--tls-key</c> and
/// reloaded when their content changes (cert-manager renews by swapping the mounted files). New connections get
/// the new certificate; open ones are not dropped. A half-written or mismatched pair keeps the previous one.
/// </summary>
public sealed class CertificateProvider(IOptions<WebhookOptions> options, TimeProvider time, ILogger<CertificateProvider> logger)
    : BackgroundService
{
    private readonly object _lock = new();
    private X509Certificate2? _current;
    private byte[]? _loadedHash;
    private byte[]? _refusedHash;

    public X509Certificate2 Current
    {
        get
        {
            lock (_lock)
            {
                return _current ??= Load(options.Value, out _loadedHash);
            }
        }
    }

    /// <summary>Checks the files now; true when a new certificate was loaded.</summary>
    public bool Reload()
    {
        var settings = options.Value;
        byte[] hash;
        try
        {
            hash = Hash(settings);
        }
        catch (IOException e)
        {
            logger.LogWarning("Cannot read the TLS files: {Error}; keeping the current certificate", e.Message);
            return false;
        }

        lock (_lock)
        {
            if (_loadedHash is not null && hash.AsSpan().SequenceEqual(_loadedHash))
            {
                return false;
            }

            try
            {
                var certificate = Load(settings, out var loaded);
                var previous = _current;
                _current = certificate;
                _loadedHash = loaded;
                logger.LogInformation("Serving the renewed TLS certificate {Subject}, valid until {NotAfter:u}", certificate.Subject, certificate.NotAfter.ToUniversalTime());
                // The previous certificate may still be in use by a handshake in flight: let the GC retire it.
                GC.KeepAlive(previous);
                return true;
            }
            catch (InvalidDataException e)
            {
                if (_refusedHash is null || !hash.AsSpan().SequenceEqual(_refusedHash))
                {
                    logger.LogWarning("{Error}; keeping the current certificate until the files are complete", e.Message);
                    _refusedHash = hash;
                }

                return false;
            }
        }
    }

    public static X509Certificate2 Load(WebhookOptions options, out byte[] hash)
    {
        try
        {
            hash = Hash(options);
            using var pem = X509Certificate2.CreateFromPemFile(options.TlsCert!, options.TlsKey);
            // Re-import so that the key is usable by the TLS stack on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException)
        {
            throw new InvalidDataException(
                $"cannot load the TLS certificate from --tls-cert '{options.TlsCert}' and --tls-key '{options.TlsKey}': {e.Message}", e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrEmpty(options.Value.TlsCert))
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.TlsReloadInterval.Value, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Reload();
        }
    }

    private static byte[] Hash(WebhookOptions options) =>
        SHA256.HashData(File.ReadAllBytes(options.TlsCert!).Concat(File.ReadAllBytes(options.TlsKey!)).ToArray());
}
