// The one reader of the price table (estimates/prices.json), typed. The program reads it for what
// the configuration accepts: instance types the table prices (lib/instances.ts) and Kubernetes
// versions by the EKS support calendar (config.ts); the estimator prices plans with it.
import type { PriceTable } from "./prices";
import table from "../estimates/prices.json";

export const priceTable: PriceTable = table;
