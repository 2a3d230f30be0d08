// Safe teardown, asserted on the captured resources: dev is destroyed cleanly (buckets emptied,
// nothing protected, volumes deleted with their claims, custom resources before their operators,
// namespaces last); prod keeps its data (protect/retainOnDelete, final snapshot, claims kept).
import { strict as assert } from "assert";
import type { Captured, PlanRun } from "../tools/harness";
import { charts } from "../versions";
import { inputsOf, ofType, one, transitiveDeps, describeEachStack, stackSetting } from "./support";

const BUCKET = "aws:s3/bucket:Bucket";
const RDS = "aws:rds/instance:Instance";
const GLUE_DB = "aws:glue/catalogDatabase:CatalogDatabase";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const NAMESPACE = "kubernetes:core/v1:Namespace";

/** The operator chart that serves each custom resource API group. */
const OPERATOR_OF_GROUP: Record<string, string> = {
    "kafka.strimzi.io": charts.strimzi.chart,
    "elasticsearch.k8s.elastic.co": charts.eck.chart,
    "kibana.k8s.elastic.co": charts.eck.chart,
    "sparkoperator.k8s.io": charts.sparkOperator.chart,
};

const groupOf = (type: string) => /^kubernetes:([^/:]+)\/[^:]+:/.exec(type)?.[1];
const customResources = (run: PlanRun) => run.captured.filter((r) => OPERATOR_OF_GROUP[groupOf(r.type) ?? ""] !== undefined);
const ofKind = (run: PlanRun, group: string, kind: string) => run.captured.filter((r) => groupOf(r.type) === group && r.type.endsWith(`:${kind}`));

/** deleteClaim of every persistent volume of a KafkaNodePool (single volume or JBOD). */
function deleteClaims(pool: Captured): boolean[] {
    const storage = inputsOf(pool).spec?.storage ?? {};
    const volumes = storage.type === "jbod" ? (storage.volumes ?? []) : [storage];
    return volumes.filter((v: any) => v.type === "persistent-claim").map((v: any) => v.deleteClaim === true);
}

