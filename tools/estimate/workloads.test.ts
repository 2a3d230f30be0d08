import { strict as assert } from "assert";
import { toYaml } from "../../pipelines/batch/specs";
import { cluster, nodeGroup, release, res } from "../../test/synthetic";
import { capacityReport } from "./capacity";
import { monthlyCost } from "./cost";
import { loadTables } from "./tables";
import { spreadOf } from "./objects";
import { workloads } from "./workloads";

const tables = loadTables();

describe("estimates: workloads (synthetic)", () => {
    // What `helm template` gives for a release: the objects its chart renders.
    const container = (name: string, cpu?: string, memory?: string) => ({ name, image: "x", ...(cpu ? { resources: { requests: { cpu, memory } } } : {}) });
    const k8s = (
        kind: string,
        name: string,
        spec: Record<string, unknown>,
        annotations?: Record<string, string>,
        apiVersion = ["Deployment", "StatefulSet", "DaemonSet"].includes(kind) ? "apps/v1" : ["Job", "CronJob"].includes(kind) ? "batch/v1" : "v1",
    ) => ({ apiVersion, kind, metadata: { name, ...(annotations ? { annotations } : {}) }, spec });
    const chartObjects = () => [
        k8s("Deployment", "api", {
            replicas: 3,
            template: {
                spec: {
                    containers: [container("api", "500m", "1Gi"), container("groomer", "10m", "32Mi")],
                    initContainers: [container("wait", "800m", "256Mi")],
                },
            },
        }),
        k8s("StatefulSet", "db", {
            replicas: 2,
            template: { spec: { containers: [container("db", "1", "2Gi")] } },
            volumeClaimTemplates: [{ spec: { resources: { requests: { storage: "8Gi" } } } }],
        }),
        k8s("DaemonSet", "agent", { template: { spec: { containers: [container("agent", "20m", "64Mi")] } } }),
        k8s("Job", "migrate", { template: { spec: { containers: [container("migrate", "200m", "512Mi")] } } }, { "helm.sh/hook": "post-install,post-upgrade" }),
        k8s("Pod", "smoke", { containers: [container("cli", "4", "8Gi")] }, { "helm.sh/hook": "test" }),
        k8s("Service", "web", { type: "LoadBalancer" }, { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" }),
        {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "cfg" },
            data: {
                "pod_template_file.yaml": toYaml({
                    apiVersion: "v1",
                    kind: "Pod",
                    metadata: { name: "task" },
                    spec: { containers: [container("base", "100m", "512Mi")] },
                }),
                "other.yaml": "kind: Other\n",
            },
        },
    ];

    it("counts a Helm release by what its chart renders: replicas, sidecars and init containers, claims, hooks, pod templates", () => {
        const rel = release("app", "some-chart", { anything: "the values themselves are not read" });
        const w = workloads([rel], tables.capacity, { [rel.urn]: chartObjects() });
        const pods = Object.fromEntries(w.pods.map((p) => [p.path, [p.pods, p.cpuMillis, Math.round(p.memoryMiB), !!p.transient, !!p.perNode]]));
        assert.deepEqual(
            pods,
            {
                // max(sum of containers, largest init container), per resource.
                "Deployment/api": [3, 800, 1056, false, false],
                "StatefulSet/db": [2, 1000, 2048, false, false],
                "DaemonSet/agent": [1, 20, 64, false, true],
                "Job/migrate": [1, 200, 512, true, false],
                "ConfigMap/cfg data.pod_template_file.yaml": [1, 100, 512, true, false],
            },
            "the helm test pod is never run by Pulumi",
        );
        assert.deepEqual(
            w.volumes.map((v) => [v.path, v.count, v.sizeGiB]),
            [["StatefulSet/db spec.volumeClaimTemplates", 2, 8]],
        );
        assert.deepEqual(
            w.loadBalancers.map((l) => [l.path, l.internetFacing]),
            [["Service/web", false]],
        );
        assert.ok(w.pods.every((p) => p.source === "app (helm some-chart)"));
        // Priced: the claims as EBS, the internal NLB without public addresses.
        const cost = monthlyCost([rel], { region: "us-east-1", azCount: 2 }, tables.prices, {
            capacityTable: tables.capacity,
            rendered: { [rel.urn]: chartObjects() },
        });
        assert.deepEqual(
            cost.items.map((i) => [i.item, i.quantity]),
            [
                ["EBS persistent volumes", 16],
                ["network load balancer", 1],
            ],
        );
    });

    it("counts the Prometheus operator's pods and claims from the CRs its chart renders, config reloader included, on the observability line", () => {
        // What kube-prometheus-stack renders: the operator (with its reloader flags) and the two CRs.
        const objects = [
            k8s("Deployment", "op", {
                template: {
                    spec: {
                        containers: [
                            { ...container("operator", "10m", "64Mi"), args: ["--config-reloader-cpu-request=5m", "--config-reloader-memory-request=24Mi"] },
                        ],
                    },
                },
            }),
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "Prometheus",
                metadata: { name: "p" },
                spec: {
                    replicas: 2,
                    resources: { requests: { cpu: "500m", memory: "2Gi" } },
                    storage: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "50Gi" } } } } },
                },
            },
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "Alertmanager",
                metadata: { name: "a" },
                spec: { resources: { requests: { cpu: "10m", memory: "32Mi" } } },
            },
        ];
        const rel = release("observability", "kube-prometheus-stack", {});
        const w = workloads([rel], tables.capacity, { [rel.urn]: objects });
        const pods = Object.fromEntries(w.pods.map((p) => [p.path, [p.pods, p.cpuMillis, Math.round(p.memoryMiB)]]));
        assert.deepEqual(pods, {
            "Deployment/op": [1, 10, 64],
            "Prometheus/p spec.resources": [2, 505, 2072],
            "Alertmanager/a spec.resources": [1, 15, 56],
        });
        assert.deepEqual(
            w.volumes.map((v) => [v.path, v.count, v.sizeGiB]),
            [["Prometheus/p spec.storage.volumeClaimTemplate", 2, 50]],
        );
        const cost = monthlyCost([rel], { region: "us-east-1", azCount: 2 }, tables.prices, {
            capacityTable: tables.capacity,
            rendered: { [rel.urn]: objects },
        });
        assert.deepEqual(
            cost.items.map((i) => [i.item, i.quantity, i.monthlyUsd]),
            [
                ["observability", 1, 0],
                ["observability", 100, Math.round(100 * tables.prices.ebs.perGBMonth.gp3 * 100) / 100],
            ],
        );
        assert.match(String(cost.items[0].note), /^4 pods requesting 1\.0[34] vCPU/);
    });

    it("refuses to size a Helm release it has no rendering for", () => {
        const rel = release("app", "some-chart", { replicas: 3 });
        assert.throws(
            () => capacityReport([cluster(), nodeGroup(["m7g.xlarge"], 1), rel], tables.capacity),
            /app \(helm some-chart\): no rendered objects for this release/,
        );
    });

    it("sizes Spark pods as memory + overhead, ECK pods by their defaults, and finds load balancers", () => {
        const spark = res("job", {
            type: "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication",
            inputs: { spec: { type: "Python", driver: { cores: 1, memory: "1g" }, executor: { instances: 3, cores: 2, memory: "2g" } } },
        });
        const es = res("es", {
            type: "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
            inputs: { spec: { nodeSets: [{ name: "default", count: 2 }] } },
        });
        const svc = res("svc", {
            type: "kubernetes:core/v1:Service",
            inputs: { metadata: { annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" } }, spec: { type: "LoadBalancer" } },
        });
        const w = workloads([spark, es, svc], tables.capacity);
        const driver = w.pods.find((p) => p.path === "spec.driver")!;
        assert.equal(driver.memoryMiB, 1024 + Math.max(384, 0.4 * 1024));
        const exec = w.pods.find((p) => p.path === "spec.executor")!;
        assert.deepEqual([exec.pods, exec.cpuMillis, exec.memoryMiB], [3, 2000, 2048 + 0.4 * 2048]);
        const node = w.pods.find((p) => p.source.startsWith("es "))!;
        assert.deepEqual([node.pods, node.memoryMiB], [2, tables.capacity.operatorDefaults.elasticsearch.memoryMiB]);
        assert.deepEqual(
            w.volumes.map((v) => v.count),
            [2],
        );
        assert.deepEqual(
            w.loadBalancers.map((l) => l.internetFacing),
            [false],
        );
    });

    it("marks replicas that a hard zone or host spread keeps on distinct nodes", () => {
        const tsc = (whenUnsatisfiable: string) => [
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable, labelSelector: { matchLabels: { a: "b" } } },
        ];
        const es = (count: number, when: string) =>
            res(`es${count}${when}`, {
                type: "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
                inputs: { spec: { nodeSets: [{ name: "default", count, podTemplate: { spec: { topologySpreadConstraints: tsc(when) } } }] } },
            });
        const spread = (r: ReturnType<typeof es>) => workloads([r], tables.capacity).pods[0].spread;
        assert.equal(spread(es(3, "DoNotSchedule")), true);
        assert.equal(spread(es(3, "ScheduleAnyway")), undefined, "a soft spread may share a node");
        assert.equal(spread(es(1, "DoNotSchedule")), undefined, "one replica has nothing to spread from");
        assert.equal(
            spreadOf({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname" }] } } }),
            true,
        );
    });

    it("sizes what the program leaves unset by the operators' own defaults, as upstream sets them", () => {
        const spark = res("job", {
            type: "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication",
            inputs: { spec: { type: "Scala", driver: {}, executor: {} } },
        });
        const kb = res("kb", { type: "kubernetes:kibana.k8s.elastic.co/v1:Kibana", inputs: { spec: { count: 1 } } });
        const es = res("es", {
            type: "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
            inputs: { spec: { nodeSets: [{ name: "default", count: 1 }] } },
        });
        const w = workloads([spark, kb, es], tables.capacity);
        const pod = (pred: (p: (typeof w.pods)[number]) => boolean) => w.pods.find(pred)!;
        // spark-operator v2.5.2's defaulting webhook (on in the chart) gives 1 executor of 1 core and 1g,
        // and a driver of 1 core and 1g: api/v1beta2/defaults.go L72-L99.
        const exec = pod((p) => p.path === "spec.executor");
        assert.deepEqual([exec.pods, exec.cpuMillis, exec.memoryMiB], [1, 1000, 1024 + 384]);
        assert.deepEqual([pod((p) => p.path === "spec.driver").cpuMillis], [1000]);
        // ECK 3.5.0: Kibana requests 2Gi (pkg/controller/kibana/pod.go L69-L77), Elasticsearch 2Gi
        // (pkg/controller/elasticsearch/nodespec/defaults.go L29-L42); neither requests CPU.
        assert.deepEqual([pod((p) => p.source.startsWith("kb ")).memoryMiB, pod((p) => p.source.startsWith("kb ")).cpuMillis], [2048, 0]);
        assert.deepEqual([pod((p) => p.source.startsWith("es ")).memoryMiB], [2048]);
    });

    it("sizes ECK pods by the resources shorthand, which overrides the pod template's main container field by field", () => {
        const es = res("es", {
            type: "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
            inputs: {
                spec: {
                    nodeSets: [
                        {
                            name: "default",
                            count: 1,
                            resources: { requests: { cpu: "500m" } },
                            podTemplate: { spec: { containers: [{ name: "elasticsearch", resources: { requests: { cpu: "2", memory: "1536Mi" } } }] } },
                        },
                    ],
                },
            },
        });
        const kb = res("kb", {
            type: "kubernetes:kibana.k8s.elastic.co/v1:Kibana",
            inputs: {
                spec: {
                    count: 2,
                    resources: { requests: { cpu: "250m", memory: "1Gi" } },
                    podTemplate: { spec: { nodeSelector: { "bdok.io/pool": "workloads" } } },
                },
            },
        });
        const w = workloads([es, kb], tables.capacity);
        const node = w.pods.find((p) => p.source.startsWith("es "))!;
        assert.deepEqual([node.cpuMillis, node.memoryMiB, node.note], [500, 1536, undefined]);
        const ui = w.pods.find((p) => p.source.startsWith("kb "))!;
        assert.deepEqual([ui.pods, ui.cpuMillis, ui.memoryMiB, ui.pool], [2, 250, 1024, "workloads"]);
    });
});
