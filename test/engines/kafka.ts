// A Kafka broker at versions.ts's version, from Maven Central's jars (install-streams.sh), in KRaft
// mode on loopback, secured the way our Kafka CR asks Strimzi to: one TLS listener that requires a
// client certificate, `simple` authorization (KRaft's StandardAuthorizer), clients holding what a
// KafkaUser's Secret holds (user.p12 + user.password) and the cluster CA's ca.crt in PEM.
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { apps } from "../../versions";
import { CACHE, freePort, startServer, waitFor } from "./env";
import { run } from "./streams";
import { newCa as newCaAs, openssl, signed } from "../pki";

const newCa = (dir: string, name: string) => newCaAs(dir, name, `/O=io.strimzi/CN=${name}`);
import { inputsOf, ofType } from "../support";
import type { PlanRun } from "../../tools/harness";

export const KAFKA_VERSION = apps.kafka;
export const PROBE = path.join(__dirname, "KafkaProbe.java");

export function kafkaLibs(): string {
    return path.join(CACHE, "kafka", KAFKA_VERSION, "libs");
}

/** Why the broker cannot start here, or undefined when it can. */
export function kafkaMissing(): string | undefined {
    const jar = path.join(kafkaLibs(), `kafka_2.13-${KAFKA_VERSION}.jar`);
    if (!fs.existsSync(jar)) return `no ${jar}`;
    for (const tool of ["java", "openssl"]) if (run("sh", ["-c", `command -v ${tool} || true`]).trim() === "") return `no ${tool}`;
    return undefined;
}

const classpath = () => `${kafkaLibs()}/*`;

// ---- PKI: two CAs, as Strimzi runs them (the cluster CA signs brokers, the clients CA users) ----

export interface UserCredentials {
    /** PKCS #12 keystore (user.p12) and its password (user.password), as in the KafkaUser's Secret. */
    p12: string;
    password: string;
}
export interface Pki {
    dir: string;
    /** The cluster CA certificate in PEM (the `<cluster>-cluster-ca-cert` Secret's ca.crt). */
    clusterCa: string;
    users: Map<string, UserCredentials>;
}

function p12(dir: string, name: string): UserCredentials {
    const password = crypto.randomBytes(12).toString("hex");
    openssl(dir, ["pkcs12", "-export", "-inkey", `${name}.key`, "-in", `${name}.crt`, "-name", name, "-passout", `pass:${password}`, "-out", `${name}.p12`]);
    return { p12: path.join(dir, `${name}.p12`), password };
}

/** Broker identity and super users: the broker itself and the stand-in for Strimzi's User Operator. */
export const BROKER_CN = "bdok-kafka";
export const OPERATOR_USER = "entity-user-operator";

/**
 * Certificates for the broker and for `users`. A user's certificate subject is CN=<KafkaUser name>,
 * the principal Strimzi's User Operator writes its ACLs for (KafkaUserModel.getTlsUserName:
 * "CN=" + name, strimzi-kafka-operator user-operator).
 */
