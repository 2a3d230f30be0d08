// Engines tier: the servers the files share (shared.ts) give each file a clean start. What an earlier
// file left (a lake object, a Glue table, records in the plan's topics) is gone for the next one,
// and what the program creates (the bucket, its folders, both databases) is there again.
import { strict as assert } from "assert";
import * as fs from "fs";
import { requireEngines } from "./env";
import { OPERATOR_USER, clientProps, kafkaMissing, probe } from "./kafka";
import type { RealtimeEnvironment } from "./realtime-flow";
import { lakeFolders, python } from "./lake";
import { requireEngine } from "./streams";
import { generate, startRealtimeEnvironment, tokenProviderJar } from "./realtime-flow";

const LIST = [
    "import sys, json, boto3",
    "ep, region, bucket = sys.argv[1:]",
    "s3 = boto3.client('s3', endpoint_url=ep, region_name=region)",
    "glue = boto3.client('glue', endpoint_url=ep, region_name=region)",
    "keys = [o['Key'] for o in s3.list_objects_v2(Bucket=bucket).get('Contents', [])]",
    "dbs = {d['Name']: [t['Name'] for t in glue.get_tables(DatabaseName=d['Name'])['TableList']] for d in glue.get_databases()['DatabaseList']}",
    "print(json.dumps({'keys': sorted(keys), 'dbs': dbs}))",
].join("\n");

/** The source topic's records, read as the operator (Connect's user may only write it). */
const sourceRecords = (env: RealtimeEnvironment, expect: number, timeoutMs = 60_000): { key: string }[] =>
    probe(env.work, "consume", {
        client: clientProps(env.broker.pki, OPERATOR_USER, env.broker.bootstrap),
        topic: env.flow.sourceTopic,
        expect,
        timeoutMs,
    });

describe("engines: the shared moto, Trino and Kafka start each file clean", function () {
    this.timeout(10 * 60_000);

    before(function () {
        requireEngines(this);
        requireEngine(this, "Kafka", kafkaMissing() ?? (fs.existsSync(tokenProviderJar()) ? undefined : `no ${tokenProviderJar()}`));
    });

    it("a second environment has none of the first one's objects, tables or records, and the lake the program creates", async () => {
        const first = await startRealtimeEnvironment("bdok-engines-shared-a-");
        const { plan, moto } = first;
        const state = async () => JSON.parse(await python(["-c", LIST, moto.endpoint, plan.region, plan.bucket]));
        const leftover = "leftover/object.txt";
        await python([
            "-c",
            "import sys, boto3; ep, region, bucket, key, db = sys.argv[1:]\n" +
                "boto3.client('s3', endpoint_url=ep, region_name=region).put_object(Bucket=bucket, Key=key, Body=b'x')\n" +
                "boto3.client('glue', endpoint_url=ep, region_name=region).create_table(DatabaseName=db, TableInput={'Name': 'leftover'})",
            moto.endpoint,
            plan.region,
            plan.bucket,
            leftover,
            plan.databases.realtime,
        ]);
        first.flow.publish(generate(3, 1, new Date()));
        const dirty = await state();
        assert.ok(dirty.keys.includes(leftover) && dirty.dbs[plan.databases.realtime].includes("leftover"), JSON.stringify(dirty));
        assert.equal(sourceRecords(first, 3).length, 3, "the first file's records are in the source topic");

        const second = await startRealtimeEnvironment("bdok-engines-shared-b-");
        assert.equal(second.moto.endpoint, moto.endpoint, "one moto for the tier");
        assert.equal(second.broker.bootstrap, first.broker.bootstrap, "one broker for the tier");
        const clean = await state();
        const job = first.flow.app.spec.mainApplicationFile.replace(/^s3a:\/\/[^/]+\//, "");
        assert.deepEqual(clean.keys, [...lakeFolders(plan), job].sort(), "the bucket holds the program's folders and the uploaded job only");
        assert.deepEqual(clean.dbs, { [plan.databases.imdb]: [], [plan.databases.realtime]: [] }, "both databases, empty");
        // Two new records, read for 10 s: a record of the first file would show beside them.
        second.flow.publish(generate(2, 101, new Date()));
        assert.deepEqual(
            sourceRecords(second, 1000, 10_000)
                .map((r) => JSON.parse(r.key).payload as number)
                .sort((a, b) => a - b),
            [101, 102],
            "the source topic holds the second file's records only",
        );
        assert.deepEqual((await (await second.trino).query("SELECT 1")).rows, [[1]], "Trino answers");
    });
});
