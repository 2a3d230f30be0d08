// What the command-line tools share: usage errors and how they end. An expected error (bad
// arguments, bad configuration) prints its message alone and exits 2 — never a stack trace.
import { ConfigError } from "../lib/validate";

export class UsageError extends Error {}

/** The value after the flag at argv[i]; a missing value, or another flag in its place, is a usage error. */
export function flagValue(argv: string[], i: number, usage: string): string {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${argv[i]} needs a value\n${usage}`);
    return v;
}

/** Runs a tool's main and exits with its code. */
export function runCli(main: () => number | Promise<number>, codeOf: (e: unknown) => number | undefined = () => undefined): void {
    Promise.resolve()
        .then(main)
        .then(
            (code) => process.exit(code),
            (e) => {
                const code = codeOf(e);
                if (code !== undefined || e instanceof UsageError || e instanceof ConfigError) {
                    console.error((e as Error).message);
                    process.exit(code ?? 2);
                }
                console.error(e);
                process.exit(1);
            },
        );
}
