// Engines the tier's files share: one moto (S3 + Glue) and one Trino with the chart's catalog for
// every file that runs a flow, one Kafka broker as the plan declares it for the realtime files. Each
// starts on first use in a process and lives as long as that process's run: starting them once per
// file cost about a Trino, a moto and a broker of CPU per file.
// When they stop: the tier runs under `mocha --parallel` (mocharc.json), where a worker runs file
// after file, each with a root suite of its own (mocha lib/nodejs/worker.js: `new Mocha(opts)
// .addFile(filepath)` per file), while this module loads once per worker. A root after-all hook
// registered here would belong to the worker's first file and stop the servers after it, and the
// next file would start them again. So in a worker nothing is registered: the worker's exit kills
// them (env.ts's exit handler; mocha's pool ends a worker with process.exit, workerpool
// src/worker.js). In a serial run (one file alone, `--no-config`) all files share one root suite,
// so the hook runs once, after the last file; without it the servers' child processes would keep
// mocha from exiting. shared.test.ts checks both.
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

let lake: Promise<SharedLake & { stop(): Promise<void> }> | undefined;
let kafka: Promise<Broker> | undefined;
/** Whether the broker's topics may hold a previous file's records (false right after its start). */
let kafkaUsed = false;

async function startLake(): Promise<SharedLake & { stop(): Promise<void> }> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-engines-shared-"));
    const plan = await enginePlan();
    const moto = await startMoto(work);
    // Trino is stopped from its spawn on: a stop does not wait for it to come up (a file that
    // never queried it, alone in a serial run, would wait a full Trino start).
    let stopped = false;
    let trinoServer: Server | undefined;
    const trino = startTrino(work, trinoCatalogs(plan, moto.endpoint), (s) => {
        trinoServer = s;
        if (stopped) void s.stop();
    });
    trino.catch(() => undefined);
    const stop = async () => {
        stopped = true;
        await Promise.all([moto.stop(), trinoServer?.stop()]);
    };
    return { work, plan, moto, trino, stop };
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
            (x) => x.stop(),
            () => undefined,
        ),
        k?.then(
            (b) => b.stop(),
            () => undefined,
        ),
    ]);
}

// Serial mocha only (see the top): MOCHA_WORKER_ID marks a worker (mocha
// lib/nodejs/buffered-worker-pool.js, the workers' forkOpts env).
if (typeof after === "function" && process.env.MOCHA_WORKER_ID === undefined) after(stopShared);
