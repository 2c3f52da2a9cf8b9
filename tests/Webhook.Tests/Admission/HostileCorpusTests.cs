using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.DevKit;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Webhook.Tests.Admission;

/// <summary>
/// Generated hostile AdmissionReviews against the real webhook: wrong types at any field, keys given twice, bad UTF-8,
/// lone surrogates, deep nesting, long strings, quantities at the edges of their grammar. Whatever comes, a review
/// whose uid can be read is allowed with that uid, a patch applies (strictly) to the pod as JSON's last-key-wins reading
/// holds it, and the pod's QoS class never changes (BestEffort may become Burstable).
/// </summary>
public sealed class HostileCorpusTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private const long Mi = 1024 * 1024;
    private const int Cases = 600;
    private WebhookServer _webhook = null!;

    public async Task InitializeAsync()
    {
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.Redis.Configuration))
        {
            var seen = new UsageSummary(1, 1, 1, 1, 1, 4320, DateTimeOffset.UtcNow.AddDays(-3), DateTimeOffset.UtcNow);
            await new RedisProfileStore(connection, NullLogger<RedisProfileStore>.Instance).PutAsync(new WorkloadProfile
            {
                Workload = new WorkloadRef("shop", "Deployment", "web"),
                UpdatedAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60),
                Strategy = "resorcerer",
                Containers = new Dictionary<string, ContainerProfile>
                {
                    ["web"] = new(new ResourceProfile(250, 200, 400, seen), new ResourceProfile(320 * Mi, 300 * Mi, 400 * Mi, seen)),
                    ["proxy"] = new(new ResourceProfile(50, 50, 50, seen), new ResourceProfile(32 * Mi, 32 * Mi, 32 * Mi, seen)),
                    ["mesh"] = new(new ResourceProfile(20, 20, 20, seen), new ResourceProfile(16 * Mi, 16 * Mi, 16 * Mi, seen)),
                },
                LargestNode = new NodeSize(4000, 16 * 1024 * Mi),
            }, CancellationToken.None);
        }

        _webhook = await WebhookServer.StartAsync(redis.Redis.Configuration);
        await _webhook.WaitUntilServedAsync(new WorkloadRef("shop", "Deployment", "web"));
    }

    public async Task DisposeAsync() => await _webhook.DisposeAsync();

    [Fact]
    public async Task Every_generated_review_is_answered_safely()
    {
        var patched = 0;
        for (var seed = 0; seed < Cases; seed++)
        {
            var body = Corpus.Review(new Random(seed), out var mutations);
            var what = $"case {seed} ({string.Join(", ", mutations)}): {Encoding.UTF8.GetString(body)[..Math.Min(body.Length, 600)]}";
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var message = await _webhook.Client.PostAsync("/mutate", content);
            var text = await message.Content.ReadAsStringAsync();
            var oracle = LastKeyWins.TryParse(body);
            var uid = oracle?["request"] is JsonObject request && request["uid"] is JsonValue value && value.TryGetValue<string>(out var u) && u.Length > 0 ? u : null;

            Assert.True(message.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"HTTP {(int)message.StatusCode} for {what}: {text}");
            if (uid is not null && oracle!["apiVersion"]?.ToString() == "admission.k8s.io/v1" && oracle["kind"]?.ToString() == "AdmissionReview")
            {
                Assert.True(message.StatusCode == HttpStatusCode.OK, $"HTTP {(int)message.StatusCode} for {what}: {text}");
            }

            if (message.StatusCode != HttpStatusCode.OK)
            {
                continue;
            }

            var response = JsonNode.Parse(text)!["response"]!;
            Assert.True(response["allowed"]!.GetValue<bool>(), what);
            if (uid is not null)
            {
                Assert.True(uid == response["uid"]!.GetValue<string>(), $"answered {response["uid"]} for {what}");
            }

            if (response["patch"]?.GetValue<string>() is not { } patch)
            {
                continue;
            }

            patched++;
            Assert.True(oracle?["request"]?["object"] is JsonObject, $"a patch for a body that is not JSON with a pod in it: {what}");
            var pod = oracle!["request"]!["object"]!;
            JsonNode after;
            try
            {
                after = JsonPatch.Apply(pod, Convert.FromBase64String(patch));
            }
            catch (JsonPatchException e)
            {
                Assert.Fail($"the patch does not apply ({e.Message}) for {what}\npatch: {Encoding.UTF8.GetString(Convert.FromBase64String(patch))}");
                throw;
            }

            if (KubernetesQos.Of(pod) is { } before && KubernetesQos.Of(after) is { } then)
            {
                Assert.True(before == then || (before == "BestEffort" && then == "Burstable"), $"QoS {before} -> {then} for {what}\npatch: {Encoding.UTF8.GetString(Convert.FromBase64String(patch))}");
            }
        }

        Assert.True(patched > Cases / 10, $"only {patched} of {Cases} reviews were patched: the corpus should keep many pods readable");
    }

    /// <summary>Reviews of a pod of shop/Deployment/web, each with a few hostile changes.</summary>
    private static class Corpus
    {
        private static readonly string[] Quantities =
        [
            "100m", "250m", "1", "2", "0", "0m", "1500u", "2m", "1.5", "1e3", "1E-3", "0.1", "1n", "64Mi", "128Mi", "1Gi", "1.5Gi",
            "1000000000000000000", "8Ei", "+1", "1.", ".5", "-1", "lots", "", "12345678901234567890123", "1e308", "0x10",
        ];

        public static byte[] Review(Random random, out List<string> mutations)
        {
            var pod = Pod(random);
            var review = Obj(
                ("apiVersion", Str("admission.k8s.io/v1")), ("kind", Str("AdmissionReview")),
                ("request", Obj(
                    ("uid", Str($"uid-{random.Next()}")),
                    ("kind", Obj(("group", Str("")), ("version", Str("v1")), ("kind", Str("Pod")))),
                    ("namespace", Str("shop")), ("operation", Str("CREATE")),
                    ("object", pod), ("dryRun", new Raw("false")))));
            mutations = [];
            for (var i = random.Next(0, 4); i > 0; i--)
            {
                mutations.Add(Mutate(random, review));
            }

            var buffer = new MemoryStream();
            review.Write(buffer);
            return buffer.ToArray();
        }

        private static Obj Pod(Random random)
        {
            Node Resources()
            {
                var entries = new List<(string, Node)>();
                foreach (var section in new[] { "requests", "limits" })
                {
                    if (random.Next(3) > 0)
                    {
                        var amounts = new List<(string, Node)>();
                        foreach (var resource in new[] { "cpu", "memory" })
                        {
                            if (random.Next(3) > 0)
                            {
                                amounts.Add((resource, Str(random.Next(4) == 0 ? Quantities[random.Next(Quantities.Length)] : resource == "cpu" ? "200m" : "256Mi")));
                            }
                        }

                        entries.Add((section, new Obj(amounts)));
                    }
                }

                return new Obj(entries);
            }

            Node Container(string name, bool sidecar) => Obj([
                ("name", Str(name)), ("image", Str($"{name}:1")),
                .. sidecar ? [("restartPolicy", Str("Always"))] : Array.Empty<(string, Node)>(),
                .. random.Next(4) > 0 ? [("resources", Resources())] : Array.Empty<(string, Node)>()]);

            return Obj(
                ("apiVersion", Str("v1")), ("kind", Str("Pod")),
                ("metadata", Obj(
                    ("generateName", Str("web-7d4b9c8f6d-")), ("namespace", Str("shop")),
                    ("labels", Obj(("app", Str("web")), ("pod-template-hash", Str("7d4b9c8f6d")))),
                    ("ownerReferences", new Arr([Obj(("apiVersion", Str("apps/v1")), ("kind", Str("ReplicaSet")), ("name", Str("web-7d4b9c8f6d")), ("controller", new Raw("true")))])))),
                ("spec", Obj(
                    ("initContainers", new Arr([Container("mesh", sidecar: true), Container("setup", sidecar: false)])),
                    ("containers", new Arr([Container("web", sidecar: false), Container("proxy", sidecar: false)])))));
        }

        private static string Mutate(Random random, Obj review)
        {
            var objects = new List<Obj>();
            review.Collect(objects);
            var target = objects[random.Next(objects.Count)];
            if (target.Entries.Count == 0)
            {
                return "nothing";
            }

            var index = random.Next(target.Entries.Count);
            var (key, value) = target.Entries[index];
            switch (random.Next(6))
            {
                case 0:
                    Node[] wrong = [new Raw("7"), new Raw("true"), new Raw("null"), new Arr([]), new Obj([]), Str("x")];
                    target.Entries[index] = (key, wrong[random.Next(wrong.Length)]);
                    return $"{key}: wrong type";
                case 1:
                    target.Entries.Insert(random.Next(index + 1, target.Entries.Count + 1), (key, value is Obj obj ? obj.Copy(random) : Str("other")));
                    return $"{key}: twice";
                case 2:
                    target.Entries[index] = (key, new Bytes([.. "ab"u8, (byte)(0x80 + random.Next(64)), 0xC3, .. "z"u8]));
                    return $"{key}: bad UTF-8";
                case 3:
                    target.Entries[index] = (key, new Raw(random.Next(2) == 0 ? "\"\\ud800\"" : "\"x\\udfffy\""));
                    return $"{key}: lone surrogate";
                case 4:
                    var depth = 70 + random.Next(30);
                    target.Entries[index] = (key, new Raw(new string('[', depth) + new string(']', depth)));
                    return $"{key}: deep";
                default:
                    target.Entries[index] = (key, Str(new string('x', random.Next(1000, 200_000))));
                    return $"{key}: long";
            }
        }

        private static Obj Obj(params (string Key, Node Value)[] entries) => new([.. entries]);

        private static Str Str(string text) => new(text);
    }

    private abstract record Node
    {
        public abstract void Write(Stream output);
    }

    /// <summary>An object that may hold a key twice, written as given.</summary>
    private sealed record Obj(List<(string Key, Node Value)> Entries) : Node
    {
        public override void Write(Stream output)
        {
            output.WriteByte((byte)'{');
            for (var i = 0; i < Entries.Count; i++)
            {
                if (i > 0)
                {
                    output.WriteByte((byte)',');
                }

                new Str(Entries[i].Key).Write(output);
                output.WriteByte((byte)':');
                Entries[i].Value.Write(output);
            }

            output.WriteByte((byte)'}');
        }

        public void Collect(List<Obj> into)
        {
            into.Add(this);
            foreach (var (_, value) in Entries)
            {
                (value as Obj)?.Collect(into);
                if (value is Arr array)
                {
                    foreach (var item in array.Items.OfType<Obj>())
                    {
                        item.Collect(into);
                    }
                }
            }
        }

        public Obj Copy(Random random) => new([.. Entries.Where(_ => random.Next(3) > 0)]);
    }

    private sealed record Arr(List<Node> Items) : Node
    {
        public override void Write(Stream output)
        {
            output.WriteByte((byte)'[');
            for (var i = 0; i < Items.Count; i++)
            {
                if (i > 0)
                {
                    output.WriteByte((byte)',');
                }

                Items[i].Write(output);
            }

            output.WriteByte((byte)']');
        }
    }

    private sealed record Str(string Text) : Node
    {
        public override void Write(Stream output) => output.Write(JsonSerializer.SerializeToUtf8Bytes(Text));
    }

    /// <summary>A string holding bytes as they are, valid UTF-8 or not.</summary>
    private sealed record Bytes(byte[] Content) : Node
    {
        public override void Write(Stream output)
        {
            output.WriteByte((byte)'"');
            output.Write(Content);
            output.WriteByte((byte)'"');
        }
    }

    private sealed record Raw(string Json) : Node
    {
        public override void Write(Stream output) => output.Write(Encoding.UTF8.GetBytes(Json));
    }

    /// <summary>
    /// JSON read as JSON's usual last-key-wins rule reads it (a key given twice keeps its last value), with bad UTF-8
    /// read as U+FFFD, as Go's decoder (the API server's) reads it; null when it is not JSON.
    /// </summary>
    private static class LastKeyWins
    {
        public static JsonNode? TryParse(byte[] json)
        {
            try
            {
                using var document = JsonDocument.Parse(Encoding.UTF8.GetString(json), new JsonDocumentOptions { MaxDepth = 1000 });
                return Convert(document.RootElement);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
            {
                return null;
            }
        }

        private static JsonNode? Convert(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Object => Object(element),
            JsonValueKind.Array => new JsonArray([.. element.EnumerateArray().Select(Convert)]),
            JsonValueKind.String => Text(element) is { } text ? JsonValue.Create(text) : null,
            JsonValueKind.Number => JsonValue.Create(element.GetDecimal()),
            JsonValueKind.True => JsonValue.Create(true),
            JsonValueKind.False => JsonValue.Create(false),
            _ => null,
        };

        /// <summary>A string's value; null for one holding a lone surrogate, which has no value as text (such a uid cannot be answered).</summary>
        private static string? Text(JsonElement element)
        {
            try
            {
                return element.GetString()!;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }

        private static JsonObject Object(JsonElement element)
        {
            var result = new JsonObject();
            foreach (var property in element.EnumerateObject())
            {
                result[property.Name] = Convert(property.Value);
            }

            return result;
        }
    }
}
