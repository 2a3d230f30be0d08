// The Spark History Server as pure objects: its properties file, the Deployment, the Service, the
// port-forward command. It reads the event logs every SparkApplication writes (events.ts).
import { images, sparkHistoryJars } from "../../versions";
import { NAMESPACE, resources } from "../k8s/objects";
import { s3aConf } from "../spark-operator/specs";
import { eventLogDir } from "./events";
import type { StackConfig } from "../../config";
import { serviceAnnotations, serviceType, tlsAnnotations } from "../load-balancer-controller/values";

export const HISTORY_NAME = "spark-history-server";
export const HISTORY_SERVICE_ACCOUNT = "spark-history-server";
/** Spark's default spark.history.ui.port. */
export const HISTORY_PORT = 18080;
export const HISTORY_LABELS = { "app.kubernetes.io/name": HISTORY_NAME, "app.kubernetes.io/part-of": "bdok" } as const;

const CONF_DIR = "/etc/spark-history";
export const CONF_FILE = "spark-history.conf";
/** hadoop-aws and its SDK bundle, fetched by the init container (the image ships no S3A). */
export const JARS_DIR = "/opt/spark-history/jars";

/**
 * The server's settings (docs/monitoring.md, "Spark History Server Configuration Options"). The
 * listing interval is 60 s, not 10 s: each scan LISTs the prefix (about 0.2 USD/month of S3
 * requests instead of 1.1). No cleaner: the role is read-only; an S3 lifecycle rule expires old
 * logs. A small UI cache: the pod is sized for a few applications at a time.
 */
export function historyProperties(bucket: string, region: string): Record<string, string> {
    const s3a = { ...s3aConf(region) };
    delete s3a["spark.jars.ivy"]; // for spark-submit only
    return {
        "spark.history.fs.logDirectory": eventLogDir(bucket),
        "spark.history.fs.update.interval": "60s",
        "spark.history.fs.cleaner.enabled": "false",
        "spark.history.retainedApplications": "10",
        "spark.history.ui.port": String(HISTORY_PORT),
        ...s3a,
    };
}

