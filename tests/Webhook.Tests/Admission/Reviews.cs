using System.Text.Json.Nodes;
using Resorcerer.DevKit;

namespace Resorcerer.Webhook.Tests.Admission;

/// <summary>AdmissionReview bodies shaped like the ones kube-apiserver sends.</summary>
public static class Reviews
{
    /// <summary>A new Deployment pod as its ReplicaSet creates it: generateName only, no annotations, no resources.</summary>
    public const string NewDeploymentPod = """
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"generateName":"web-7d4b9c8f6d-","namespace":"shop",
           "labels":{"app":"web","pod-template-hash":"7d4b9c8f6d"},
           "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d4b9c8f6d",
             "uid":"5b1c2a8e-0d8e-4c59-9f0e-2f1f5d1e0a11","controller":true,"blockOwnerDeletion":true}]},
         "spec":{"containers":[
           {"name":"web","image":"nginx:1.27","ports":[{"containerPort":8080,"protocol":"TCP"}]},
           {"name":"proxy","image":"envoy:1.31","resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"memory":"128Mi"}}}],
          "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst"}}
        """;

    public static string For(string pod, string operation = "CREATE", string uid = "705ab4f5-6393-11e8-b7cc-42010a800002",
        string kind = "Pod", bool dryRun = false) =>
        AdmissionReviews.For(JsonNode.Parse(pod)!, operation, uid, kind, dryRun: dryRun);
}
