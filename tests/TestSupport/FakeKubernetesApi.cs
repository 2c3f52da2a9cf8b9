using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Resorcerer.TestSupport;

/// <summary>
/// A stand-in for kube-apiserver on a loopback socket: it answers the paths a test registers with the API's
/// real JSON (objects serialised by KubernetesClient's own serializer), streams watch events, keeps Leases with
/// optimistic concurrency as the API server does, keeps pods (see <see cref="FakePods"/>), and records what it was asked.
/// </summary>
public sealed class FakeKubernetesApi : IAsyncDisposable
{
    private const string LeasePrefix = "/apis/coordination.k8s.io/v1/namespaces/";
    private readonly ConcurrentDictionary<string, Func<HttpRequest, (int Status, string Body)>> _routes = new();
    private readonly ConcurrentDictionary<string, WatchFeed> _watches = new();
    private readonly ConcurrentDictionary<string, JsonObject> _leases = new();
    private readonly ConcurrentDictionary<string, Uri> _proxies = new();
    private static readonly HttpClient ProxyClient = new();
    private readonly WebApplication _app;
    private int _resourceVersion = 100;

    public ConcurrentQueue<string> Requests { get; } = new();

    private FakeKubernetesApi(WebApplication app)
    {
        _app = app;
        Pods = new FakePods(() => Interlocked.Increment(ref _resourceVersion));
    }

    /// <summary>The pods this API server keeps, with their resize and eviction subresources and Events.</summary>
    public FakePods Pods { get; }

    public Uri Url { get; private set; } = null!;

    public static async Task<FakeKubernetesApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeKubernetesApi(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.Url = new Uri(app.Urls.First());
        return fake;
    }

    /// <summary>
    /// Makes <c>/api/v1/namespaces/NS/services/NAME:PORT/proxy/...</c> reach <paramref name="backend"/>, as the API
    /// server's service proxy reaches a Service's endpoint: the path after <c>proxy</c> and the query go through,
    /// the backend's status, type and body come back. A service not registered gets the API server's 404, an
    /// unreachable backend its 503.
    /// </summary>
    public void ProxyService(string @namespace, string serviceAndPort, Uri backend) => _proxies[$"/api/v1/namespaces/{@namespace}/services/{serviceAndPort}"] = backend;

    /// <summary>Answers GET of a path with the object serialised as the API server would.</summary>
    public void Serve(string path, object body) => _routes[path] = _ => (200, KubernetesJson.Serialize(body));

    /// <summary>Answers a path with an error status and a Kubernetes Status object.</summary>
    public void Fail(string path, HttpStatusCode status) => _routes[path] = _ => ((int)status,
        $$"""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected failure","code":{{(int)status}}}""");

    /// <summary>Streams watch events for <c>GET path?watch=true</c>; the path's plain GET still answers the list.</summary>
    public WatchFeed Watch(string path) => _watches.GetOrAdd(path, _ => new WatchFeed());

    /// <summary>The Lease as stored, or null.</summary>
    public JsonObject? Lease(string @namespace, string name) =>
        _leases.TryGetValue($"{@namespace}/{name}", out var lease) ? lease : null;

    /// <summary>A client configured to talk to this fake, as a kubeconfig would configure it.</summary>
    public IKubernetes Client() => new Kubernetes(new KubernetesClientConfiguration { Host = Url.ToString() });

    /// <summary>Writes a kubeconfig whose context <paramref name="context"/> (the current one) points at this fake; returns its path.</summary>
    public string WriteKubeconfig(string directory, string context = "fake")
    {
        var path = Path.Combine(directory, "kubeconfig-" + context);
        File.WriteAllText(path, $$$"""
            apiVersion: v1
            kind: Config
            clusters: [{name: {{{context}}}, cluster: {server: "{{{Url}}}"}}]
            users: [{name: {{{context}}}, user: {token: test}}]
            contexts: [{name: {{{context}}}, context: {cluster: {{{context}}}, user: {{{context}}}, namespace: default}}]
            current-context: {{{context}}}
            """);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var feed in _watches.Values)
        {
            feed.Complete();
        }

        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        Requests.Enqueue(context.Request.Method + " " + path + context.Request.QueryString);
        if (path.StartsWith(LeasePrefix, StringComparison.Ordinal) && path.Contains("/leases", StringComparison.Ordinal))
        {
            await LeaseAsync(context, path);
            return;
        }

        if (path.Contains("/proxy", StringComparison.Ordinal) && path.StartsWith("/api/v1/namespaces/", StringComparison.Ordinal) && path.Contains("/services/", StringComparison.Ordinal))
        {
            await ProxyAsync(context, path);
            return;
        }

