using System.Text;
using Resorcerer.Sizing;
using Resorcerer.Webhook.Patching;

namespace Resorcerer.Webhook.Tests.Patching;

public class PodReaderTests
{
    private static AdmittedPod Read(string json)
    {
        return PodReader.Read(Encoding.UTF8.GetBytes(json));
    }

    [Fact]
    public void Reads_containers_sidecars_and_init_containers_with_their_amounts_and_paths()
    {
        var pod = Read("""
            {"metadata":{"namespace":"shop","labels":{"app":"web"},"annotations":{},"ownerReferences":[{"kind":"ReplicaSet","name":"web-5d8f7","controller":true}]},
             "spec":{
               "containers":[
                 {"name":"web","image":"nginx","resources":{"requests":{"cpu":"0.5","memory":"1Gi"},"limits":{"cpu":2,"memory":"129e6"}}},
                 {"name":"bare"}],
               "initContainers":[
                 {"name":"mesh","restartPolicy":"Always","resources":{"requests":{"cpu":"100m"}}},
                 {"name":"setup","resources":{}}]}}
            """);

        Assert.Equal("shop", pod.Namespace);
        Assert.Equal("web", pod.Labels["app"]);
        Assert.Equal(new OwnerReference("ReplicaSet", "web-5d8f7", true), Assert.Single(pod.Owners));
        Assert.True(pod.Resources.HasAnnotations);
        Assert.Collection(pod.Resources.Containers,
            web => Assert.Equal(new ContainerResources("/spec/containers/0", "web", ContainerRole.Container, true, true, true,
                new ResourceAmounts(500, 1L << 30), new ResourceAmounts(2000, 129_000_000)), web),
            bare => Assert.Equal(new ContainerResources("/spec/containers/1", "bare", ContainerRole.Container, false, false, false, default, default), bare),
            mesh => Assert.Equal(new ContainerResources("/spec/initContainers/0", "mesh", ContainerRole.Sidecar, true, true, false,
                new ResourceAmounts(100, null), default), mesh),
            setup => Assert.Equal(new ContainerResources("/spec/initContainers/1", "setup", ContainerRole.Init, true, false, false, default, default), setup));
    }

    [Fact]
    public void Absent_and_null_parts_read_as_absent()
    {
        var pod = Read("""{"metadata":{"labels":null,"annotations":null},"spec":{"containers":[{"name":"a","resources":{"requests":null,"limits":{"cpu":null}}}]}}""");

        Assert.Empty(pod.Labels);
        Assert.Empty(pod.Owners);
        Assert.False(pod.Resources.HasAnnotations);
        var container = Assert.Single(pod.Resources.Containers);
        Assert.False(container.HasRequests);
        Assert.True(container.HasLimits);
        Assert.Equal(default, container.Limits);
        Assert.Empty(Read("{}").Resources.Containers);
    }

    [Fact]
    public void Reads_fields_in_any_order_and_passes_over_the_rest()
    {
        var pod = Read("""
            {"status":{"phase":"Pending","conditions":[{"type":"x"}]},
             "spec":{"volumes":[{"name":"v","emptyDir":{}}],"initContainers":[{"resources":{"limits":{"memory":"1Gi"}},"restartPolicy":"Always","name":"mesh"}],
                     "containers":[{"resources":{"requests":{"memory":"1Gi","cpu":"250m","nvidia.com/gpu":"1"}},"env":[{"name":"A","value":"{"}],"name":"app"}]},
             "metadata":{"ownerReferences":[{"controller":false,"name":"j-1","kind":"Job"}],"managedFields":[{"manager":"m","fieldsV1":{"f:spec":{}}}],"namespace":"batch"}}
            """);

        Assert.Equal("batch", pod.Namespace);
        Assert.Equal(new OwnerReference("Job", "j-1", false), Assert.Single(pod.Owners));
        Assert.False(pod.Resources.HasAnnotations);
        Assert.Collection(pod.Resources.Containers,
            app => Assert.Equal(new ContainerResources("/spec/containers/0", "app", ContainerRole.Container, true, true, false,
                new ResourceAmounts(250, 1L << 30), default), app),
            mesh => Assert.Equal(new ContainerResources("/spec/initContainers/0", "mesh", ContainerRole.Sidecar, true, false, true,
                default, new ResourceAmounts(null, 1L << 30)), mesh));
    }

    [Fact]
    public void Paths_go_on_past_the_first_containers()
    {
        var containers = string.Join(",", Enumerable.Range(0, 10).Select(i => $$"""{"name":"c{{i}}"}"""));

        var pod = Read($$$"""{"spec":{"containers":[{{{containers}}}]}}""");

        Assert.Equal("/spec/containers/9", pod.Resources.Containers[9].Path);
        Assert.Equal("c9", pod.Resources.Containers[9].Name);
    }

    [Theory]
    [InlineData("""[]""", "the pod is a list, not an object")]
    [InlineData("""{"spec":{"containers":7}}""", "spec.containers is a number, not a list")]
    [InlineData("""{"spec":{"containers":[{"name":"a"},"b"]}}""", "spec.containers[1] is a string, not an object")]
    [InlineData("""{"spec":{"initContainers":[{"name":"a","resources":{"requests":{"memory":"lots"}}}]}}""", "spec.initContainers[0].resources.requests.memory 'lots' is not a quantity resorcerer can read")]
    [InlineData("""{"spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":true}}}]}}""", "spec.containers[0].resources.limits.cpu is a boolean, not a quantity")]
    [InlineData("""{"metadata":{"labels":{"app":1}}}""", "metadata.labels.app is a number, not a string")]
    [InlineData("""{"metadata":{"ownerReferences":[{"kind":"ReplicaSet","controller":"yes"}]}}""", "metadata.ownerReferences[0].controller is a string, not true or false")]
    [InlineData("""{"metadata":{"namespace":["a"]}}""", "metadata.namespace is a list, not a string")]
    [InlineData("""{"spec":{"containers":[{"name":"a"},{"name":"b","resources":{"limits":[]}}]}}""", "spec.containers[1].resources.limits is a list, not an object")]
    [InlineData("""{"spec":{"containers":[{"name":{"first":"a"}}]}}""", "spec.containers[0].name is an object, not a string")]
    [InlineData("""{"metadata":{"ownerReferences":[{},{"kind":3}]}}""", "metadata.ownerReferences[1].kind is a number, not a string")]
    public void A_field_of_the_wrong_shape_is_named(string json, string message) =>
        Assert.Equal(message, Assert.Throws<PodFormatException>(() => Read(json)).Message);

    [Theory]
    [InlineData("""{"spec":{}} {}""")]
    [InlineData("""{"spec":{"containers":[}}""")]
    public void Text_that_is_not_one_json_value_is_a_json_error(string json) =>
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => Read(json));
}
