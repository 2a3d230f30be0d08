// The estimator's data tables in estimates/, each with a source per figure.
import * as fs from "fs";
import * as path from "path";
import { DurationTable } from "./durations";
import { CapacityTable } from "./node-capacity";
import { PriceTable } from "../../lib/prices";
// The program reads the price table (instance types, EKS versions) through this same loader.
import { priceTable } from "../../lib/price-table";

const ROOT = path.resolve(__dirname, "..", "..");

export interface Tables {
    durations: DurationTable;
    prices: PriceTable;
    capacity: CapacityTable;
}

let cached: Tables | undefined;

/** The data tables in estimates/ (read once). */
export function loadTables(): Tables {
    if (!cached) {
        const read = (f: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "estimates", f), "utf8"));
        cached = { durations: read("durations.json"), prices: priceTable, capacity: read("capacity.json") };
    }
    return cached;
}
