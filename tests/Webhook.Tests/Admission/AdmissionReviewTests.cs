using System.Text;
using System.Text.Json;
using Resorcerer.Sizing;
using Resorcerer.Webhook.Admission;
using Resorcerer.Webhook.Patching;

namespace Resorcerer.Webhook.Tests.Admission;

public class AdmissionReviewTests
{
    private static AdmissionRequest Read(string json) => AdmissionReview.ReadRequest(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Reads_a_review_as_kube_apiserver_sends_it_with_its_pod()
    {
        var request = Read(Reviews.For(Reviews.NewDeploymentPod, uid: "u-1", dryRun: true));

        Assert.Equal("u-1", request.Uid);
        Assert.Equal(new GroupVersionKind("", "v1", "Pod"), request.Kind);
        Assert.Equal("CREATE", request.Operation);
        Assert.Equal("shop", request.Namespace);
        Assert.True(request.DryRun);
        Assert.Null(request.PodProblem);
        Assert.Equal(new OwnerReference("ReplicaSet", "web-7d4b9c8f6d", true), Assert.Single(request.Pod!.Owners));
        Assert.Equal(["web", "proxy"], request.Pod.Resources.Containers.Select(c => c.Name));
    }

    [Fact]
    public void Fields_may_come_in_any_order()
    {
        var request = Read("""
            {"request":{"object":{"spec":{"initContainers":[{"name":"setup"}],"containers":[{"name":"app"}]},"metadata":{"namespace":"shop"}},
                        "operation":"CREATE","kind":{"kind":"Pod","version":"v1"},"uid":"late"},
             "kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"}
            """);

        Assert.Equal("late", request.Uid);
        Assert.Equal("Pod", request.Kind!.Kind);
        Assert.Equal(
            [("/spec/containers/0", "app"), ("/spec/initContainers/0", "setup")],
            request.Pod!.Resources.Containers.Select(c => (c.Path, c.Name)));
    }

    [Fact]
    public void Escaped_strings_read_as_their_text()
    {
        var request = Read("""
            {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
             "request":{"uid":"u","operation":"CR\u0045ATE","kind":{"kind":"P\u006fd"},
                        "object":{"spec":{"initContainers":[{"name":"mesh","restartPolicy":"Alw\u0061ys"}]}}}}
            """);

        Assert.Equal(("CREATE", "Pod"), (request.Operation, request.Kind!.Kind));
        Assert.Equal(ContainerRole.Sidecar, Assert.Single(request.Pod!.Resources.Containers).Role);
    }

    [Fact]
    public void A_pod_that_cannot_be_read_is_named_and_the_rest_of_the_review_still_counts()
    {
        var request = Read("""
            {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
             "request":{"object":{"metadata":{"labels":{"app":["web"]},"name":"x"},"spec":{"containers":[{"name":"a"}]}},
                        "dryRun":true,"uid":"after-the-pod","operation":"CREATE"}}
            """);

        Assert.Equal("after-the-pod", request.Uid);
        Assert.True(request.DryRun);
        Assert.Equal("CREATE", request.Operation);
        Assert.Null(request.Pod);
        Assert.Equal("metadata.labels.app is a list, not a string", request.PodProblem);
    }

    [Theory]
    [InlineData("\"object\":\"pod\"", "the pod is a string, not an object")]
    [InlineData("\"object\":[[1],{\"a\":[]}]", "the pod is a list, not an object")]
    public void An_object_that_is_not_a_pod_is_a_pod_problem(string field, string problem)
    {
        var request = Read("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{""" + field + ""","uid":"u"}}""");

        Assert.Equal("u", request.Uid);
        Assert.Equal(problem, request.PodProblem);
    }

    [Fact]
    public void No_object_is_neither_a_pod_nor_a_problem()
    {
        var request = Read("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":null}}""");

        Assert.Null(request.Pod);
        Assert.Null(request.PodProblem);
    }

    [Theory]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u"}} {}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":{"spec":}}}""")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u"}""")]
    public void Text_that_is_not_one_json_value_is_a_json_error(string json) =>
        Assert.ThrowsAny<JsonException>(() => Read(json));

    [Theory]
    [InlineData("""{"kind":"AdmissionReview","request":{"uid":"u"}}""", "(apiVersion '', kind 'AdmissionReview')")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":""}}""", "has no request.uid to answer")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":null}""", "has no request.uid to answer")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":"u"}""", "(request is a string, not an object)")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":"Pod"}}""", "(request.kind is a string, not an object)")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":1}}}""", "(request.kind.group is a number, not a string)")]
    [InlineData("""7""", "(it is a number, not an object)")]
    public void A_review_of_the_wrong_shape_is_named(string json, string expected) =>
        Assert.EndsWith(expected, Assert.Throws<AdmissionFormatException>(() => Read(json)).Message, StringComparison.Ordinal);
}
