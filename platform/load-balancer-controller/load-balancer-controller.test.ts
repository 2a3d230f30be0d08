// The AWS Load Balancer Controller owns every LoadBalancer Service, with the scheme the exposure
// asks for; asserted on what the real charts render from the plan's values, and on delete order.
import { strict as assert } from "assert";
import { LBC_CLUSTER_TAG, LBC_SERVICE_ACCOUNT } from "./values";
import { controllerPolicy } from "./iam";
import type { Captured, PlanRun } from "../../tools/harness";
import { helmTemplate, K8sObject, parseManifest } from "../../tools/helm";
import { ChartName, charts } from "../../versions";
import {
    assertPinnedRelease,
    inputsOf,
    ofType,
    one,
    planOf,
    planWith,
    STACKS,
    TEST_CLIENT_RANGE,
    PUBLIC_EXPOSURE_SETTINGS,
    TEST_CERTIFICATE_ARN,
} from "../../test/support";
import { chartKeyOfRelease, KUBE_SYSTEM } from "../k8s/objects";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const KIBANA = "kubernetes:kibana.k8s.elastic.co/v1:Kibana";
const CONTROLLER_CLASS = "service.k8s.aws/nlb";

/**
 * Would the controller (v3.5.0 pkg/service/service_utils.go IsServiceSupported) reconcile this
 * Service? Its own loadBalancerClass, or no class and type `external` with a target type (or the
 * legacy `nlb-ip`). Anything else stays with the in-tree provider, which ignores the scheme.
 */
function claimedByController(svc: { spec?: any; metadata?: any }): boolean {
    const a: Record<string, string> = svc.metadata?.annotations ?? {};
    if (svc.spec?.loadBalancerClass !== undefined) return svc.spec.loadBalancerClass === CONTROLLER_CLASS;
    const type = a["service.beta.kubernetes.io/aws-load-balancer-type"];
    if (type === "nlb-ip") return true;
    return type === "external" && ["ip", "instance"].includes(a["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"]);
}

/** The scheme the controller gives the NLB: the annotation, else its default (internal). */
function schemeOf(svc: { metadata?: any }): string {
    return svc.metadata?.annotations?.["service.beta.kubernetes.io/aws-load-balancer-scheme"] ?? "internal";
}

const chartOf = (rel: Captured): ChartName | undefined => chartKeyOfRelease(inputsOf(rel).chart, inputsOf(rel).version);

function render(run: PlanRun, rel: Captured): K8sObject[] {
    const i = inputsOf(rel);
    const chart = chartOf(rel);
    assert.ok(chart, `release ${rel.name}: chart ${i.chart} is not pinned`);
    return parseManifest(helmTemplate(chart, { releaseName: i.name, namespace: i.namespace, values: i.values, kubeVersion: run.config.kubernetesVersion }));
}

interface LbService {
    owner: Captured;
    svc: { metadata?: any; spec?: any };
}

/**
 * Every LoadBalancer Service the plan creates: rendered by a chart (Trino, Airflow), made by ECK
 * from the Kibana resource (spec.http.service: its annotations and spec go onto the Service).
 */
function loadBalancerServices(run: PlanRun, charted: ChartName[]): LbService[] {
    const out: LbService[] = [];
    for (const rel of ofType(run, RELEASE).filter((r) => charted.includes(chartOf(r)!))) {
        for (const o of render(run, rel)) if (o.kind === "Service" && o.spec?.type === "LoadBalancer") out.push({ owner: rel, svc: o });
    }
    for (const kb of ofType(run, KIBANA)) {
        const s = inputsOf(kb).spec?.http?.service ?? {};
        if (s.spec?.type === "LoadBalancer") out.push({ owner: kb, svc: s });
    }
    for (const s of ofType(run, "kubernetes:core/v1:Service")) {
        if (inputsOf(s).spec?.type === "LoadBalancer") out.push({ owner: s, svc: inputsOf(s) });
    }
    return out;
}

