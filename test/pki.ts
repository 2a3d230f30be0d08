// Test certificates made with the openssl CLI: a CA and the certificates it signs (the engines
// tier's Kafka PKI, the RDS TLS test).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** openssl in `dir`; a failure is an assertion error with its stderr. */
export function openssl(dir: string, args: string[]): void {
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, `openssl ${args.join(" ")}\n${r.stderr}`);
}

/** A self-signed CA: <name>.crt, <name>.key. */
export function newCa(dir: string, name: string, subject: string): void {
    openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", subject, "-keyout", `${name}.key`, "-out", `${name}.crt`]);
}

/** A certificate signed by `ca`: <name>.crt, <name>.key (`ext`: an extensions file's text). */
export function signed(dir: string, ca: string, name: string, subject: string, ext?: string): void {
    openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", `${name}.key`, "-out", `${name}.csr`]);
    const extArgs: string[] = [];
    if (ext) {
        fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
        extArgs.push("-extfile", `${name}.ext`);
    }
    openssl(dir, [
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        `${ca}.crt`,
        "-CAkey",
        `${ca}.key`,
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        `${name}.crt`,
        ...extArgs,
    ]);
}
