using System.Collections.Concurrent;
using System.Net;
using System.Text;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Resorcerer.TestSupport;

/// <summary>
/// A stand-in for kube-apiserver on a loopback socket: it answers the paths a test registers with the API's
/// real JSON (objects serialised by KubernetesClient's own serializer) and records what it was asked.
/// </summary>
public sealed class FakeKubernetesApi : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Func<HttpRequest, (int Status, string Body)>> _routes = new();
    private readonly WebApplication _app;

    public ConcurrentQueue<string> Requests { get; } = new();

    private FakeKubernetesApi(WebApplication app) => _app = app;

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

    /// <summary>Answers GET of a path with the object serialised as the API server would.</summary>
    public void Serve(string path, object body) => _routes[path] = _ => (200, KubernetesJson.Serialize(body));

    /// <summary>Answers a path with an error status and a Kubernetes Status object.</summary>
    public void Fail(string path, HttpStatusCode status) => _routes[path] = _ => ((int)status,
        $$"""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected failure","code":{{(int)status}}}""");

    /// <summary>A client configured to talk to this fake, as a kubeconfig would configure it.</summary>
    public IKubernetes Client() => new Kubernetes(new KubernetesClientConfiguration { Host = Url.ToString() });

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        Requests.Enqueue(path + context.Request.QueryString);
        var (status, body) = _routes.TryGetValue(path, out var route)
            ? route(context.Request)
            : (404, $$"""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"{{path}} not found","reason":"NotFound","code":404}""");
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body));
    }
}