/**
 * Resources Pulumi deletes `r` before: its dependencies, and its parent's, transitively (the
 * engine counts a parent as a dependency: pkg/resource/graph DependenciesOf).
 */
function deletedBefore(run: PlanRun, r: Captured): Set<string> {
    const seen = new Set<string>();
    const todo = [r.urn];
    while (todo.length) {
        const next = todo.pop();
        const c = run.captured.find((x) => x.urn === next);
        if (!c) continue;
        for (const d of [...c.dependencies, ...(c.parent ? [c.parent] : [])])
            if (!seen.has(d)) {
                seen.add(d);
                todo.push(d);
            }
    }
    return seen;
}

const controllerRelease = (run: PlanRun) => ofType(run, RELEASE).filter((r) => inputsOf(r).chart === charts.awsLoadBalancerController.chart);

describe("AWS Load Balancer Controller (pure builders)", () => {
    const policy = controllerPolicy("bdok-prod-eks", "eu-west-1", "123456789012");
    const json = JSON.stringify(policy);

    it("narrows every tracking-tag condition to this cluster's tag value", () => {
        const tagConditions = policy.Statement.flatMap((s) =>
            Object.entries(s.Condition ?? {}).flatMap(([op, kv]) =>
                Object.entries(kv)
                    .filter(([k]) => k.endsWith(`/${LBC_CLUSTER_TAG}`))
                    .map(([k, v]) => ({ op, k, v })),
            ),
        );
        assert.ok(tagConditions.length >= 8, json);
        for (const c of tagConditions) {
            // Null "true" on the request tag means "does not change the cluster tag": it never grants on its own.
            if (c.op === "Null") assert.ok(c.k.startsWith("aws:RequestTag/") && c.v === "true", JSON.stringify(c));
            else assert.deepEqual([c.op, c.v], ["StringEquals", "bdok-prod-eks"], JSON.stringify(c));
        }
        // Every Null "true" sits beside a StringEquals on the resource's tag.
        for (const s of policy.Statement.filter((x) => x.Condition?.Null)) {
            assert.equal(s.Condition!.StringEquals?.[`aws:ResourceTag/${LBC_CLUSTER_TAG}`], "bdok-prod-eks", JSON.stringify(s));
        }
    });

    it("can delete and modify only load balancers and security groups tagged with this cluster", () => {
        for (const action of ["elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DeleteTargetGroup", "ec2:DeleteSecurityGroup"]) {
            const grants = policy.Statement.filter((s) => [s.Action].flat().includes(action));
            assert.ok(grants.length > 0, action);
            for (const g of grants) assert.equal(g.Condition?.StringEquals?.[`aws:ResourceTag/${LBC_CLUSTER_TAG}`], "bdok-prod-eks", action);
        }
    });

    it("names this region and account in its ARN patterns, and fits an inline role policy (10,240 characters)", () => {
        const arns = policy.Statement.flatMap((s) => [s.Resource].flat()).filter((r) => r !== "*");
        assert.ok(arns.length > 0);
        for (const a of arns) assert.match(a, /^arn:aws:(ec2|elasticloadbalancing):eu-west-1:123456789012:/);
        assert.ok(json.length < 10240, `${json.length} characters`);
    });
});

