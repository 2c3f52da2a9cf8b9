using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Resorcerer.DevKit;

/// <summary>AdmissionReview requests shaped like the ones kube-apiserver sends, and a client that sends them as it does.</summary>
public static class AdmissionReviews
{
    /// <summary>An <c>admission.k8s.io/v1</c> AdmissionReview carrying the object for the operation.</summary>
    public static string For(JsonNode obj, string operation = "CREATE", string uid = "705ab4f5-6393-11e8-b7cc-42010a800002",
        string kind = "Pod", string ns = "shop", bool dryRun = false) => new JsonObject
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["kind"] = kind },
            ["resource"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["resource"] = kind.ToLowerInvariant() + "s" },
            ["requestKind"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["kind"] = kind },
            ["namespace"] = ns,
            ["operation"] = operation,
            ["userInfo"] = new JsonObject { ["username"] = "system:serviceaccount:kube-system:replicaset-controller" },
            ["object"] = obj.DeepClone(),
            ["oldObject"] = null,
            ["dryRun"] = dryRun,
            ["options"] = new JsonObject { ["apiVersion"] = "meta.k8s.io/v1", ["kind"] = "CreateOptions" },
        },
    }.ToJsonString();

    /// <summary>
    /// An HTTP/2 client that trusts exactly the given (self-signed) certificate, as kube-apiserver trusts the
    /// webhook's CA bundle and nothing else.
    /// </summary>
    public static HttpClient Client(X509Certificate2 certificate, Uri? baseAddress = null) => new(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString() },
    })
    {
        BaseAddress = baseAddress,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>
    /// Posts the review to <c>/mutate</c> until the answer carries a patch or <paramref name="patience"/> runs out,
    /// and returns the last answer. A webhook that has just started may not have read the workload's profile yet
    /// (it then admits the pod unchanged, as it should); a caller that wants to see the patch waits for it.
    /// </summary>
    public static async Task<AdmissionAnswer> PostUntilPatchedAsync(HttpClient client, Uri webhook, string review, TimeSpan patience)
    {
        var until = DateTime.UtcNow + patience;
        for (var attempt = 1; ; attempt++)
        {
            using var response = await client.PostAsync(new Uri(webhook, "/mutate"), new StringContent(review, Encoding.UTF8, "application/json"));
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync());
            var answer = new AdmissionAnswer(response.StatusCode, response.Version, body, attempt);
            if (answer.Patch is not null || DateTime.UtcNow > until || response.StatusCode != HttpStatusCode.OK)
            {
                return answer;
            }

            await Task.Delay(100);
        }
    }
}

/// <summary>The webhook's answer to one AdmissionReview: the HTTP status and version, the review it sent back, and how many posts it took.</summary>
public sealed record AdmissionAnswer(HttpStatusCode Status, Version Version, JsonNode? Review, int Attempts)
{
    public JsonNode? Response => Review?["response"];

    /// <summary>The decoded JSON Patch, or null when the pod was admitted unchanged.</summary>
    public byte[]? Patch => Response?["patch"]?.GetValue<string>() is { } patch ? Convert.FromBase64String(patch) : null;
}
