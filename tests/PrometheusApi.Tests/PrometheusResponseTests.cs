using System.Text;
using System.Text.Json;
using Resorcerer.Usage;

namespace Resorcerer.PrometheusApi.Tests;

public class PrometheusResponseTests
{
    private static PrometheusResponse Parse(string json) => PrometheusResponse.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_matrix_becomes_series_with_their_labels_and_samples()
    {
        var response = Parse("""
            {"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"namespace":"shop","pod":"web-1","container":"web"},"values":[[1700000000,"0.25"],[1700000060.7,"1e-3"],[1700000120,"NaN"],[1700000180,"+Inf"]]},
              {"metric":{},"values":[]}]},"warnings":["ignored"]}
            """);

        Assert.Equal("success", response.Status);
        Assert.Equal(2, response.Series.Count);
        Assert.Equal("web-1", response.Series[0].Label("pod"));
        // NaN and infinities are kept as Prometheus gave them: what is learned from is decided later, and counted.
        Assert.Equal([new Sample(1700000000, 0.25), new Sample(1700000061, 0.001), new Sample(1700000120, double.NaN), new Sample(1700000180, double.PositiveInfinity)],
            response.Series[0].Samples);
        Assert.Empty(response.Series[1].Samples);
    }

    [Fact]
    public void An_answer_with_more_samples_than_allowed_is_refused_as_soon_as_it_is_seen()
    {
        var json = Encoding.UTF8.GetBytes("""
            {"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"],[3,"3"]]},{"metric":{},"values":[[1,"1"]]}]}}
            """);

        Assert.Equal(4, PrometheusResponse.Parse(json, maxSamples: 4).Series.Sum(s => s.Samples.Count));
        var error = Assert.Throws<PrometheusAnswerTooLargeException>(() => PrometheusResponse.Parse(json, maxSamples: 3));
        Assert.Equal("more than 3 samples", error.Message);
    }

    [Fact]
    public void A_vector_gives_one_sample_per_series()
    {
        var response = Parse("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1700000000,"42"]}]}}""");

        Assert.Equal([new Sample(1700000000, 42)], Assert.Single(response.Series).Samples);
    }

    [Fact]
    public void An_error_answer_keeps_its_type_and_message()
    {
        var response = Parse("""{"status":"error","errorType":"bad_data","error":"parse error at char 5"}""");

        Assert.Equal(("error", "bad_data", "parse error at char 5"), (response.Status, response.ErrorType, response.Error));
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html>502 Bad Gateway</html>")]
    [InlineData("""{"status":"success","data":{"result":[{"values":[[1,"2"]""")]
    [InlineData("""{"status":"success","data":{"result":[{"values":[["1","2"]]}]}}""")]
    public void Anything_else_is_refused(string body) => Assert.ThrowsAny<JsonException>(() => Parse(body));
}