for (const stack of STACKS) {
    describe(`AWS Load Balancer Controller on stack ${stack}`, () => {
        let run: PlanRun;
        let objs: K8sObject[];
        before(async function () {
            this.timeout(180000);
            run = await planOf(stack);
            objs = render(run, one(run, RELEASE, "load-balancer-controller"));
        });

        it("installs the pinned chart into kube-system, for this cluster, region and VPC", () => {
            const rel = controllerRelease(run);
            assert.equal(rel.length, 1);
            assertPinnedRelease(rel[0], "awsLoadBalancerController", KUBE_SYSTEM);
            const deploy = objs.find((o) => o.kind === "Deployment")!;
            const args: string[] = deploy.spec.template.spec.containers[0].args;
            assert.ok(args.includes(`--cluster-name=${run.plan.outputs.clusterName}`), args.join(" "));
            assert.ok(args.includes(`--aws-region=${run.config.region}`), args.join(" "));
            assert.ok(run.plan.outputs.vpcId, "the stack's VPC id");
            assert.ok(args.includes(`--aws-vpc-id=${run.plan.outputs.vpcId}`), args.join(" "));
            assert.equal(deploy.spec.replicas, run.config.ha ? 2 : 1);
        });

        it("runs as the service account its Pod Identity role is associated with", () => {
            const sa = objs.find((o) => o.kind === "ServiceAccount")!;
            assert.equal(sa.metadata.name, LBC_SERVICE_ACCOUNT);
            const deploy = objs.find((o) => o.kind === "Deployment")!;
            assert.equal(deploy.spec.template.spec.serviceAccountName, sa.metadata.name);
            const assoc = ofType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
                .map(inputsOf)
                .filter((a) => a.namespace === KUBE_SYSTEM && a.serviceAccount === sa.metadata.name);
            assert.equal(assoc.length, 1);
            const policies = ofType(run, "aws:iam/rolePolicy:RolePolicy")
                .map((p) => JSON.parse(inputsOf(p).policy))
                .filter((d) => d.Statement.some((s: any) => [s.Action].flat().includes("elasticloadbalancing:CreateLoadBalancer")));
            assert.equal(policies.length, 1, "one role may create load balancers");
            const create = policies[0].Statement.find((s: any) => [s.Action].flat().includes("elasticloadbalancing:CreateLoadBalancer"));
            assert.equal(create.Condition.StringEquals[`aws:RequestTag/${LBC_CLUSTER_TAG}`], run.plan.outputs.clusterName);
        });

        it("renders no webhook that intercepts every Service creation", () => {
            const hooks = objs.filter((o) => o.kind === "MutatingWebhookConfiguration").flatMap((o) => o.webhooks ?? []);
            const onServices = hooks.filter((h: any) => (h.rules ?? []).some((r: any) => (r.resources ?? []).includes("services")));
            assert.deepEqual(
                onServices.map((h: any) => h.name),
                [],
            );
        });
    });
}

