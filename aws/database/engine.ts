export const POSTGRES_PORT = 5432;

/** The engine family of a version ("17.6" → "postgres17") for the parameter group. */
export function parameterFamily(engineVersion: string): string {
    return `postgres${engineVersion.split(".")[0]}`;
}

/**
 * Who owns the minor version. A major version alone ("17"): RDS upgrades minors in the
 * maintenance window and the provider accepts any 17.x as matching. A full version ("17.6"): the
 * stack owns it, so automatic upgrades are off; otherwise AWS moves to 17.7 and the next `up`
 * tries to "upgrade" back to 17.6, which RDS refuses.
 */
export function engineVersionOwner(engineVersion: string): { engineVersion: string; autoMinorVersionUpgrade: boolean } {
    return { engineVersion, autoMinorVersionUpgrade: !engineVersion.includes(".") };
}
