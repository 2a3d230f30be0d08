// typescript-eslint's recommended rules over the program, tools, tests and policy pack.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "plan/", ".charts/", ".schemas/", "mutants/", "reports/", "**/*.js", "**/*.mjs", "policy/node_modules/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Plans, values and CRD specs are open JSON by nature; `any` marks those edges.
            "@typescript-eslint/no-explicit-any": "off",
            // Deliberate lazy requires: a CLI refuses bad arguments before it loads the program,
            // and kubernetes-models classes load per kind on demand.
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
);
