using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.DevKit;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Webhook.Tests.Admission;

/// <summary>POST /mutate over real HTTPS and HTTP/2, with profiles in a real Redis.</summary>
public sealed class AdmissionEndpointTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private const long Mi = 1024 * 1024;

    // Relative to the real clock: the webhook holds back profiles older than --max-profile-age (7 d).
    private static readonly DateTimeOffset Updated = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600);
    private WebhookServer _webhook = null!;

    public async Task InitializeAsync()
    {
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.Redis.Configuration))
        {
            var store = new RedisProfileStore(connection, NullLogger<RedisProfileStore>.Instance);
            await store.PutAsync(WebProfile(), CancellationToken.None);
        }

        _webhook = await WebhookServer.StartAsync(redis.Redis.Configuration);
        await _webhook.WaitUntilServedAsync(WebProfile().Workload);
    }

    public async Task DisposeAsync() => await _webhook.DisposeAsync();

    private static WorkloadProfile WebProfile()
    {
        var seen = new UsageSummary(1, 1, 1, 1, 1, 4320, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(3));
        return new WorkloadProfile
        {
            Workload = new WorkloadRef("shop", "Deployment", "web"),
            UpdatedAt = Updated,
            Strategy = "percentile",
            Containers = new Dictionary<string, ContainerProfile>
            {
                ["web"] = new(new ResourceProfile(250, 200, 400, seen), new ResourceProfile(320 * Mi, 300 * Mi, 400 * Mi, seen)),
                ["proxy"] = new(new ResourceProfile(50, 50, 50, seen), new ResourceProfile(32 * Mi, 32 * Mi, 32 * Mi, seen)),
            },
        };
    }

    private static async Task<JsonObject> ResponseOf(HttpResponseMessage message)
    {
        Assert.Equal(HttpStatusCode.OK, message.StatusCode);
        var body = await message.Content.ReadAsByteArrayAsync();
        Assert.Equal(body.Length, message.Content.Headers.ContentLength);
        Assert.Equal("application/json", message.Content.Headers.ContentType?.MediaType);
        var review = JsonNode.Parse(body)!.AsObject();
        Assert.Equal("admission.k8s.io/v1", review["apiVersion"]!.GetValue<string>());
        Assert.Equal("AdmissionReview", review["kind"]!.GetValue<string>());
        var response = review["response"]!.AsObject();
        Assert.True(response["allowed"]!.GetValue<bool>());
        return response;
    }

    [Fact]
    public async Task A_new_deployment_pod_gets_its_profile_through_a_patch_that_applies()
    {
        using var message = await _webhook.PostAsync(Reviews.For(Reviews.NewDeploymentPod));

        Assert.Equal(HttpVersion.Version20, message.Version);
        var response = await ResponseOf(message);
        Assert.Equal("705ab4f5-6393-11e8-b7cc-42010a800002", response["uid"]!.GetValue<string>());
        Assert.Equal("JSONPatch", response["patchType"]!.GetValue<string>());

        var patched = JsonPatch.Apply(JsonNode.Parse(Reviews.NewDeploymentPod)!, Convert.FromBase64String(response["patch"]!.GetValue<string>()));

        var web = patched["spec"]!["containers"]![0]!["resources"]!;
        Assert.Equal("250m", web["requests"]!["cpu"]!.GetValue<string>());
        Assert.Equal("320Mi", web["requests"]!["memory"]!.GetValue<string>());
        Assert.Null(web["limits"]);
        var proxy = patched["spec"]!["containers"]![1]!["resources"]!;
        Assert.Equal("50m", proxy["requests"]!["cpu"]!.GetValue<string>());
        Assert.Equal("32Mi", proxy["requests"]!["memory"]!.GetValue<string>());
        Assert.Equal("64Mi", proxy["limits"]!["memory"]!.GetValue<string>()); // 128Mi limit kept its 2:1 ratio

        var annotations = patched["metadata"]!["annotations"]!;
        Assert.Equal("shop/Deployment/web", annotations["resorcerer.io/profile"]!.GetValue<string>());
        Assert.Equal(Updated.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            annotations["resorcerer.io/profile-updated"]!.GetValue<string>());
        Assert.Equal("""{"web":"250m","proxy":"50m"}""", annotations["resorcerer.io/cpu-profile"]!.GetValue<string>());
        Assert.Equal("""{"web":"320Mi","proxy":"32Mi"}""", annotations["resorcerer.io/memory-profile"]!.GetValue<string>());
        Assert.Equal(
            "web: cpu request unset -> 250m, memory request unset -> 320Mi; proxy: cpu request 100m -> 50m, memory request 64Mi -> 32Mi, memory limit 128Mi -> 64Mi",
            annotations["resorcerer.io/updates"]!.GetValue<string>());

        // Nothing outside resources and annotations moved.
        patched["spec"]!["containers"]![0]!.AsObject().Remove("resources");
        patched["spec"]!["containers"]![1]!.AsObject().Remove("resources");
        patched["metadata"]!.AsObject().Remove("annotations");
        var original = JsonNode.Parse(Reviews.NewDeploymentPod)!;
        original["spec"]!["containers"]![1]!.AsObject().Remove("resources");
        Assert.True(JsonNode.DeepEquals(original, patched));
    }

    [Theory]
    [InlineData("no profile", "web-7d4b9c8f6d", "unknown-5c6d7f8b9")]
    [InlineData("skip label", "\"app\":\"web\"", "\"app\":\"web\",\"resorcerer.io/skip\":\"true\"")]
    [InlineData("no owner", "\"ownerReferences\"", "\"notOwners\"")]
    public async Task Pods_that_should_not_change_are_allowed_without_a_patch(string name, string find, string replace)
    {
        var pod = Reviews.NewDeploymentPod.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Reviews.NewDeploymentPod, pod);

        var response = await ResponseOf(await _webhook.PostAsync(Reviews.For(pod)));

        Assert.True(response["patch"] is null, name);
        Assert.Null(response["warnings"]);
    }

    [Theory]
    [InlineData("UPDATE", "Pod")]
    [InlineData("DELETE", "Pod")]
    [InlineData("CREATE", "Deployment")]
    public async Task Other_operations_and_kinds_are_allowed_without_a_patch(string operation, string kind)
    {
        var response = await ResponseOf(await _webhook.PostAsync(Reviews.For(Reviews.NewDeploymentPod, operation, kind: kind)));
        Assert.Null(response["patch"]);
    }

    [Fact]
    public async Task A_pod_that_cannot_be_read_is_allowed_with_a_warning_and_counted()
    {
        var pod = Reviews.NewDeploymentPod.Replace("\"containers\":[", "\"containers\":\"oops\",\"x\":[", StringComparison.Ordinal);

        var response = await ResponseOf(await _webhook.PostAsync(Reviews.For(pod, uid: "bad-pod")));

        Assert.Equal("bad-pod", response["uid"]!.GetValue<string>());
        Assert.Null(response["patch"]);
        Assert.Contains("pod admitted unchanged", response["warnings"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        var metrics = await _webhook.Client.GetStringAsync("/metrics");
        Assert.Contains("resorcerer_webhook_admissions_total{outcome=\"error\",reason=\"malformed_pod\"} 1", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json at all", "is not an admission.k8s.io/v1 AdmissionReview")]
    [InlineData("""{"foo":1}""", "is not an admission.k8s.io/v1 AdmissionReview (apiVersion '', kind '')")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"x"}}""", "apiVersion 'admission.k8s.io/v1beta1'")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""", "has no request.uid")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}""", "is not an admission.k8s.io/v1 AdmissionReview")]
    public async Task A_body_that_is_not_an_admission_review_gets_400_saying_why(string body, string expected)
    {
        using var message = await _webhook.PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, message.StatusCode);
        Assert.Contains(expected, await message.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","operation":5}}""", "request.operation is a number, not a string")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","dryRun":"yes"}}""", "request.dryRun is a string, not true or false")]
    public async Task A_review_that_cannot_be_read_but_names_its_uid_is_allowed_saying_why_and_counted(string body, string expected)
    {
        var response = await ResponseOf(await _webhook.PostAsync(body));

        Assert.Equal("x", response["uid"]!.GetValue<string>());
        Assert.Null(response["patch"]);
        var warning = response["warnings"]![0]!.GetValue<string>();
        Assert.StartsWith("resorcerer: the admission request could not be read", warning, StringComparison.Ordinal);
        Assert.Contains(expected, warning, StringComparison.Ordinal);
        Assert.Contains("pod admitted unchanged", warning, StringComparison.Ordinal);
        var metrics = await _webhook.Client.GetStringAsync("/metrics");
        Assert.Contains("resorcerer_webhook_admissions_total{outcome=\"error\",reason=\"malformed_review\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_redis_unreachable_pods_are_admitted_unchanged_with_a_warning()
    {
        await using var webhook = await WebhookServer.StartAsync("127.0.0.1:9,connectTimeout=500");

        var response = await ResponseOf(await webhook.PostAsync(Reviews.For(Reviews.NewDeploymentPod)));

        Assert.Null(response["patch"]);
        // In the words of whoever creates the pod; what Redis said goes to the log.
        Assert.Equal("resorcerer: the webhook has not loaded the profiles from Redis yet; pod admitted unchanged", response["warnings"]![0]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/healthz", "ok")]
    [InlineData("/readyz", "ok")]
    [InlineData("/metrics", "resorcerer_webhook_profile_lookups_total")]
    [InlineData("/metrics", "process_working_set_bytes")]
    [InlineData("/metrics", "dotnet_collection_count_total{generation=\"0\"}")]
    public async Task Health_and_metrics_answer(string path, string expected)
    {
        await _webhook.PostAsync(Reviews.For(Reviews.NewDeploymentPod));
        Assert.Contains(expected, await _webhook.Client.GetStringAsync(path), StringComparison.Ordinal);
    }
}