describeEachStack(
    (stack) => `teardown of stack ${stack}`,
    (plan, stack) => {
        // Keyed on the stack file's setting, never on the stack's name.
        const keep = stackSetting(stack, "protectStatefulResources") === true;
        if (!keep) {
            it("empties the buckets on destroy (forceDestroy)", () => {
                const buckets = ofType(plan(), BUCKET);
                assert.ok(buckets.length >= 2);
                for (const b of buckets) assert.equal(inputsOf(b).forceDestroy, true, b.name);
            });

            it("protects and retains nothing", () => {
                const kept = plan()
                    .captured.filter((r) => r.protect || r.retainOnDelete)
                    .map((r) => `${r.type} ${r.name}`);
                assert.deepEqual(kept, []);
            });

            it("deletes RDS without a final snapshot and without deletion protection", () => {
                const db = inputsOf(one(plan(), RDS));
                assert.equal(db.skipFinalSnapshot, true);
                assert.equal(db.deletionProtection, false);
            });
        } else {
            it("protects or retains the RDS instance, the data buckets and the Glue databases (hive and Iceberg)", () => {
                const databases = ofType(plan(), GLUE_DB);
                assert.equal(databases.length, 3);
                const stateful = [one(plan(), RDS), ...databases, ...ofType(plan(), BUCKET)];
                assert.ok(stateful.length >= 6);
                for (const r of stateful) assert.ok(r.protect || r.retainOnDelete, `${r.type} ${r.name} is neither protected nor retained`);
            });

            it("never force-destroys a bucket", () => {
                for (const b of ofType(plan(), BUCKET)) assert.equal(inputsOf(b).forceDestroy, false, b.name);
            });

            it("takes a final RDS snapshot and keeps deletion protection on", () => {
                const db = inputsOf(one(plan(), RDS));
                assert.equal(db.deletionProtection, true);
                assert.equal(db.skipFinalSnapshot, false);
                assert.match(db.finalSnapshotIdentifier ?? "", /^[a-z][a-z0-9-]*$/);
            });
        }

        it(`${keep ? "keeps" : "deletes"} Kafka volumes with their node pools (deleteClaim ${!keep})`, function () {
            const pools = ofKind(plan(), "kafka.strimzi.io", "KafkaNodePool");
            assert.ok(pools.length > 0, "the plan has Kafka node pools");
            for (const p of pools) {
                const claims = deleteClaims(p);
                assert.ok(claims.length > 0, `${p.name}: no persistent volume`);
                for (const c of claims) assert.equal(c, !keep, `${p.name}: deleteClaim`);
            }
        });

        it(`Elasticsearch volume claims: ${keep ? "kept when the cluster is deleted" : "deleted with the cluster"}`, function () {
            const clusters = ofKind(plan(), "elasticsearch.k8s.elastic.co", "Elasticsearch");
            assert.ok(clusters.length > 0, "the plan has an Elasticsearch cluster");
            for (const es of clusters) {
                // ECK's default is DeleteOnScaledownAndClusterDeletion.
                const policy = inputsOf(es).spec?.volumeClaimDeletePolicy ?? "DeleteOnScaledownAndClusterDeletion";
                assert.equal(policy, keep ? "DeleteOnScaledownOnly" : "DeleteOnScaledownAndClusterDeletion", es.name);
            }
        });

        // A dynamically provisioned volume takes its class's policy (Kubernetes docs, "Storage Classes":
        // reclaimPolicy defaults to Delete when unset). Dev: deleted claims take their EBS volumes with
        // them (Retain would leave every volume billed after destroy). Prod: deleteClaim false and
        // DeleteOnScaledownOnly keep claims only when the Kafka or Elasticsearch resource goes first;
        // a destroy that deletes the namespace (or the cluster) first deletes the claims, so only
        // Retain keeps the volumes whatever the order.
        it(`${keep ? "keeps" : "deletes"} the EBS volume of every deleted claim: each storage class the claims use reclaims with ${keep ? "Retain" : "Delete"}`, function () {
            const classes = new Map<string, any>(
                ofType(plan(), "kubernetes:storage.k8s.io/v1:StorageClass").map((c) => [inputsOf(c).metadata.name, inputsOf(c)]),
            );
            const defaults = [...classes.values()].filter((c) => c.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true");
            assert.equal(defaults.length, 1, "one default storage class");
            const used = new Set<string>();
            for (const p of ofKind(plan(), "kafka.strimzi.io", "KafkaNodePool")) {
                const storage = inputsOf(p).spec?.storage ?? {};
                for (const v of storage.type === "jbod" ? (storage.volumes ?? []) : [storage]) used.add(v.class ?? defaults[0].metadata.name);
            }
            for (const es of ofKind(plan(), "elasticsearch.k8s.elastic.co", "Elasticsearch"))
                for (const ns of inputsOf(es).spec.nodeSets)
                    for (const t of ns.volumeClaimTemplates ?? []) used.add(t.spec?.storageClassName ?? defaults[0].metadata.name);
            assert.ok(used.size > 0, "Kafka and Elasticsearch claim volumes");
            for (const name of used) {
                const sc = classes.get(name);
                assert.ok(sc, `storage class ${name} is in the plan`);
                assert.equal(sc.reclaimPolicy ?? "Delete", keep ? "Retain" : "Delete", `${name}: reclaimPolicy`);
            }
        });

        // Strimzi pushes the Connect image and rebuilds it from the KafkaConnect spec: no data to keep.
        it("deletes the ECR repositories with their images (forceDelete), unprotected", () => {
            const repos = ofType(plan(), "aws:ecr/repository:Repository");
            assert.ok(repos.length > 0, "the plan has the Connect image repository");
            for (const r of repos) {
                assert.equal(inputsOf(r).forceDelete, true, `${r.name}: a repository holding images fails to delete`);
                assert.ok(!r.protect && !r.retainOnDelete, `${r.name} is kept on destroy`);
            }
        });

        // pulumi-kubernetes drops a resource from state instead of deleting it when its cluster counts as
        // unreachable (a failed token, a private endpoint seen from outside): Karpenter's nodes, the load
        // balancers and their security groups would outlive the stack and block the VPC's deletion.
        it("never forgets Kubernetes objects on an unreachable cluster (no deleteUnreachable on any provider)", () => {
            const providers = ofType(plan(), "pulumi:providers:kubernetes");
            assert.ok(providers.length > 0);
            for (const p of providers) assert.ok([undefined, false, "false"].includes(inputsOf(p).deleteUnreachable), p.name);
        });

        it("deletes the node groups before the node role's policy attachments", () => {
            const role = ofType(plan(), "aws:iam/role:Role").find(
                (r) => JSON.parse(inputsOf(r).assumeRolePolicy).Statement[0].Principal?.Service === "ec2.amazonaws.com",
            );
            assert.ok(role, "a node role trusted by EC2");
            const attachments = ofType(plan(), "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.dependencies.includes(role.urn));
            assert.ok(attachments.length >= 3, "the node role's managed policies");
            const groups = ofType(plan(), "eks:index:ManagedNodeGroup");
            assert.ok(groups.length > 0);
            for (const g of groups) {
                const deps = transitiveDeps(plan(), g.urn);
                // The remote component's NodeGroup inside sees only its inputs: the role ARN must carry them.
                const viaArn = new Set(g.propertyDependencies.nodeRoleArn ?? []);
                for (const a of attachments) {
                    assert.ok(deps.has(a.urn), `${g.name} does not wait for ${a.name}`);
                    assert.ok(viaArn.has(a.urn), `${g.name}: nodeRoleArn does not carry ${a.name}`);
                }
            }
        });

        // The CSI controller deletes a volume only after its claim is gone, and nothing waits for that:
        // the pools' nodes terminating in between give it those minutes before the add-on goes.
        it("deletes the Karpenter NodePools, and the nodes behind them, before the EBS CSI add-on", () => {
            const addon = ofType(plan(), "aws:eks/addon:Addon").find((a) => inputsOf(a).addonName === "aws-ebs-csi-driver")!;
            const pools = ofType(plan(), "kubernetes:karpenter.sh/v1:NodePool");
            assert.ok(addon && pools.length > 0);
            for (const p of pools) assert.ok(transitiveDeps(plan(), p.urn).has(addon.urn), `${p.name} may outlive the EBS CSI add-on`);
        });

        // ECK rolls Kibana out only once its Elasticsearch association is set up.
        it("awaits Kibana after, and deletes it before, the Elasticsearch its elasticsearchRef names", () => {
            const es = ofType(plan(), "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch");
            for (const kb of ofType(plan(), "kubernetes:kibana.k8s.elastic.co/v1:Kibana")) {
                const ref = es.find((e) => inputsOf(e).metadata.name === inputsOf(kb).spec.elasticsearchRef.name);
                assert.ok(ref, "the referenced Elasticsearch is in the plan");
                assert.ok(transitiveDeps(plan(), kb.urn).has(ref.urn), `${kb.name} does not wait for ${ref.name}`);
            }
        });

        // A scheduler still running must not submit into a half-deleted pipeline; the operator (its
        // controller and the webhook that mounts the pods' volumes) runs before Airflow's first submission.
        it("deletes Airflow before the Spark operator and before the batch jobs' code and lake ConfigMap", () => {
            const airflow = one(plan(), RELEASE, "airflow");
            const deps = transitiveDeps(plan(), airflow.urn);
            assert.ok(deps.has(one(plan(), RELEASE, "spark-operator").urn), "Airflow may outlive the Spark operator");
            const batch = plan().captured.filter((r) => r.parent && r.parent.endsWith("::batch-pipeline") && r.custom);
            if (plan().config.pipelines.batch) assert.ok(batch.length > 0, "the batch pipeline's resources");
            for (const r of batch) assert.ok(deps.has(r.urn), `Airflow may outlive ${r.name}`);
        });

        it("deletes every custom resource before its operator (it depends on the operator's release)", function () {
            const crs = customResources(plan());
            assert.ok(crs.length > 0, "the plan has custom resources");
            const releases = ofType(plan(), RELEASE);
            for (const cr of crs) {
                const chart = OPERATOR_OF_GROUP[groupOf(cr.type)!];
                const operator = releases.filter((r) => inputsOf(r).chart === chart);
                assert.equal(operator.length, 1, `${cr.type} ${cr.name}: one ${chart} release expected, found ${operator.length}`);
                assert.ok(transitiveDeps(plan(), cr.urn).has(operator[0].urn), `${cr.type} ${cr.name} does not depend on the ${chart} release`);
            }
        });

        it("deletes namespaces last: custom resources and releases depend on their namespace", function () {
            const inNamespace = [...customResources(plan()), ...ofType(plan(), RELEASE)];
            assert.ok(inNamespace.length > 0, "the plan has namespaced releases and custom resources");
            const namespaces = new Map(ofType(plan(), NAMESPACE).map((n) => [inputsOf(n).metadata?.name, n]));
            for (const r of inNamespace) {
                const ns = inputsOf(r).metadata?.namespace ?? inputsOf(r).namespace;
                const nsResource = namespaces.get(ns);
                if (!nsResource) continue; // a namespace the program does not own (e.g. kube-system)
                assert.ok(transitiveDeps(plan(), r.urn).has(nsResource.urn), `${r.type} ${r.name} does not depend on namespace ${ns}`);
            }
        });
    },
);
