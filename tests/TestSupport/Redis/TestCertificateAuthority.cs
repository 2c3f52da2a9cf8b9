using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Resorcerer.TestSupport.Redis;

/// <summary>A certificate authority made for one test: its certificate, and server and client certificates it issues, as PEM files.</summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;

    public TestCertificateAuthority(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        var request = new CertificateRequest("CN=resorcerer test CA", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        CaFile = Path.Combine(directory, "ca.crt");
        File.WriteAllText(CaFile, _certificate.ExportCertificatePem());
    }

    public string Directory { get; }

    /// <summary>The CA's certificate (PEM): what a client trusts, and what a server checks client certificates against.</summary>
    public string CaFile { get; }

    /// <summary>A server certificate for 127.0.0.1 and localhost: (certificate file, key file).</summary>
    public (string CertFile, string KeyFile) IssueServer(string name) => Issue(name, "1.3.6.1.5.5.7.3.1", server: true);

    /// <summary>A client certificate, for mutual TLS: (certificate file, key file).</summary>
    public (string CertFile, string KeyFile) IssueClient(string name) => Issue(name, "1.3.6.1.5.5.7.3.2", server: false);

    private (string, string) Issue(string name, string usage, bool server)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var certificate = request.Create(_certificate, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), serial);
        var certFile = Path.Combine(Directory, name + ".crt");
        var keyFile = Path.Combine(Directory, name + ".key");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _key.Dispose();
    }
}