        if (FakePods.Owns(path))
        {
            try
            {
                await Pods.HandleAsync(context, path);
            }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                // A bug of the fake itself: say what it was, so that the test's failure shows it.
                await WriteAsync(context, 500, Status(500, "InternalError", e.GetType().Name + ": " + e.Message));
            }

            return;
        }

        if (context.Request.Query["watch"] == "true" && _watches.TryGetValue(path, out var feed))
        {
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync();
            await foreach (var line in feed.ReadAsync(context.RequestAborted))
            {
                if (line is null)
                {
                    return; // the server ends this watch; the client must list and watch again
                }

                await context.Response.WriteAsync(line + "\n");
                await context.Response.Body.FlushAsync();
            }

            return;
        }

        var (status, body) = _routes.TryGetValue(path, out var route) ? route(context.Request) : NotFound(path);
        await WriteAsync(context, status, body);
    }

    private async Task ProxyAsync(HttpContext context, string path)
    {
        var at = path.IndexOf("/proxy", StringComparison.Ordinal);
        var service = path[..at];
        if (!_proxies.TryGetValue(service, out var backend))
        {
            var name = service[(service.LastIndexOf('/') + 1)..].Split(':')[0];
            await WriteAsync(context, 404, Status(404, "NotFound", $"services \"{name}\" not found"));
            return;
        }

        try
        {
            using var answer = await ProxyClient.GetAsync(new Uri(backend, path[(at + "/proxy".Length)..] + context.Request.QueryString), context.RequestAborted);
            context.Response.StatusCode = (int)answer.StatusCode;
            context.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
            await answer.Content.CopyToAsync(context.Response.Body);
        }
        catch (HttpRequestException e)
        {
            await WriteAsync(context, 503, Status(503, "ServiceUnavailable", $"error trying to reach service: {e.Message}"));
        }
    }

    /// <summary>GET, POST and PUT of coordination.k8s.io/v1 Leases, refusing stale updates with 409 as the API server does.</summary>
    private async Task LeaseAsync(HttpContext context, string path)
    {
        var parts = path[LeasePrefix.Length..].Split('/'); // {namespace}/leases[/{name}]
        var ns = parts[0];
        if (context.Request.Method == "GET" && parts.Length == 3)
        {
            var (status, body) = _leases.TryGetValue($"{ns}/{parts[2]}", out var lease) ? (200, lease.ToJsonString()) : NotFound(path);
            await WriteAsync(context, status, body);
            return;
        }

        var sent = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var name = sent["metadata"]!["name"]!.GetValue<string>();
        var key = $"{ns}/{name}";
        lock (_leases)
        {
            if (context.Request.Method == "POST" && _leases.ContainsKey(key))
            {
                _ = WriteAsync(context, 409, Status(409, "AlreadyExists", $"leases \"{name}\" already exists"));
                return;
            }

            if (context.Request.Method == "PUT"
                && (!_leases.TryGetValue(key, out var current)
                    || current["metadata"]!["resourceVersion"]!.GetValue<string>() != sent["metadata"]?["resourceVersion"]?.GetValue<string>()))
            {
                _ = WriteAsync(context, 409, Status(409, "Conflict", $"the object has been modified; please apply your changes to the latest version"));
                return;
            }

            sent["metadata"]!["resourceVersion"] = Interlocked.Increment(ref _resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
            sent["metadata"]!["namespace"] = ns;
            _leases[key] = sent;
        }

        await WriteAsync(context, context.Request.Method == "POST" ? 201 : 200, sent.ToJsonString());
    }

    private static (int, string) NotFound(string path) => (404, Status(404, "NotFound", $"{path} not found"));

    private static string Status(int code, string reason, string message) =>
        $$"""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"{{message.Replace("\"", "\\\"", StringComparison.Ordinal)}}","reason":"{{reason}}","code":{{code}}}""";

    private static async Task WriteAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body));
    }

    /// <summary>Events for one watched path, sent in order to whichever watch connection is open.</summary>
    public sealed class WatchFeed
    {
        private readonly Channel<string?> _events = Channel.CreateUnbounded<string?>();

        /// <summary>Sends an event (ADDED, MODIFIED, DELETED, BOOKMARK) with the object as the API serialises it.</summary>
        public void Send(string type, object item) =>
            _events.Writer.TryWrite($$"""{"type":"{{type}}","object":{{KubernetesJson.Serialize(item)}}}""");

        /// <summary>Ends the open watch connection, as the API server does after its timeout.</summary>
        public void Close() => _events.Writer.TryWrite(null);

        internal void Complete() => _events.Writer.TryComplete();

        internal IAsyncEnumerable<string?> ReadAsync(CancellationToken cancellationToken) => _events.Reader.ReadAllAsync(cancellationToken);
    }
}