/** A Java properties file (keys and values here carry no character the format escapes). */
export function propertiesText(props: Record<string, string>): string {
    for (const [k, v] of Object.entries(props)) {
        if (/[\s=:\\#!]/.test(k) || /[\n\r\\]/.test(v)) throw new Error(`properties: ${JSON.stringify(k)}=${JSON.stringify(v)} would need escaping`);
    }
    return Object.entries(props)
        .map(([k, v]) => `${k}=${v}\n`)
        .join("");
}

/**
 * The init container's program: each pinned jar downloaded, its SHA-256 checked against versions.ts
 * before it is renamed into place; a mismatch fails the pod (no unverified code on the classpath).
 * The image's python3 (the -python3 variant) does it with the standard library alone.
 */
export const FETCH_JARS_PY = [
    "import hashlib, json, os, sys, urllib.request",
    "dest = sys.argv[1]",
    "for jar in json.loads(os.environ['JARS']):",
    "    path = os.path.join(dest, jar['file'])",
    "    digest = hashlib.sha256()",
    "    with urllib.request.urlopen(jar['url'], timeout=60) as r, open(path + '.part', 'wb') as f:",
    "        for chunk in iter(lambda: r.read(1 << 20), b''):",
    "            digest.update(chunk)",
    "            f.write(chunk)",
    "    if digest.hexdigest() != jar['sha256']:",
    "        sys.exit(f\"{jar['url']}: sha256 {digest.hexdigest()}, expected {jar['sha256']}\")",
    "    os.rename(path + '.part', path)",
    "    print(f\"{jar['file']}: sha256 verified\")",
].join("\n");

export interface HistoryDeploymentArgs {
    /** The ConfigMap holding CONF_FILE (content-named, so a change rolls the pod). */
    configMap: string;
    /** The system node group's label value (bdok/node-group). */
    systemGroup: string;
    ha: boolean;
}

const hardened = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

/** Sizes: the JVM heap (SPARK_DAEMON_MEMORY) under the container's memory limit, room for the jars on disk. */
export function historyResources(ha: boolean) {
    return {
        heap: ha ? "768m" : "384m",
        container: ha ? resources("100m", "1Gi", "1", "1Gi") : resources("50m", "640Mi", "1", "640Mi"),
        // hadoop-aws (0.9 MB) and the SDK bundle (558 MB) in an emptyDir.
        jarsGiB: 1,
    };
}

export function historyDeploymentSpec(a: HistoryDeploymentArgs) {
    const size = historyResources(a.ha);
    const ephemeral = `${size.jarsGiB}Gi`;
    return {
        // One reader: the server keeps no state of its own, a restart re-lists the prefix.
        replicas: 1,
        selector: { matchLabels: { "app.kubernetes.io/name": HISTORY_NAME } },
        template: {
            metadata: { labels: { ...HISTORY_LABELS } },
            spec: {
                serviceAccountName: HISTORY_SERVICE_ACCOUNT,
                // Pod Identity mounts its own token; the server never calls the Kubernetes API.
                automountServiceAccountToken: false,
                // The image's `spark` user.
                securityContext: { runAsNonRoot: true, runAsUser: 185, runAsGroup: 185, fsGroup: 185, seccompProfile: { type: "RuntimeDefault" } },
                // The fixed system group: no pool taint tolerated, so consolidation never moves it.
                nodeSelector: { "bdok/node-group": a.systemGroup },
                volumes: [
                    { name: "conf", configMap: { name: a.configMap, defaultMode: 0o444 } },
                    { name: "jars", emptyDir: { sizeLimit: ephemeral } },
                    { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                ],
                initContainers: [
                    {
                        name: "fetch-jars",
                        image: images.spark,
                        command: ["python3", "-c", FETCH_JARS_PY, JARS_DIR],
                        env: [{ name: "JARS", value: JSON.stringify(Object.values(sparkHistoryJars)) }],
                        volumeMounts: [{ name: "jars", mountPath: JARS_DIR }],
                        resources: { ...resources("50m", "128Mi", "1", "128Mi"), requests: { cpu: "50m", memory: "128Mi", "ephemeral-storage": ephemeral } },
                        securityContext: hardened,
                    },
                ],
                containers: [
                    {
                        name: "history-server",
                        image: images.spark,
                        // spark-class runs the server in the foreground (sbin/start-history-server.sh would daemonize).
                        command: [
                            "/opt/spark/bin/spark-class",
                            "org.apache.spark.deploy.history.HistoryServer",
                            "--properties-file",
                            `${CONF_DIR}/${CONF_FILE}`,
                        ],
                        env: [
                            // Read by the launcher for daemons (launcher SparkClassCommandBuilder: SPARK_DAEMON_CLASSPATH, SPARK_DAEMON_MEMORY).
                            { name: "SPARK_DAEMON_CLASSPATH", value: `${JARS_DIR}/*` },
                            { name: "SPARK_DAEMON_MEMORY", value: size.heap },
                            { name: "SPARK_LOG_DIR", value: "/tmp" },
                        ],
                        ports: [{ name: "http", containerPort: HISTORY_PORT, protocol: "TCP" }],
                        readinessProbe: { httpGet: { path: "/api/v1/version", port: "http" }, periodSeconds: 10, failureThreshold: 3 },
                        livenessProbe: { httpGet: { path: "/api/v1/version", port: "http" }, initialDelaySeconds: 60, periodSeconds: 30, failureThreshold: 4 },
                        volumeMounts: [
                            { name: "conf", mountPath: CONF_DIR, readOnly: true },
                            { name: "jars", mountPath: JARS_DIR, readOnly: true },
                            { name: "tmp", mountPath: "/tmp" },
                        ],
                        resources: { ...size.container, requests: { ...size.container.requests, "ephemeral-storage": ephemeral } },
                        securityContext: hardened,
                    },
                ],
            },
        },
    };
}

/** The Service port when the load balancer terminates TLS: HTTPS's own, as Grafana's and Airflow's. */
export const HISTORY_TLS_PORT = 443;

/** What decides how the History Server is reached: the same settings as every other UI. */
export type HistoryExposure = Pick<StackConfig, "exposure" | "loadBalancerSourceRanges" | "vpcCidr" | "loadBalancerCertificateArn">;

/** The Service port: 443 when the load balancer serves TLS (a certificate and a load balancer), else Spark's. */
export function historyServicePort(e: HistoryExposure): number {
    return Object.keys(tlsAnnotations(e, [HISTORY_TLS_PORT])).length ? HISTORY_TLS_PORT : HISTORY_PORT;
}

/**
 * The Service and its annotations: ClusterIP, or an NLB the load balancer controller owns with the
 * configured client ranges, TLS at the load balancer on 443 when a certificate is given (the server
 * itself speaks plain HTTP; its pages show job configurations).
 */
export function historyService(e: HistoryExposure): { annotations: Record<string, string>; spec: Record<string, unknown> } {
    const port = historyServicePort(e);
    const tls = port === HISTORY_TLS_PORT;
    return {
        annotations: { ...serviceAnnotations(e), ...tlsAnnotations(e, [port]) },
        spec: {
            type: serviceType(e.exposure),
            selector: { "app.kubernetes.io/name": HISTORY_NAME },
            ports: [{ name: tls ? "https" : "http", port, targetPort: "http", protocol: "TCP" }],
        },
    };
}

/** kubectl forwards to a Service port (443 behind TLS), reaching the pod's plain-HTTP port. */
export function historyPortForwardCommand(e: HistoryExposure): string {
    return `kubectl -n ${NAMESPACE.sparkOperator} port-forward svc/${HISTORY_NAME} ${HISTORY_PORT}:${historyServicePort(e)}  # then http://localhost:${HISTORY_PORT}`;
}
