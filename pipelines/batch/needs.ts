// What the batch pipeline needs from the platform, as data: its Airflow tasks write the raw IMDB
// files to landing/ and submit its SparkApplications. With the pipeline off, nobody asks.
import type { LakeGrant } from "../../platform/airflow/iam";

export interface BatchNeeds {
    airflowWorkerLake: LakeGrant[];
    airflowSubmitsSpark: boolean;
}

export const NO_BATCH_NEEDS: BatchNeeds = { airflowWorkerLake: [], airflowSubmitsSpark: false };

export function batchNeeds(): BatchNeeds {
    return { airflowWorkerLake: [{ sid: "Landing", prefixes: ["landing"], access: "readwrite" }], airflowSubmitsSpark: true };
}