for (const exposure of ["internalLoadBalancer", "publicLoadBalancer"] as const) {
    describe(`LoadBalancer Services with exposure ${exposure}`, () => {
        let run: PlanRun;
        let services: LbService[];
        before(async function () {
            this.timeout(300000);
            run = await planWith("prod", {
                "bdok:exposure": exposure,
                ...(exposure === "publicLoadBalancer" ? PUBLIC_EXPOSURE_SETTINGS : {}),
            });
            services = loadBalancerServices(run, ["trino", "airflow"]);
        });

        it("Trino, Airflow's API server, Kibana and the Spark History Server each get one", () => {
            const owners = services.map((s) => `${s.owner.type.split(":").pop()}/${inputsOf(s.owner).chart ?? s.owner.name}`).sort();
            assert.deepEqual(owners, ["Kibana/elastic-kibana", "Release/airflow", "Release/trino", "Service/spark-history"]);
        });

        it(`are claimed by the controller, with scheme ${exposure === "publicLoadBalancer" ? "internet-facing" : "internal"}`, () => {
            for (const { owner, svc } of services) {
                assert.ok(
                    claimedByController(svc),
                    `${owner.name}: ${JSON.stringify(svc.metadata?.annotations)} is left to the in-tree provider (internet-facing)`,
                );
                assert.equal(schemeOf(svc), exposure === "publicLoadBalancer" ? "internet-facing" : "internal", owner.name);
                assert.equal(svc.metadata?.annotations?.["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"], "ip", owner.name);
            }
        });

        // Without source ranges the controller admits 0.0.0.0/0 on every listener (its Service
        // annotations guide: spec.loadBalancerSourceRanges, else the source-ranges annotation, else 0.0.0.0/0).
        it(`admit only ${exposure === "publicLoadBalancer" ? "the configured client range" : "the VPC's CIDR"}, as the controller reads them`, () => {
            const want = exposure === "publicLoadBalancer" ? [TEST_CLIENT_RANGE] : [run.config.vpcCidr];
            for (const { owner, svc } of services) {
                const field: string[] = svc.spec?.loadBalancerSourceRanges ?? [];
                const annotation = svc.metadata?.annotations?.["service.beta.kubernetes.io/load-balancer-source-ranges"];
                const effective = field.length
                    ? field
                    : annotation
                      ? String(annotation)
                            .split(",")
                            .map((x) => x.trim())
                      : ["0.0.0.0/0"];
                assert.deepEqual(effective, want, owner.name);
            }
        });

        // Airflow's API server speaks plain HTTP (the admin password in clear): in public its
        // listener is TLS with the configured ACM certificate. Trino (8443) and Kibana (ECK's
        // self-signed HTTPS) serve TLS themselves, so the NLB passes their TCP through.
        it(`Airflow's listener is TLS ${exposure === "publicLoadBalancer" ? "with the configured certificate" : "only when a certificate is set"}`, () => {
            const airflow = services.find((x) => x.owner.type.endsWith(":Release") && chartOf(x.owner) === "airflow");
            assert.ok(airflow);
            const a = airflow.svc.metadata?.annotations ?? {};
            if (exposure === "publicLoadBalancer") {
                assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"], TEST_CERTIFICATE_ARN);
                assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-ssl-ports"], "8080");
            } else assert.equal(a["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"], undefined);
        });

        // Every load balancer the plan makes, from every chart, ECK and plain Services: with a
        // certificate each listener is TLS, at the NLB (the controller's Service annotations guide,
        // "TLS": ssl-cert, and ssl-ports naming the port) or in the pod (Kibana: ECK's HTTPS unless
        // spec.http.tls.selfSignedCertificate.disabled; Trino: the chart's server.config.https port).
        // The next exposed UI cannot forget it.
        if (exposure === "publicLoadBalancer")
            it("every listener of every load balancer serves TLS with the configured certificate or in the pod", () => {
                const all = loadBalancerServices(
                    run,
                    ofType(run, RELEASE)
                        .map((r) => chartOf(r)!)
                        .filter(Boolean),
                );
                assert.ok(all.length >= services.length);
                for (const { owner, svc } of all) {
                    const a = svc.metadata?.annotations ?? {};
                    const ports: { port: number; name?: string }[] = svc.spec?.ports ?? [];
                    const sslPorts = String(a["service.beta.kubernetes.io/aws-load-balancer-ssl-ports"] ?? "").split(",");
                    const atLb = a["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"] === TEST_CERTIFICATE_ARN;
                    const inPod =
                        (owner.type === KIBANA && inputsOf(owner).spec?.http?.tls?.selfSignedCertificate?.disabled !== true) ||
                        (chartOf(owner) === "trino" && inputsOf(owner).values?.server?.config?.https?.enabled === true);
                    for (const p of ports)
                        assert.ok(
                            inPod || (atLb && (sslPorts.includes(String(p.port)) || sslPorts.includes(p.name ?? "-"))),
                            `${owner.type.split(":").pop()}/${owner.name}: port ${p.port} (${p.name}) is plain HTTP on an internet-facing load balancer`,
                        );
                }
            });

        it("are deleted before the controller that removes their NLBs", () => {
            const [lbc] = controllerRelease(run);
            assert.ok(lbc);
            for (const { owner } of services) assert.ok(deletedBefore(run, owner).has(lbc.urn), `${owner.type} ${owner.name} does not wait for the controller`);
            assert.ok(!deletedBefore(run, lbc).has(ofType(run, KIBANA)[0].urn), "no cycle");
        });
    });
}

describe("exposure clusterIp", () => {
    it("renders no LoadBalancer Service", async function () {
        this.timeout(300000);
        const run = await planWith("prod", { "bdok:exposure": "clusterIp" });
        assert.deepEqual(
            loadBalancerServices(run, ["trino", "airflow"]).map((s) => s.owner.name),
            [],
        );
    });
});
