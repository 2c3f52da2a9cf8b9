using Resorcerer.Configuration;

namespace Resorcerer.Core.Tests.Configuration;

public class UrlTextTests
{
    [Theory]
    [InlineData("http://user:secret@prometheus:9090/api", "http://***@prometheus:9090/api")]
    [InlineData("https://token@mimir.example/prometheus?x=1", "https://***@mimir.example/prometheus?x=1")]
    [InlineData("http://prometheus:9090", "http://prometheus:9090")]
    [InlineData("user:secret@host", "***@host")]
    [InlineData("", "")]
    public void Credentials_are_never_shown(string url, string shown) => Assert.Equal(shown, UrlText.Redact(url));

    [Fact]
    public void Credentials_are_read_out_unescaped_and_the_url_kept_without_them()
    {
        var url = new Uri("http://pro%3Afiler:s3cr%40t@prometheus:9090/");

        Assert.Equal(("pro:filer", "s3cr@t"), UrlText.Credentials(url));
        Assert.Equal("http://prometheus:9090/", UrlText.WithoutCredentials(url).ToString());
        Assert.Null(UrlText.Credentials(new Uri("http://prometheus:9090/")));
    }
}