export function makePki(dir: string, users: string[]): Pki {
    fs.mkdirSync(dir, { recursive: true });
    newCa(dir, "cluster-ca");
    newCa(dir, "clients-ca");
    signed(dir, "cluster-ca", "broker", `/O=io.strimzi/CN=${BROKER_CN}`, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    fs.writeFileSync(
        path.join(dir, "broker-trust.pem"),
        fs.readFileSync(path.join(dir, "cluster-ca.crt"), "utf8") + fs.readFileSync(path.join(dir, "clients-ca.crt"), "utf8"),
    );
    const creds = new Map<string, UserCredentials>();
    creds.set("broker", p12(dir, "broker"));
    for (const u of [OPERATOR_USER, ...users]) {
        signed(dir, "clients-ca", u, `/CN=${u}`);
        creds.set(u, p12(dir, u));
    }
    return { dir, clusterCa: path.join(dir, "cluster-ca.crt"), users: creds };
}

/** Client properties of a KafkaUser, as the streaming job's --kafka-option flags set them. */
export function clientProps(pki: Pki, user: string, bootstrap: string): Record<string, string> {
    const c = pki.users.get(user);
    if (!c) throw new Error(`no credentials for ${user}`);
    return {
        "bootstrap.servers": bootstrap,
        "security.protocol": "SSL",
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": pki.clusterCa,
        "ssl.keystore.type": "PKCS12",
        "ssl.keystore.location": c.p12,
        "ssl.keystore.password": c.password,
    };
}

// ---- The broker ----

export interface Broker {
    bootstrap: string;
    pki: Pki;
    log: string;
    stop: () => Promise<void>;
    /** Stops one node (node.id `id`, from 1) of a cluster, the others go on. */
    stopNode: (id: number) => Promise<void>;
}

/**
 * Starts one combined broker+controller. `config` is the Kafka CR's spec.kafka.config from the plan
 * (replication and ISR settings); everything else is what Strimzi derives from the CR's listener
 * (tls: true, authentication tls) and authorization (simple) sections.
 */
export function startBroker(dir: string, pki: Pki, config: Record<string, unknown>): Promise<Broker> {
    return startCluster(dir, pki, config, 1);
}

/**
 * Starts `nodes` combined broker+controller nodes, each its own JVM (a small heap when there are
 * several), one static KRaft quorum of all of them: the brokers an `ha` plan's broker pool stands for.
 */
export async function startCluster(dir: string, pki: Pki, config: Record<string, unknown>, nodes: number): Promise<Broker> {
    if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`nodes: got ${nodes}; allowed: an integer >= 1`);
    const ports = await Promise.all(Array.from({ length: nodes }, async () => ({ client: await freePort(), controller: await freePort() })));
    const broker = pki.users.get("broker")!;
    const log4j = path.join(dir, "log4j2.properties");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
        log4j,
        "rootLogger.level=WARN\nrootLogger.appenderRef.out.ref=out\nappender.out.type=Console\nappender.out.name=out\nappender.out.layout.type=PatternLayout\nappender.out.layout.pattern=%d %p %c{1} %m%n\n",
    );
    // C1 only: short-lived tools and a broker that serves a few hundred records start faster; several
    // nodes on one small machine get smaller heaps.
    const jvm = [
        ...(nodes === 1 ? ["-Xmx512m"] : ["-Xmx256m", "-XX:+UseSerialGC"]),
        "-XX:TieredStopAtLevel=1",
        `-Dlog4j2.configurationFile=${log4j}`,
        "-cp",
        classpath(),
    ];
    const clusterId = run("java", [...jvm, "kafka.tools.StorageTool", "random-uuid"]).trim();
    const voters = ports.map((p, i) => `${i + 1}@127.0.0.1:${p.controller}`).join(",");
    const servers: { stop: () => Promise<void> }[] = [];
    const stop = async () => void (await Promise.all(servers.map((s) => s.stop())));
    try {
        const started = ports.map(({ client, controller }, i) => {
            // One node: the layout the single-broker tests always had (dir/server.properties, dir/data).
            const nodeDir = nodes === 1 ? dir : path.join(dir, `node-${i + 1}`);
            fs.mkdirSync(nodeDir, { recursive: true });
            const props: Record<string, string> = {
                ...Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)])),
                "process.roles": "broker,controller",
                "node.id": String(i + 1),
                "controller.quorum.voters": voters,
                listeners: `TLS://127.0.0.1:${client},CONTROLLER://127.0.0.1:${controller}`,
                "advertised.listeners": `TLS://127.0.0.1:${client}`,
                "listener.security.protocol.map": "TLS:SSL,CONTROLLER:SSL",
                "inter.broker.listener.name": "TLS",
                "controller.listener.names": "CONTROLLER",
                "ssl.client.auth": "required",
                "ssl.keystore.type": "PKCS12",
                "ssl.keystore.location": broker.p12,
                "ssl.keystore.password": broker.password,
                "ssl.truststore.type": "PEM",
                "ssl.truststore.location": path.join(pki.dir, "broker-trust.pem"),
                "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users": `User:CN=${BROKER_CN},O=io.strimzi;User:CN=${OPERATOR_USER}`,
                "log.dirs": path.join(nodeDir, "data"),
                "group.initial.rebalance.delay.ms": "0",
                "auto.create.topics.enable": "false",
            };
            const file = path.join(nodeDir, "server.properties");
            fs.writeFileSync(
                file,
                Object.entries(props)
                    .map(([k, v]) => `${k}=${v}`)
                    .join("\n") + "\n",
            );
            run("java", [...jvm, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", file]);
            const server = startServer("java", [...jvm, "kafka.Kafka", file], { log: path.join(nodeDir, "broker.log") });
            servers.push(server);
            return { server, port: client };
        });
        await Promise.all(
            started.map(({ server, port }) => waitFor(`Kafka ${KAFKA_VERSION} broker on 127.0.0.1:${port}`, () => listening(port), 120_000, server)),
        );
    } catch (e) {
        await stop();
        throw e;
    }
    const bootstrap = ports.map((p) => `127.0.0.1:${p.client}`).join(",");
    const stopNode = (id: number) => servers[id - 1].stop();
    return { bootstrap, pki, log: nodes === 1 ? path.join(dir, "broker.log") : path.join(dir, "node-1", "broker.log"), stop, stopNode };
}

function listening(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const s = net.connect(port, "127.0.0.1");
        s.once("connect", () => {
            s.destroy();
            resolve(true);
        });
        s.once("error", () => resolve(false));
    });
}

/** Runs KafkaProbe.java (Kafka's own client and Connect's JsonConverter) and returns its JSON answer. */
export function probe<T = unknown>(dir: string, command: string, request: unknown, timeoutMs = 180_000): T {
    const file = path.join(dir, `${command}-${crypto.randomBytes(4).toString("hex")}.json`);
    fs.writeFileSync(file, JSON.stringify(request));
    const log4j = path.join(dir, "log4j2.properties");
    const out = run("java", ["-Xmx256m", "-XX:TieredStopAtLevel=1", `-Dlog4j2.configurationFile=${log4j}`, ...probeClass(), command, file], { timeoutMs });
    return JSON.parse(out.trim().split("\n").pop()!) as T;
}

