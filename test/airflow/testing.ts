// Reading the Airflow component out of a plan, for the Airflow test files.
import { strict as assert } from "assert";
import { toUrlSafeBase64 } from "../../platform/airflow/values";
import { Captured, PlanRun } from "../../tools/harness";
import { mockRandomStateOf } from "../../tools/mocks";
import { descendants, inputsOf, ofType, one } from "../support";

export const RELEASE = "kubernetes:helm.sh/v3:Release";
export const SECRET = "kubernetes:core/v1:Secret";

export function airflowComponent(run: PlanRun): Captured {
    return one(run, "bdok:platform:Airflow");
}
export function mine(run: PlanRun): Captured[] {
    return descendants(run, airflowComponent(run).urn);
}
export function release(run: PlanRun): Captured {
    const r = mine(run).filter((c) => c.type === RELEASE);
    assert.equal(r.length, 1, "one Airflow release");
    return r[0];
}
export function values(run: PlanRun): any {
    return inputsOf(release(run)).values;
}
/** An Airflow Secret: in `airflow`, or in `db-bootstrap` for the bootstrap Job's. */
export function secretNamed(run: PlanRun, name: string): Captured {
    const s = ofType(run, SECRET).filter((c) => inputsOf(c).metadata?.name === name && ["airflow", "db-bootstrap"].includes(inputsOf(c).metadata?.namespace));
    assert.equal(s.length, 1, `one Secret airflow/${name} or db-bootstrap/${name}`);
    return s[0];
}
export function randomValues(r: Captured): string[] {
    const st = mockRandomStateOf(r);
    return [...new Set([st.result, st.base64, toUrlSafeBase64(st.base64), st.hex])];
}
/** Every policy statement of the Airflow pod roles, by role name. */
export function policies(run: PlanRun): Map<string, any[]> {
    const out = new Map<string, any[]>();
    for (const rp of mine(run).filter((c) => c.type === "aws:iam/rolePolicy:RolePolicy")) {
        out.set(rp.name, JSON.parse(inputsOf(rp).policy).Statement);
    }
    return out;
}
export function hasRequestsAndLimits(r: any, what: string): void {
    for (const k of ["requests", "limits"]) {
        assert.ok(r?.[k]?.cpu && r?.[k]?.memory, `${what}: ${k}.cpu and ${k}.memory`);
    }
}
