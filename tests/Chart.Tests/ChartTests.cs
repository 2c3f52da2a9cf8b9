using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;

namespace Resorcerer.Chart.Tests;

public class ChartTests
{
    public static TheoryData<string> ValuesFiles => new(Helm.CiValues.Select(Path.GetFileName)!);

    private static string Values(string file) => Path.Combine(Helm.Chart, "ci", file);

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void Every_supported_setup_lints_strictly(string file)
    {
        var (code, output) = Helm.Run("lint", "--strict", Helm.Chart, "-f", Values(file));
        Assert.True(code == 0, output);
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void Every_setup_renders_objects_that_read_strictly_and_run_locked_down(string file)
    {
        var rendered = Helm.Template(Values(file));

        Assert.NotEmpty(rendered.PodSpecs());
        foreach (var (owner, spec) in rendered.PodSpecs())
        {
            foreach (var container in spec.Containers.Concat(spec.InitContainers ?? []))
            {
                var security = container.SecurityContext;
                var where = $"{owner}/{container.Name}";
                Assert.True(security?.RunAsNonRoot == true || spec.SecurityContext?.RunAsNonRoot == true, $"{where}: runAsNonRoot");
                Assert.True(security?.ReadOnlyRootFilesystem == true, $"{where}: readOnlyRootFilesystem");
                Assert.True(security?.AllowPrivilegeEscalation == false, $"{where}: allowPrivilegeEscalation");
                Assert.Equal(["ALL"], security?.Capabilities?.Drop ?? []);
                Assert.Equal("RuntimeDefault", security?.SeccompProfile?.Type ?? spec.SecurityContext?.SeccompProfile?.Type);
                Assert.True(container.Resources?.Requests?.ContainsKey("cpu") == true && container.Resources.Requests.ContainsKey("memory"), $"{where}: requests");
            }
        }
    }

    [Fact]
    public void The_webhook_configuration_has_the_safe_defaults()
    {
        var rendered = Helm.Template(Values("default-values.yaml"));
        var configuration = rendered.One<V1MutatingWebhookConfiguration>();
        var webhook = Assert.Single(configuration.Webhooks);

        Assert.Equal("Ignore", webhook.FailurePolicy);
        Assert.Equal(5, webhook.TimeoutSeconds);
        Assert.Equal("None", webhook.SideEffects);
        Assert.Equal(["v1"], webhook.AdmissionReviewVersions);
        var rule = Assert.Single(webhook.Rules);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["CREATE"], rule.Operations);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(("rsc-resorcerer-webhook", "resorcerer", "/mutate"), (webhook.ClientConfig.Service.Name, webhook.ClientConfig.Service.NamespaceProperty, webhook.ClientConfig.Service.Path));

        var optIn = Assert.Single(webhook.NamespaceSelector.MatchExpressions, e => e.Key == "resorcerer.io/enabled");
        Assert.Equal("In", optIn.OperatorProperty);
        Assert.Equal(["true"], optIn.Values);
        var excluded = Assert.Single(webhook.NamespaceSelector.MatchExpressions, e => e.Key == "kubernetes.io/metadata.name");
        Assert.Equal("NotIn", excluded.OperatorProperty);
        Assert.Contains("resorcerer", excluded.Values);
        Assert.Contains("kube-system", excluded.Values);
        var skip = Assert.Single(webhook.ObjectSelector.MatchExpressions);
        Assert.Equal(("resorcerer.io/skip", "NotIn"), (skip.Key, skip.OperatorProperty));
        Assert.Equal(["true"], skip.Values);

        // cert-manager injects the CA of the serving Certificate the chart creates.
        Assert.Equal("resorcerer/rsc-resorcerer-webhook", configuration.Metadata.Annotations["cert-manager.io/inject-ca-from"]);
        var certificate = Assert.Single(rendered.Others, o => o.Kind == "cert-manager.io/v1/Certificate" && Name(o.Map) == "rsc-resorcerer-webhook");
        var spec = (Dictionary<object, object>)certificate.Map["spec"];
        Assert.Equal("rsc-resorcerer-webhook-tls", spec["secretName"]);
        Assert.Contains("rsc-resorcerer-webhook.resorcerer.svc", ((List<object>)spec["dnsNames"]).Cast<string>());
        Assert.Null(webhook.ClientConfig.CaBundle);
    }

