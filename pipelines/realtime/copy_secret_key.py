"""Copy keys of a Kubernetes Secret into a Secret of another namespace.

Used for ECK's HTTP CA: the Elasticsearch sink connector needs it as a PEM
*file* in the Kafka Connect pods (kafka namespace), and a pod can only mount
Secrets of its own namespace. Run in-cluster with a service account that may
``get`` the source Secret and ``get``/``patch`` the target Secret (which must
exist: it is created empty by the deployment, so no ``create`` right is needed).

Stdlib only (urllib + ssl). Idempotent: the target is patched only when its
value differs. A source that does not exist yet (Elasticsearch still starting)
is retried with a bounded number of attempts.

Environment:
  SOURCE_NAMESPACE, SOURCE_SECRET, SOURCE_KEY    required
  TARGET_NAMESPACE, TARGET_SECRET                required
  TARGET_KEY                                     optional, default SOURCE_KEY
  (SOURCE_KEY and TARGET_KEY may list several keys, comma-separated, pairwise: all are written in
  one patch, so a certificate and its key never reach a reader half-updated)
  COPY_ATTEMPTS                                  optional, default 60
  COPY_RETRY_SECONDS                             optional, default 10
  KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT  set by Kubernetes in every pod
"""

from __future__ import annotations

import json
import logging
import os
import ssl
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass

log = logging.getLogger("copy_secret_key")

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
RETRYABLE_STATUSES = {404, 429, 500, 502, 503, 504}

# send(method, path, body, content_type) -> (status, parsed JSON body or None)
Send = Callable[[str, str, dict | None, str | None], tuple[int, dict | None]]


class Retry(Exception):
    """The source is not there yet, or the API is briefly unavailable."""


@dataclass(frozen=True)
class Settings:
    source_namespace: str
    source_secret: str
    source_key: str
    target_namespace: str
    target_secret: str
    target_key: str
    attempts: int
    delay: float


def settings_from_env(env: Mapping[str, str]) -> Settings:
    required = ("SOURCE_NAMESPACE", "SOURCE_SECRET", "SOURCE_KEY", "TARGET_NAMESPACE", "TARGET_SECRET")
    missing = [name for name in required if not env.get(name)]
    if missing:
        raise ValueError(f"missing environment variables: {', '.join(missing)}")
    attempts = int(env.get("COPY_ATTEMPTS", "60"))
    if attempts < 1:
        raise ValueError(f"COPY_ATTEMPTS must be >= 1, got {attempts}")
    sources = env["SOURCE_KEY"].split(",")
    targets = (env.get("TARGET_KEY") or env["SOURCE_KEY"]).split(",")
    if len(sources) != len(targets) or not all(sources + targets) or len(set(targets)) != len(targets):
        raise ValueError("SOURCE_KEY and TARGET_KEY must list the same number of distinct, non-empty keys")
    return Settings(
        source_namespace=env["SOURCE_NAMESPACE"],
        source_secret=env["SOURCE_SECRET"],
        source_key=env["SOURCE_KEY"],
        target_namespace=env["TARGET_NAMESPACE"],
        target_secret=env["TARGET_SECRET"],
        target_key=env.get("TARGET_KEY") or env["SOURCE_KEY"],
        attempts=attempts,
        delay=float(env.get("COPY_RETRY_SECONDS", "10")),
    )


def secret_path(namespace: str, name: str) -> str:
    return f"/api/v1/namespaces/{namespace}/secrets/{name}"


def _fail_or_retry(what: str, status: int) -> None:
    if status in RETRYABLE_STATUSES:
        raise Retry(f"{what} returned HTTP {status}")
    raise RuntimeError(f"{what} failed with HTTP {status}")


def copy_once(send: Send, s: Settings) -> str:
    """One attempt: return "unchanged" or "updated", raise Retry, or fail with RuntimeError."""
    status, source = send("GET", secret_path(s.source_namespace, s.source_secret), None, None)
    if status != 200:
        _fail_or_retry(f"GET secret {s.source_namespace}/{s.source_secret}", status)
    values = {}
    for source_key, target_key in zip(s.source_key.split(","), s.target_key.split(",")):
        value = ((source or {}).get("data") or {}).get(source_key)
        if not value:
            # ECK (or Strimzi's User Operator) fills the Secret after creating it: wait for the key.
            raise Retry(f"secret {s.source_namespace}/{s.source_secret} has no key {source_key} yet")
        values[target_key] = value

    status, target = send("GET", secret_path(s.target_namespace, s.target_secret), None, None)
    if status != 200:
        # 404 here is a deployment error (the target must exist), not something to wait for.
        if status == 404:
            raise RuntimeError(f"target secret {s.target_namespace}/{s.target_secret} does not exist")
        _fail_or_retry(f"GET secret {s.target_namespace}/{s.target_secret}", status)
    current = (target or {}).get("data") or {}
    if all(current.get(key) == value for key, value in values.items()):
        return "unchanged"

    # data values are base64 already: copied as they are, never decoded or logged.
    patch = {"data": values}
    status, _ = send("PATCH", secret_path(s.target_namespace, s.target_secret), patch, "application/merge-patch+json")
    if status != 200:
        _fail_or_retry(f"PATCH secret {s.target_namespace}/{s.target_secret}", status)
    return "updated"


def run(send: Send, s: Settings, sleep: Callable[[float], None] = time.sleep) -> str:
    for attempt in range(1, s.attempts + 1):
        try:
            return copy_once(send, s)
        except (Retry, OSError) as error:
            log.info("not ready (attempt %d/%d): %s", attempt, s.attempts, error)
            if attempt < s.attempts:
                sleep(s.delay)
    raise RuntimeError(f"could not copy the secret key after {s.attempts} attempts")


# pragma: no mutate start (not pure: HTTPS to a live API server with the pod's token)
def in_cluster_sender(env: Mapping[str, str], sa_dir: str = SERVICE_ACCOUNT_DIR, timeout: float = 30) -> Send:
    """A Send to the API server with the pod's service account, verifying the cluster CA."""
    host, port = env.get("KUBERNETES_SERVICE_HOST"), env.get("KUBERNETES_SERVICE_PORT", "443")
    if not host:
        raise ValueError("KUBERNETES_SERVICE_HOST is not set: not running in a pod")
    base = f"https://{host}:{port}" if ":" not in host else f"https://[{host}]:{port}"
    context = ssl.create_default_context(cafile=f"{sa_dir}/ca.crt")

    def send(method: str, path: str, body: dict | None, content_type: str | None) -> tuple[int, dict | None]:
        # Projected tokens rotate: read it for every request.
        with open(f"{sa_dir}/token", encoding="utf-8") as handle:
            token = handle.read().strip()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type or "application/json"
        request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, None

    return send


# pragma: no mutate end


# pragma: no mutate start (not pure: the pod's environment and a live API server)
def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_from_env(os.environ)
        outcome = run(in_cluster_sender(os.environ), settings)
    except (ValueError, RuntimeError, OSError) as error:
        log.error("%s", error)
        return 1
    log.info(
        "%s/%s[%s] -> %s/%s[%s]: %s",
        settings.source_namespace,
        settings.source_secret,
        settings.source_key,
        settings.target_namespace,
        settings.target_secret,
        settings.target_key,
        outcome,
    )
    return 0


# pragma: no mutate end


if __name__ == "__main__":
    sys.exit(main())
