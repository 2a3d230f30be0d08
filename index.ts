// Composition root: validate the stack configuration, build the layers, export the outputs.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig } from "./config";
import { createBdok } from "./program";

function main(): Record<string, pulumi.Input<unknown>> {
    try {
        return createBdok(loadConfig());
    } catch (e) {
        // A RunError is printed without a stack trace: the message names the key and what is allowed.
        if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
        throw e;
    }
}

export = main();
