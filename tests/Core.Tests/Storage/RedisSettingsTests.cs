using Resorcerer.Storage;
using Resorcerer.TestSupport.Redis;

namespace Resorcerer.Core.Tests.Storage;

public sealed class RedisSettingsTests
{
    [Theory]
    [InlineData("redis:6379,sslCaFile=/nonexistent/ca.crt", "sslCaFile: file '/nonexistent/ca.crt' does not exist")]
    [InlineData("redis:6379,sslCertFile=FILE", "sslCertFile= and sslKeyFile= go together")]
    [InlineData("redis:6379,sslCaFile=FILE", "cannot be read as PEM")]
    [InlineData("password=x", "names no host:port")]
    [InlineData("redis:6379,bogus=1", "is not a StackExchange.Redis configuration string")]
    public void A_bad_configuration_is_named(string configuration, string expected)
    {
        var file = Path.GetTempFileName();
        try
        {
            Assert.Contains(expected, RedisSettings.Check(configuration.Replace("FILE", file, StringComparison.Ordinal)), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Sentinel_and_acl_settings_pass_through_and_a_ca_file_turns_tls_on()
    {
        var directory = Directory.CreateTempSubdirectory("resorcerer-ca-").FullName;
        try
        {
            using var authority = new TestCertificateAuthority(directory);
            var ca = authority.CaFile;
            var options = RedisSettings.Parse($"s1:26379,s2:26379,serviceName=mymaster,user=resorcerer,password=pw,SSLCAFILE={ca}");

            Assert.Equal(2, options.EndPoints.Count);
            Assert.Equal("mymaster", options.ServiceName);
            Assert.Equal(("resorcerer", "pw"), (options.User, options.Password));
            Assert.True(options.Ssl);
            Assert.Null(RedisSettings.Check($"s1:26379,serviceName=mymaster,sslCaFile={ca}"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_password_is_left_out_of_messages() =>
        Assert.Equal("redis:6379,user=u,password=***", RedisSettings.Redacted("redis:6379,user=u,password=secret"));
}