let compiled: string[] | undefined;

/**
 * The probe compiled once into the cache (keyed by its source and the Kafka version): the source
 * launcher (`java KafkaProbe.java`) compiled it again on every call, seconds of CPU each. The
 * compiler is the one the source launcher uses (the JDK's jdk.compiler module).
 */
function probeClass(): string[] {
    if (compiled) return compiled;
    const key = crypto.createHash("sha256").update(fs.readFileSync(PROBE)).update(KAFKA_VERSION).digest("hex").slice(0, 16);
    const dir = path.join(CACHE, "kafka", KAFKA_VERSION, `probe-${key}`);
    if (!fs.existsSync(path.join(dir, "KafkaProbe.class"))) {
        const tmp = fs.mkdtempSync(`${dir}.tmp-`);
        // javac's main run by java takes no classpath wildcard: the jars are listed.
        const jars = fs
            .readdirSync(kafkaLibs())
            .filter((f) => f.endsWith(".jar"))
            .map((f) => path.join(kafkaLibs(), f));
        run("java", ["-XX:TieredStopAtLevel=1", "-m", "jdk.compiler/com.sun.tools.javac.Main", "-nowarn", "-d", tmp, "-cp", jars.join(":"), PROBE]);
        try {
            fs.renameSync(tmp, dir);
        } catch {
            fs.rmSync(tmp, { recursive: true, force: true }); // compiled meanwhile by another run
        }
    }
    return (compiled = ["-cp", `${dir}:${classpath()}`, "KafkaProbe"]);
}

// ---- The Kafka side of the plan: the CR's broker config, the KafkaTopics, the KafkaUsers' ACLs ----

const CR = (kind: string) => `kubernetes:kafka.strimzi.io/v1:${kind}`;

export interface Acl {
    resource: { type: "topic" | "group"; name: string; patternType: "literal" | "prefix" };
    operations: string[];
}
export interface KafkaPlan {
    /** spec.kafka of the Kafka CR. */
    kafka: { config?: Record<string, unknown>; listeners: { tls: boolean; authentication?: { type: string } }[]; authorization: { type: string } };
    /** The KafkaTopics as the Topic Operator creates them. */
    topics: { name: string; partitions: number; replicas: number; config: Record<string, unknown> }[];
    /** Nodes with the broker role, summed over the KafkaNodePools. */
    brokers: number;
    /** KafkaUser name -> its ACLs. */
    users: Map<string, Acl[]>;
}

export function kafkaPlan(run: PlanRun): KafkaPlan {
    const kafka = ofType(run, CR("Kafka")).map(inputsOf);
    if (kafka.length !== 1) throw new Error(`plan: ${kafka.length} Kafka CRs`);
    return {
        kafka: kafka[0].spec.kafka,
        topics: ofType(run, CR("KafkaTopic")).map((t) => ({
            name: inputsOf(t).spec.topicName ?? inputsOf(t).metadata.name,
            partitions: inputsOf(t).spec.partitions,
            replicas: inputsOf(t).spec.replicas,
            config: inputsOf(t).spec.config ?? {},
        })),
        brokers: ofType(run, CR("KafkaNodePool"))
            .map(inputsOf)
            .filter((p) => p.spec.roles.includes("broker"))
            .reduce((n, p) => n + p.spec.replicas, 0),
        users: new Map(ofType(run, CR("KafkaUser")).map((u) => [inputsOf(u).metadata.name, inputsOf(u).spec.authorization.acls as Acl[]])),
    };
}

/**
 * A broker set up as the operators would: Strimzi's Topic Operator creates the KafkaTopics, its User
 * Operator the ACLs of each KafkaUser for principal User:CN=<name>. `extraTopics` (one partition
 * each) stand for topics that clients create themselves (Connect's); `seed` puts one record in every
 * topic (for read probes).
 */
export async function startPlanKafka(dir: string, plan: KafkaPlan, extraTopics: string[] = [], seed = false): Promise<Broker> {
    const pki = makePki(path.join(dir, "pki"), [...plan.users.keys()]);
    const broker = await startBroker(dir, pki, plan.kafka.config ?? {});
    try {
        const acls = [...plan.users].flatMap(([user, list]) =>
            list.flatMap((a) =>
                a.operations.map((operation) => ({
                    principal: `User:CN=${user}`,
                    host: "*",
                    // Kafka's enum names (ResourceType, PatternType, AclOperation), as Strimzi's SimpleAclRule maps them.
                    resourceType: a.resource.type.toUpperCase(),
                    name: a.resource.name,
                    patternType: a.resource.patternType === "prefix" ? "PREFIXED" : "LITERAL",
                    operation: operation.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase(),
                })),
            ),
        );
        const declared = new Set(plan.topics.map((t) => t.name));
        const topics = [...plan.topics, ...extraTopics.filter((t) => !declared.has(t)).map((name) => ({ name, partitions: 1, replicas: 1, config: {} }))];
        probe(dir, "setup", { admin: clientProps(pki, OPERATOR_USER, broker.bootstrap), topics, acls, seed });
    } catch (e) {
        await broker.stop();
        throw e;
    }
    return broker;
}
