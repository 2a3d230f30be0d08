// Engines the tier's files share: one moto (S3 + Glue) and one Trino with the chart's catalog for
// every file that runs a flow, one Kafka broker as the plan declares it for the realtime files. Each
// starts on first use and stops when the tier ends (a root after-all hook; a crash still kills them,
// env.ts). Starting them once per file cost about a Trino, a moto and a broker of CPU per file.
// Isolation instead of fresh servers: a file gets moto reset (moto-api/reset: every bucket, table and
// checkpoint gone) and the lake re-created as the program creates it, and the plan's topics deleted
// and created again, so no file sees another's tables, checkpoints or records.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Server, startMoto } from "./env";
import { Broker, kafkaPlan, startPlanKafka } from "./kafka";
import { createLake, trinoCatalogs } from "./lake";
import { EnginePlan, enginePlan } from "./plan";
import { Trino, startTrino } from "./trino";

export interface SharedLake {
    /** The shared servers' folder (their logs). */
    work: string;
    plan: EnginePlan;
    moto: Server & { endpoint: string };
    /** Started with moto, in the background: its slow JVM start overlaps a file's first steps. */
    trino: Promise<Trino>;
}

let lake: Promise<SharedLake> | undefined;
let kafka: Promise<Broker> | undefined;
/** Whether the broker's topics may hold a previous file's records (false right after its start). */
let kafkaUsed = false;

async function startLake(): Promise<SharedLake> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-engines-shared-"));
    const plan = await enginePlan();
    const moto = await startMoto(work);
    const trino = startTrino(work, trinoCatalogs(plan, moto.endpoint));
    trino.catch(() => undefined);
    return { work, plan, moto, trino };
}

/** The shared moto and Trino, moto reset and the lake created again as the program creates it. */
export async function freshLake(): Promise<SharedLake> {
    // A failed start is not kept: the next file tries again (and reports its own failure).
    lake ??= startLake().catch((e) => {
        lake = undefined;
        throw e;
    });
    const l = await lake;
    const reset = await fetch(`${l.moto.endpoint}/moto-api/reset`, { method: "POST" });
    if (!reset.ok) throw new Error(`moto reset: HTTP ${reset.status}`);
    await createLake(l.plan, l.moto.endpoint);
    return l;
}

/**
 * The shared broker (the plan's topics, KafkaUsers and ACLs) and whether its topics must be
 * re-created before use (the caller re-creates them: RealtimeFlow.recreateTopics).
 */
export async function sharedKafka(plan: EnginePlan): Promise<{ broker: Broker; used: boolean }> {
    kafka ??= startPlanKafka(fs.mkdtempSync(path.join(os.tmpdir(), "bdok-engines-shared-kafka-")), kafkaPlan(plan.run)).catch((e) => {
        kafka = undefined;
        throw e;
    });
    const broker = await kafka;
    const used = kafkaUsed;
    kafkaUsed = true;
    return { broker, used };
}

/** Stops whatever was started. */
export async function stopShared(): Promise<void> {
    const [l, k] = [lake, kafka];
    lake = kafka = undefined;
    kafkaUsed = false;
    await Promise.all([
        l?.then(
            (x) =>
                Promise.all([
                    x.moto.stop(),
                    x.trino.then(
                        (t) => t.stop(),
                        () => undefined,
                    ),
                ]),
            () => undefined,
        ),
        k?.then(
            (b) => b.stop(),
            () => undefined,
        ),
    ]);
}

// Under mocha (the tier, or one file of it), a root-level hook: it runs once, after the last file.
if (typeof after === "function") after(stopShared);
