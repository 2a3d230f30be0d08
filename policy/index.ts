// Entry point of the bdok policy pack: `pulumi preview --policy-pack policy`.
// Configure it per stack with the file `npm run policy -- --emit-config <stack>` writes (passed as
// `--policy-pack-config`); without one, the stack comes from the URNs and exposure is clusterIp.
// The rules are listed in ./rules.ts (one file per service), which the tests import directly:
// constructing a PolicyPack starts the analyzer's gRPC server, so only this file ever does.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("bdok", {
    description: "bdok guardrails: encrypted, private, least-privilege AWS; no public or plaintext-credential Kubernetes workloads; prod keeps its data.",
    enforcementLevel: "mandatory",
    policies,
});
