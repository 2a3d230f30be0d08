"""Register the lake's Trino database and import the starter dashboard.

Run by the Superset operator's init task (platform/superset/specs.ts
initCommand) in the Superset image, with the operator's superset_config.py on
PYTHONPATH, after ``superset init`` and the admin user. The bundle is the one
the Pulumi program built (platform/superset/dashboard.ts): a JSON object of
path -> YAML in Superset's export format. Superset's own ImportAssetsCommand
imports it, matching every object by its UUID and overwriting it, so a re-run
changes nothing.

Environment:
  BDOK_BUNDLE          required, the bundle file
  BDOK_ADMIN_USER      required, the user the import runs as (and owner)
  BDOK_TRINO_PASSWORD  optional, the Trino password (Trino behind a load balancer)
"""

from __future__ import annotations

import json
import logging
import os
import sys

log = logging.getLogger("superset_setup")

DATABASE_PREFIX = "databases/"


def load_bundle(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as handle:
        bundle = json.load(handle)
    if not isinstance(bundle, dict) or "metadata.yaml" not in bundle:
        raise ValueError(f"{path}: not an asset bundle (no metadata.yaml)")
    return {str(k): str(v) for k, v in bundle.items()}


def passwords_for(bundle: dict[str, str], password: str | None) -> dict[str, str]:
    """The Trino password for every database file of the bundle (none without one)."""
    if not password:
        return {}
    return {name: password for name in bundle if name.startswith(DATABASE_PREFIX)}


# pragma: no mutate start (not pure: a live Superset app)
def run(bundle_path: str, admin: str, password: str | None) -> int:
    # Imported here: the module is importable (and testable) without Superset.
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import security_manager
        from superset.commands.exceptions import CommandInvalidError
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.utils.core import override_user

        user = security_manager.find_user(username=admin)
        if user is None:
            log.error("no user %s: the init task creates it first", admin)
            return 1
        bundle = load_bundle(bundle_path)
        command = ImportAssetsCommand(bundle, passwords=passwords_for(bundle, password))
        with override_user(user):
            try:
                # validate() first: run() reports any invalid file as "an unknown reason" only.
                command.validate()
            except CommandInvalidError as error:
                log.error("the bundle is invalid: %s", json.dumps(error.normalized_messages(), default=str))
                return 1
            command.run()
        log.info("imported %d files of %s", len(bundle), bundle_path)
    return 0


# pragma: no mutate end


# pragma: no mutate start (not pure: the pod's environment and a live Superset)
def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    missing = [k for k in ("BDOK_BUNDLE", "BDOK_ADMIN_USER") if not os.environ.get(k)]
    if missing:
        log.error("missing environment: %s", ", ".join(missing))
        return 2
    return run(os.environ["BDOK_BUNDLE"], os.environ["BDOK_ADMIN_USER"], os.environ.get("BDOK_TRINO_PASSWORD"))


# pragma: no mutate end


if __name__ == "__main__":
    sys.exit(main())
