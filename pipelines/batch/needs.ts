// What the batch pipeline needs from the platform, as data: its Airflow tasks write the raw IMDB
// files to landing/, its SparkApplications (submitted by Airflow) read them. With the pipeline off,
// nobody asks.
import type { LakeGrant } from "../../platform/airflow/iam";

export interface BatchNeeds {
    airflowWorkerLake: LakeGrant[];
    airflowSubmitsSpark: boolean;
    /** Lake prefixes the Spark jobs of the airflow namespace read beyond their code. */
    sparkReads: string[];
}

export const NO_BATCH_NEEDS: BatchNeeds = { airflowWorkerLake: [], airflowSubmitsSpark: false, sparkReads: [] };

export function batchNeeds(): BatchNeeds {
    return {
        airflowWorkerLake: [{ sid: "Landing", prefixes: ["landing"], access: "readwrite" }],
        airflowSubmitsSpark: true,
        sparkReads: ["landing/"],
    };
}
