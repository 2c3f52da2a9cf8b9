using Resorcerer.Profiler.Model;
using System.Text;
using System.Text.Json;
using Resorcerer.Profiler.Prometheus;

namespace Resorcerer.Profiler.Tests.Prometheus;

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
        Assert.Equal([new Sample(1700000000, 0.25), new Sample(1700000061, 0.001)], response.Series[0].Samples);
        Assert.Empty(response.Series[1].Samples);
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
