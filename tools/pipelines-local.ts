// npm run pipelines:local: the pipelines on local engines, for a person changing a DAG or a Spark
// job. Starts moto (S3 + Glue) and a Trino with the chart's catalog, runs the batch flow (acquire ->
// imdb_bronze -> imdb_silver) on generated IMDB files exactly as the engines tier does, then the
// realtime flow (a Kafka broker with the plan's mTLS users and ACLs, customers records as the JDBC
// source publishes them, the streaming job as the plan's SparkApplication, left running), prints
// where to look, and keeps the servers up until Ctrl-C, which stops every one of them.
// Usage: npm run pipelines:local [-- --once]   (--once: stop after printing, e.g. in a script)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { INSTALL_HINT, missingEngines, startMoto, Server } from "../test/engines/env";
import { enginePlan } from "../test/engines/plan";
import { createLake, layDagFolder, localLake, python, runStep, trinoCatalogs } from "../test/engines/lake";
import { startTrino, Trino } from "../test/engines/trino";
import { generate, serveImdb } from "../test/engines/imdb-data";
import { kafkaMissing, kafkaPlan, startPlanKafka } from "../test/engines/kafka";
import { RealtimeFlow, generate as customers, tokenProviderJar } from "../test/engines/realtime-flow";

async function main(): Promise<void> {
    const once = process.argv.includes("--once");
    const missing = missingEngines() ?? kafkaMissing() ?? (fs.existsSync(tokenProviderJar()) ? undefined : "the Spark Kafka source");
    if (missing) {
        console.error(`pipelines:local: ${missing} not installed; run ${INSTALL_HINT}`);
        process.exit(2);
    }
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "bdok-pipelines-local-"));
    const stops: (() => Promise<unknown>)[] = [];
    const stopAll = async () => {
        await Promise.all(stops.map((s) => s().catch(() => undefined)));
    };
    try {
        console.log(`pipelines:local: logs and files in ${work}`);
        const plan = await enginePlan();
        const moto: Server & { endpoint: string } = await startMoto(work);
        stops.push(() => moto.stop());
        await createLake(plan, moto.endpoint);
        const data = generate();
        const imdb = await serveImdb(data);
        stops.push(() => imdb.close());
        const dags = path.join(work, "dags");
        layDagFolder(plan, dags);
        const lake = localLake(plan, moto.endpoint, work);
        console.log("batch: acquire");
        process.stdout.write(
            await python([path.join(__dirname, "..", "test", "engines", "acquire.py"), dags, imdb.url, plan.bucket, moto.endpoint], {
                AWS_DEFAULT_REGION: plan.region,
            }),
        );
        const trinoStarting = startTrino(work, trinoCatalogs(plan, moto.endpoint));
        stops.push(() =>
            trinoStarting.then(
                (t) => t.stop(),
                () => undefined,
            ),
        );
        for (const [step, app] of [
            ["imdb_bronze", "imdb-bronze"],
            ["imdb_silver", "imdb-silver"],
        ]) {
            console.log(`batch: ${step} (spark-submit, log ${path.join(work, `${step}.log`)})`);
            await runStep(step, plan, lake, app);
        }
        // Realtime: the broker as the plan declares it, records as the JDBC source publishes them,
        // the streaming job left running so that more records can be published while it runs.
        console.log("realtime: Kafka broker (mTLS, the plan's KafkaUsers and ACLs)");
        const broker = await startPlanKafka(path.join(work, "kafka"), kafkaPlan(plan.run));
        stops.push(() => broker.stop());
        const flow = new RealtimeFlow(plan, moto, broker, work);
        await flow.upload();
        const rows = customers(200, 1, new Date());
        flow.publish(rows);
        console.log(`realtime: streaming job (spark-submit, log ${path.join(work, "streaming.log")})`);
        const job = await flow.start("streaming");
        stops.push(() => job.stop());
        await flow.waitRows("realtime: streaming job -> Iceberg", rows.length, job);
        const trino: Trino = await trinoStarting;
        const answer = await trino.query(plan.batchTrinoQuery);
        const realtimeQuery = (plan.run.plan.outputs as Record<string, string>).realtimeTrinoQuery;
        const bands = await trino.query(realtimeQuery);
        const clientFile = path.join(work, "kafka", "client-connect.properties");
        fs.writeFileSync(
            clientFile,
            Object.entries(flow.connect())
                .map(([k, v]) => `${k}=${v}\n`)
                .join(""),
        );
        console.log(
            [
                "",
                "Where to look:",
                `  Trino         ${trino.url}  (catalog iceberg, schema ${plan.databases.imdb}; REST: curl -H 'X-Trino-User: me' -d 'SHOW TABLES FROM iceberg.${plan.databases.imdb}' ${trino.url}/v1/statement)`,
                `  John Wick     ${answer.rows.length} rows from the stack's query (outputs.batchTrinoQuery):`,
                ...answer.rows.map((r) => `                ${JSON.stringify(r)}`),
                `  S3 and Glue   ${moto.endpoint}  (moto; AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing, bucket ${plan.bucket}, landing/imdb/, warehouse/)`,
                `  Iceberg       glue.${plan.databases.imdb}.{name_basics,title_basics,title_crew,title_principals,title_ratings,consolidated}`,
                `  Kafka         ${broker.bootstrap}  (mTLS; Connect's client settings: ${clientFile})`,
                `  Topics        ${flow.sourceTopic} (JDBC-source records, ${rows.length} published) -> ${flow.targetTopic} (the job's output)`,
                `  Streaming     running, log ${job.log}; table glue.${flow.db}.customers`,
                `  Age bands     ${bands.rows.length} rows from the stack's query (outputs.realtimeTrinoQuery):`,
                ...bands.rows.map((r) => `                ${JSON.stringify(r)}`),
                `  Logs          ${work}`,
                "",
            ].join("\n"),
        );
        if (once) return;
        console.log("Ctrl-C stops everything.");
        await new Promise<void>((resolve) => {
            process.once("SIGINT", () => resolve());
            process.once("SIGTERM", () => resolve());
        });
    } finally {
        console.log("pipelines:local: stopping");
        await stopAll();
    }
}

main().then(
    () => process.exit(0),
    (e: Error) => {
        console.error(`pipelines:local: ${e.message}`);
        process.exit(1);
    },
);