    [Fact]
    public void Without_cert_manager_the_generated_ca_signs_the_served_certificate()
    {
        var rendered = Helm.Template(Values("no-cert-manager-values.yaml"));
        var webhook = Assert.Single(rendered.One<V1MutatingWebhookConfiguration>().Webhooks);
        var secret = rendered.Named<V1Secret>("rsc-resorcerer-webhook-tls");

        var ca = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(webhook.ClientConfig.CaBundle));
        var served = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(secret.Data["tls.crt"]));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(served), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Contains("rsc-resorcerer-webhook.resorcerer.svc", served.GetNameInfo(X509NameType.DnsName, false) + served.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).Aggregate("", (a, b) => a + " " + b));
        Assert.DoesNotContain(rendered.Others, o => o.Kind.StartsWith("cert-manager.io", StringComparison.Ordinal));
        Assert.Null(rendered.One<V1MutatingWebhookConfiguration>().Metadata.Annotations);
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void Rbac_is_least_privilege_and_the_webhook_has_none(string file)
    {
        var rendered = Helm.Template(Values(file));
        var rules = rendered.OfType<V1ClusterRole>().Where(r => r.Metadata.Name != "rsc-resorcerer-updater").SelectMany(r => r.Rules)
            .Concat(rendered.OfType<V1Role>().SelectMany(r => r.Rules)).ToList();

        Assert.NotEmpty(rules);
        foreach (var rule in rules.Concat(rendered.OfType<V1ClusterRole>().SelectMany(r => r.Rules)))
        {
            Assert.DoesNotContain("*", rule.Verbs);
            Assert.DoesNotContain("*", rule.Resources);
            Assert.DoesNotContain("*", rule.ApiGroups);
            Assert.DoesNotContain("secrets", rule.Resources);
        }

        foreach (var rule in rules)
        {
            Assert.All(rule.Verbs, verb => Assert.Contains(verb, new[] { "get", "list", "watch", "create", "update" }));
            if (rule.Verbs.Any(v => v is "create" or "update"))
            {
                Assert.Equal(["leases"], rule.Resources); // the profiler's only writes: the leader-election Lease
            }
        }

        // The updater writes exactly what acting on running pods takes, in the core group.
        var updater = rendered.Named<V1ClusterRole>("rsc-resorcerer-updater").Rules
            .SelectMany(r => r.Resources.SelectMany(resource => r.Verbs.Select(verb => $"{string.Join(',', r.ApiGroups)}:{resource}:{verb}")))
            .Order(StringComparer.Ordinal);
        Assert.Equal(
            [":events:create", ":pods/eviction:create", ":pods/resize:patch", ":pods:get", ":pods:list", ":pods:patch", ":pods:watch"],
            updater);

        var webhookAccount = rendered.Named<V1ServiceAccount>("rsc-resorcerer-webhook");
        Assert.False(webhookAccount.AutomountServiceAccountToken);
        Assert.False(rendered.Named<V1Deployment>("rsc-resorcerer-webhook").Spec.Template.Spec.AutomountServiceAccountToken);
        var bound = rendered.OfType<V1ClusterRoleBinding>().SelectMany(b => b.Subjects).Concat(rendered.OfType<V1RoleBinding>().SelectMany(b => b.Subjects));
        Assert.DoesNotContain(bound, s => s.Name == "rsc-resorcerer-webhook");
    }

    [Fact]
    public void Several_profilers_elect_a_leader_and_webhooks_spread_with_a_disruption_budget()
    {
        var rendered = Helm.Template(Values("ha-values.yaml"));

        var profiler = rendered.Named<V1Deployment>("rsc-resorcerer-profiler");
        Assert.Equal(2, profiler.Spec.Replicas);
        var env = profiler.Spec.Template.Spec.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal("true", env["RESORCERER_LEADER_ELECT"]);
        // One variable per header, so that a value with commas stays whole.
        Assert.Equal("X-Scope-OrgID: platform", env["RESORCERER_PROMETHEUS_HEADER_0"]);
        Assert.Equal("Accept: application/json, text/plain", env["RESORCERER_PROMETHEUS_HEADER_1"]);
        Assert.Equal(["leases"], rendered.One<V1Role>().Rules.Single().Resources);

        var webhook = rendered.Named<V1Deployment>("rsc-resorcerer-webhook");
        Assert.Equal(3, webhook.Spec.Replicas);
        Assert.Equal("kubernetes.io/hostname", Assert.Single(webhook.Spec.Template.Spec.TopologySpreadConstraints).TopologyKey);
        Assert.Equal("1", rendered.One<V1PodDisruptionBudget>().Spec.MinAvailable.Value);
        Assert.Equal(4, rendered.OfType<V1NetworkPolicy>().Count());
        Assert.Contains(rendered.Others, o => o.Kind == "monitoring.coreos.com/v1/ServiceMonitor");
        Assert.Single(rendered.One<V1StatefulSet>().Spec.VolumeClaimTemplates);

        var single = Helm.Template(Values("default-values.yaml"));
        Assert.Empty(single.OfType<V1Role>()); // one profiler: no Lease, no permission for one
        Assert.Equal("false", single.Named<V1Deployment>("rsc-resorcerer-profiler").Spec.Template.Spec.Containers[0].Env.Single(e => e.Name == "RESORCERER_LEADER_ELECT").Value);
    }

    [Fact]
    public void The_updater_shares_the_profilers_Prometheus_settings_and_is_installed_idle_safe()
    {
        var rendered = Helm.Template(Values("basic-auth-values.yaml"));

        var profiler = rendered.Named<V1Deployment>("rsc-resorcerer-profiler").Spec.Template.Spec;
        var updater = rendered.Named<V1Deployment>("rsc-resorcerer-updater").Spec.Template.Spec;
        var profilerEnv = profiler.Containers[0].Env.Where(e => e.Name.StartsWith("RESORCERER_PROMETHEUS", StringComparison.Ordinal)).Select(e => (e.Name, e.Value));
        var updaterEnv = updater.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.All(profilerEnv, e => Assert.Equal(e.Value, updaterEnv[e.Name]));
        Assert.Equal(profiler.Containers[0].VolumeMounts.Select(m => m.MountPath), updater.Containers[0].VolumeMounts.Select(m => m.MountPath));
        Assert.Equal("rsc-resorcerer-updater", updater.ServiceAccountName);
        Assert.Equal("0", updaterEnv["RESORCERER_MEMORY_THRESHOLD_PERCENT"]); // no default guard
        Assert.Equal("false", updaterEnv["RESORCERER_DRY_RUN"]);

        var without = Helm.Template(Values("default-values.yaml"), "updater.enabled=false");
        Assert.DoesNotContain(without.OfType<V1Deployment>(), d => d.Metadata.Name == "rsc-resorcerer-updater");
        Assert.DoesNotContain(without.OfType<V1ClusterRole>(), r => r.Metadata.Name == "rsc-resorcerer-updater");
    }

    [Fact]
    public void The_profiler_serves_node_load_on_port_2020_and_the_network_policy_lets_the_scheduler_in()
    {
        var rendered = Helm.Template(Values("default-values.yaml"), "networkPolicy.enabled=true",
            "profiler.watcher.allowFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=scheduler-plugins");

        var profiler = rendered.Named<V1Deployment>("rsc-resorcerer-profiler").Spec.Template.Spec.Containers[0];
        Assert.Equal("http://0.0.0.0:2020", profiler.Env.Single(e => e.Name == "RESORCERER_WATCHER_URLS").Value);
        Assert.Equal("instance", profiler.Env.Single(e => e.Name == "RESORCERER_NODE_LABEL").Value);
        Assert.Contains(profiler.Ports, p => p.Name == "watcher" && p.ContainerPort == 2020);
        Assert.Contains(rendered.Named<V1Service>("rsc-resorcerer-profiler").Spec.Ports, p => p.Name == "watcher" && p.Port == 2020);
        var policy = rendered.Named<V1NetworkPolicy>("rsc-resorcerer-profiler");
        var watcher = Assert.Single(policy.Spec.Ingress, rule => rule.Ports.Any(p => p.Port.Value == "2020"));
        Assert.Equal("scheduler-plugins", Assert.Single(watcher.FromProperty).NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);

        var off = Helm.Template(Values("default-values.yaml"), "profiler.watcher.enabled=false");
        var quiet = off.Named<V1Deployment>("rsc-resorcerer-profiler").Spec.Template.Spec.Containers[0];
        Assert.Equal(string.Empty, quiet.Env.Single(e => e.Name == "RESORCERER_WATCHER_URLS").Value);
        Assert.DoesNotContain(quiet.Ports, p => p.Name == "watcher");
    }

    [Fact]
    public void The_dashboard_has_no_ingress_unless_asked_and_the_prices_reach_the_profiler()
    {
        var plain = Helm.Template(Values("default-values.yaml"));
        Assert.Empty(plain.OfType<V1Ingress>());
        var profiler = plain.Named<V1Deployment>("rsc-resorcerer-profiler").Spec.Template.Spec.Containers[0];
        Assert.Equal("0.031611", profiler.Env.Single(e => e.Name == "RESORCERER_CPU_PRICE_PER_CORE_HOUR").Value);
        Assert.Equal("0.004237", profiler.Env.Single(e => e.Name == "RESORCERER_MEMORY_PRICE_PER_GIB_HOUR").Value);

        var exposed = Helm.Template(Values("default-values.yaml"), "profiler.dashboard.ingress.enabled=true", "profiler.dashboard.ingress.host=resorcerer.example.org",
            "profiler.dashboard.ingress.className=nginx", "profiler.dashboard.ingress.annotations.nginx\\.ingress\\.kubernetes\\.io/auth-url=https://auth.example.org/oauth2/auth",
            "profiler.dashboard.ingress.tls[0].secretName=dashboard-tls", "profiler.dashboard.ingress.tls[0].hosts[0]=resorcerer.example.org");
        var ingress = Assert.Single(exposed.OfType<V1Ingress>());
        Assert.Equal(("nginx", "resorcerer.example.org"), (ingress.Spec.IngressClassName, ingress.Spec.Rules[0].Host));
        var backend = Assert.Single(ingress.Spec.Rules[0].Http.Paths);
        Assert.Equal(("/", "Prefix", "rsc-resorcerer-profiler", "http"), (backend.Path, backend.PathType, backend.Backend.Service.Name, backend.Backend.Service.Port.Name));
        Assert.Equal("dashboard-tls", Assert.Single(ingress.Spec.Tls).SecretName);
        Assert.Equal("https://auth.example.org/oauth2/auth", ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/auth-url"]);
        Assert.Contains(exposed.Named<V1Service>("rsc-resorcerer-profiler").Spec.Ports, p => p.Name == "http");
    }

    [Fact]
    public void Sentinels_an_acl_user_and_mutual_tls_make_one_configuration_string_and_the_certificates_are_mounted()
    {
        var rendered = Helm.Template(Values("external-redis-values.yaml"),
            "redis.host=sentinel-0:26379\\,sentinel-1:26379", "redis.sentinel.masterName=mymaster", "redis.auth.username=resorcerer",
            "redis.tls.caSecret=redis-ca", "redis.tls.clientSecret=redis-client", "redis.tls.serverName=redis.data.svc");

        foreach (var name in new[] { "rsc-resorcerer-webhook", "rsc-resorcerer-profiler", "rsc-resorcerer-updater" })
        {
            var pod = rendered.Named<V1Deployment>(name).Spec.Template.Spec;
            Assert.Equal(
                "sentinel-0:26379,sentinel-1:26379,serviceName=mymaster,user=resorcerer,password=$(REDIS_PASSWORD),ssl=true,sslHost=redis.data.svc," +
                "sslCaFile=/var/run/secrets/resorcerer/redis-ca/ca.crt," +
                "sslCertFile=/var/run/secrets/resorcerer/redis-client/tls.crt,sslKeyFile=/var/run/secrets/resorcerer/redis-client/tls.key",
                pod.Containers[0].Env.Single(e => e.Name == "RESORCERER_REDIS").Value);
            Assert.Equal("redis-ca", pod.Volumes.Single(v => v.Name == "redis-ca").Secret.SecretName);
            Assert.Equal("redis-client", pod.Volumes.Single(v => v.Name == "redis-client").Secret.SecretName);
            Assert.Equal(
                ["/var/run/secrets/resorcerer/redis-ca", "/var/run/secrets/resorcerer/redis-client"],
                pod.Containers[0].VolumeMounts.Where(m => m.Name.StartsWith("redis-", StringComparison.Ordinal)).Select(m => m.MountPath).Order());
        }
    }

    [Fact]
    public void An_external_redis_is_reached_with_tls_and_its_own_password()
    {
        var rendered = Helm.Template(Values("external-redis-values.yaml"));

        Assert.Empty(rendered.OfType<V1StatefulSet>());
        foreach (var name in new[] { "rsc-resorcerer-webhook", "rsc-resorcerer-profiler" })
        {
            var env = rendered.Named<V1Deployment>(name).Spec.Template.Spec.Containers[0].Env;
            Assert.Equal("redis.data.svc:6380,password=$(REDIS_PASSWORD),ssl=true", env.Single(e => e.Name == "RESORCERER_REDIS").Value);
            Assert.Equal(("shared-redis", "password"), (env.Single(e => e.Name == "REDIS_PASSWORD").ValueFrom.SecretKeyRef.Name, env.Single(e => e.Name == "REDIS_PASSWORD").ValueFrom.SecretKeyRef.Key));
        }

        var certificate = Assert.Single(rendered.Others, o => o.Kind == "cert-manager.io/v1/Certificate");
        Assert.Equal("ClusterIssuer", ((Dictionary<object, object>)((Dictionary<object, object>)certificate.Map["spec"])["issuerRef"])["kind"]);
    }

    [Theory]
    [InlineData("webhook.failurePolicy=Sometimes", "failurePolicy")]
    [InlineData("webhook.timeoutSeconds=-1", "timeoutSeconds")]
    [InlineData("webhook.timeoutSeconds=31", "timeoutSeconds")]
    [InlineData("profiler.strategy=magic", "strategy")]
    [InlineData("tls.mode=sometimes", "mode")]
    [InlineData("webhook.syncInterval=1minute", "syncInterval")]
    [InlineData("unknownKey=1", "unknownKey")]
    [InlineData("webhook.replicaz=2", "replicaz")]
    public void The_values_schema_refuses_bad_values(string set, string named)
    {
        var (code, output) = Helm.Run("template", "rsc", Helm.Chart, "--set", set);

        Assert.NotEqual(0, code);
        Assert.Contains(named, output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_helm_test_posts_a_review_to_the_webhook()
    {
        var test = Helm.Template(Values("default-values.yaml")).Named<V1Pod>("rsc-resorcerer-webhook-test");

        Assert.Equal("test", test.Metadata.Annotations["helm.sh/hook"]);
        Assert.Equal("true", test.Metadata.Labels["resorcerer.io/skip"]);
        var script = string.Join(' ', test.Spec.Containers[0].Args);
        Assert.Contains("https://rsc-resorcerer-webhook.resorcerer.svc/mutate", script, StringComparison.Ordinal);
        Assert.Contains("\"allowed\":true", script, StringComparison.Ordinal);
    }

    private static string Name(Dictionary<string, object> map) => (string)((Dictionary<object, object>)map["metadata"])["name"];
}
