using Resorcerer.TestSupport;

namespace Resorcerer.Kubectl.Tests;

/// <summary>
/// What every plugin test starts from: a fake API server on a loopback socket, a kubeconfig that points at it in a
/// directory of the test's own, and the plugin run as kubectl runs it (a process with that kubeconfig).
/// </summary>
public abstract class PluginTestBase : IAsyncLifetime
{
    protected const string Plugin = "kubectl-resorcerer";

    protected string WorkDirectory { get; } = Directory.CreateTempSubdirectory("kubectl-resorcerer-").FullName;

    protected FakeKubernetesApi Api { get; private set; } = null!;

    protected string Kubeconfig { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await FakeKubernetesApi.StartAsync();
        Kubeconfig = Api.WriteKubeconfig(WorkDirectory);
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        Directory.Delete(WorkDirectory, recursive: true);
    }

    protected Task<ProgramResult> RunAsync(params string[] args) =>
        ProgramRun.RunAsync(Plugin, args, new Dictionary<string, string> { ["KUBECONFIG"] = Kubeconfig });
}
