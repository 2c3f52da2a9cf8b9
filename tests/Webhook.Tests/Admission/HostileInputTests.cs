using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Resorcerer.TestSupport;

namespace Resorcerer.Webhook.Tests.Admission;

/// <summary>Malformed and hostile AdmissionReviews: the webhook answers each one, and never with a server error.</summary>
public sealed class HostileInputTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private WebhookServer _webhook = null!;

    public async Task InitializeAsync() => _webhook = await WebhookServer.StartAsync(redis.Redis.Configuration, "--max-body-bytes", "262144");

    public async Task DisposeAsync() => await _webhook.DisposeAsync();

    private static string Review(string request) => $$"""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{request}}}""";

    public static TheoryData<string, string> WithUid => new()
    {
        { "pod is a string", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","object":"pod"}""") },
        { "pod is an array", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","object":[1,2]}""") },
        { "containers is a number", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","object":{"spec":{"containers":7}}}""") },
        { "quantity is garbage", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","namespace":"shop","object":{"metadata":{"ownerReferences":[{"kind":"ReplicaSet","name":"web-7d4b9c8f6d","controller":true}]},"spec":{"containers":[{"name":"web","resources":{"requests":{"cpu":"lots"}}}]}}}""") },
        { "no object", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE"}""") },
        { "no kind", Review("""{"uid":"u1","operation":"CREATE","object":{}}""") },
        { "unknown kind", Review("""{"uid":"u1","kind":{"group":"apps","kind":"Deployment"},"operation":"CREATE","object":{}}""") },
        { "connect", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CONNECT","object":{}}""") },
        { "huge name", Review("{\"uid\":\"u1\",\"kind\":{\"kind\":\"Pod\"},\"operation\":\"CREATE\",\"namespace\":\"shop\",\"object\":{\"metadata\":{\"generateName\":\"" + new string('x', 100_000) + "\"}}}") },
        { "owner without name", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","namespace":"shop","object":{"metadata":{"ownerReferences":[{"kind":"ReplicaSet"}]}}}""") },
        { "deep nesting inside the pod", Review($$$"""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","object":{"metadata":{"annotations":{"a":"b"}},"x":{{{new string('[', 40)}}}{{{new string(']', 40)}}}}}""") },
        { "unicode and escapes", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","namespace":"sh\u006fp","object":{"metadata":{"generateName":"\ud83d\ude00-"}}}""") },
        // Reviews that cannot be read at all, but whose uid can: answered all the same.
        { "truncated after the uid", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CRE""") },
        { "operation is a number", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":5,"object":{}}""") },
        { "namespace is an object", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","namespace":{"a":1},"object":{}}""") },
        { "kind is a string", Review("""{"uid":"u1","kind":"Pod","operation":"CREATE","object":{}}""") },
        { "dryRun is a string", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","dryRun":"yes","object":{}}""") },
        { "subResource is a number", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","subResource":1,"object":{}}""") },
        { "a lone surrogate in the namespace", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","namespace":"\ud800","object":{}}""") },
        { "a lone surrogate in a container name", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","namespace":"shop","object":{"spec":{"containers":[{"name":"\udfff"}]}}}""") },
        { "nesting deeper than 64 in the pod", Review($$$"""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","object":{"x":{{{new string('[', 100)}}}{{{new string(']', 100)}}}}}""") },
        { "the uid twice, the last one answered", Review("""{"uid":"u0","kind":{"kind":"Pod"},"operation":"CREATE","uid":"u1","object":{}}""") },
        { "the object twice", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","object":{},"object":{}}""") },
        { "spec twice", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","namespace":"shop","object":{"metadata":{"ownerReferences":[{"kind":"ReplicaSet","name":"web-7d4b9c8f6d","controller":true}]},"spec":{"containers":[{"name":"web"}]},"spec":{"containers":[{"name":"web"},{"name":"proxy"}]}}}""") },
        { "resources twice", Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","namespace":"shop","object":{"metadata":{"ownerReferences":[{"kind":"ReplicaSet","name":"web-7d4b9c8f6d","controller":true}]},"spec":{"containers":[{"name":"web","resources":{},"resources":{"requests":{"cpu":"1"}}}]}}}""") },
    };

    [Fact]
    public async Task Invalid_utf8_in_a_review_with_a_uid_is_answered_allowed()
    {
        var head = Encoding.UTF8.GetBytes(Review("""{"uid":"u1","kind":{"kind":"Pod"},"operation":"CREATE","namespace":"shop","object":{"metadata":{"generateName":"web-"""));
        byte[] bad = [0xC3, 0x28, 0xFF];
        var tail = Encoding.UTF8.GetBytes("\"}}}}");
        using var content = new ByteArrayContent([.. head, .. bad, .. tail]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await _webhook.Client.PostAsync("/mutate", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["response"]!;
        Assert.Equal("u1", answer["uid"]!.GetValue<string>());
        Assert.True(answer["allowed"]!.GetValue<bool>());
        Assert.Null(answer["patch"]);
    }

    [Theory]
    [MemberData(nameof(WithUid))]
    public async Task A_review_with_a_uid_always_gets_allowed_with_that_uid(string name, string body)
    {
        using var response = await _webhook.PostAsync(body);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{name}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["response"]!;
        Assert.Equal("u1", answer["uid"]!.GetValue<string>());
        Assert.True(answer["allowed"]!.GetValue<bool>());
        Assert.Null(answer["patch"]);
    }

    public static TheoryData<string, string> WithoutReview => new()
    {
        { "empty", "" },
        { "truncated before the uid", Review("""{"ui""") },
        { "the uid is a lone surrogate", Review("""{"uid":"\ud800","operation":"CREATE"}""") },
        { "uid is a number", Review("""{"uid":12,"operation":"CREATE"}""") },
        { "null", "null" },
        { "array", "[]" },
        { "deeply nested", new string('[', 5000) + new string(']', 5000) },
        { "wrong version", """{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"u1"}}""" },
    };

    [Theory]
    [MemberData(nameof(WithoutReview))]
    public async Task A_body_that_is_not_a_usable_review_gets_400_with_a_reason(string name, string body)
    {
        using var response = await _webhook.PostAsync(body);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: HTTP {(int)response.StatusCode}");
        Assert.Contains("AdmissionReview", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_review_is_answered_from_its_uid_without_being_read_whole()
    {
        var huge = Review("{\"uid\":\"big-1\",\"kind\":{\"kind\":\"Pod\"},\"operation\":\"CREATE\",\"object\":{\"metadata\":{\"annotations\":{\"blob\":\"" + new string('x', 400_000) + "\"}}}}");

        using var response = await _webhook.PostAsync(huge);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["response"]!;
        Assert.Equal("big-1", answer["uid"]!.GetValue<string>());
        Assert.True(answer["allowed"]!.GetValue<bool>());
        Assert.Contains("larger than 262144 bytes", answer["warnings"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_body_without_a_uid_up_front_is_refused()
    {
        var body = "{\"padding\":\"" + new string('x', 300_000) + "\",\"request\":{\"uid\":\"late\"}}";

        using var response = await _webhook.Client.PostAsync("/mutate", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }
}
