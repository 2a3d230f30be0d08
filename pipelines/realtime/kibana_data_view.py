"""Create the Kibana data view ``customers-transformed`` if it does not exist.

Stdlib only (urllib + ssl), so it runs on any Python image. Idempotent: an
existing data view, or one created concurrently, counts as success. Waits for
Kibana to come up (bounded retries), verifying its TLS certificate with ECK's CA.

Environment:
  KIBANA_URL        required, e.g. https://kibana-kb-http.elastic.svc:5601
  KIBANA_CA_FILE    required, PEM CA that signed Kibana's certificate (ECK: ca.crt)
  ES_USERNAME       required, the Job's own file-realm user (no superuser default)
  ES_PASSWORD       required
  KIBANA_ATTEMPTS   optional, default 60
  KIBANA_RETRY_SECONDS optional, default 10
"""

from __future__ import annotations

import base64
import json
import logging
import os
import ssl
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import NoReturn

log = logging.getLogger("kibana_data_view")

DATA_VIEW_ID = "customers-transformed"
DATA_VIEW_TITLE = "customers-transformed"  # the index pattern: the sink's index is named after the topic
TIME_FIELD = "dt_update"
API_PATH = "/api/data_views/data_view"

# Kibana or Elasticsearch still starting, or a proxy in between not ready yet.
RETRYABLE_STATUSES = {408, 429, 500, 502, 503, 504}

# send(method, path, body) -> (status, response text); raises OSError when unreachable.
Send = Callable[[str, str, dict | None], tuple[int, str]]


class Retry(Exception):
    """Kibana is not ready yet."""


def data_view_body(view_id: str = DATA_VIEW_ID, title: str = DATA_VIEW_TITLE, time_field: str = TIME_FIELD) -> dict:
    """Request body of POST /api/data_views/data_view."""
    return {
        # allowNoIndex: this Job runs as soon as Kibana is up, usually before the sink has
        # written the first document; without it Kibana can refuse a pattern matching no index.
        "data_view": {"id": view_id, "title": title, "name": title, "timeFieldName": time_field, "allowNoIndex": True},
        # Never replace a data view someone may have customised.
        "override": False,
    }


def ensure_data_view(send: Send, body: dict) -> str:
    """One attempt: return "exists" or "created", raise Retry, or fail with RuntimeError."""
    view_id = body["data_view"]["id"]
    status, text = send("GET", f"{API_PATH}/{view_id}", None)
    if status == 200:
        return "exists"
    if status != 404:
        _fail_or_retry("GET", status, text)

    status, text = send("POST", API_PATH, body)
    if status == 200:
        return "created"
    # 409: same id created meanwhile; 400 "Duplicate data view": same title exists.
    if status == 409 or (status == 400 and "duplicate" in text.lower()):
        return "exists"
    _fail_or_retry("POST", status, text)


def _fail_or_retry(method: str, status: int, text: str) -> NoReturn:
    if status in RETRYABLE_STATUSES:
        raise Retry(f"{method} returned {status}")
    raise RuntimeError(f"{method} {API_PATH} failed with HTTP {status}: {text[:500]}")


def run(send: Send, body: dict, attempts: int, delay: float, sleep: Callable[[float], None] = time.sleep) -> str:
    for attempt in range(1, attempts + 1):
        try:
            return ensure_data_view(send, body)
        except (Retry, OSError) as error:
            log.info("Kibana not ready (attempt %d/%d): %s", attempt, attempts, error)
            if attempt < attempts:
                sleep(delay)
    raise RuntimeError(f"Kibana was not ready after {attempts} attempts")


# pragma: no mutate start (not pure: HTTPS to a live Kibana)
def http_sender(base_url: str, ca_file: str, username: str, password: str, timeout: float = 30) -> Send:
    """A Send over HTTPS that verifies Kibana's certificate against ``ca_file``."""
    context = ssl.create_default_context(cafile=ca_file)
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    headers = {
        "Authorization": f"Basic {credentials}",
        "Content-Type": "application/json",
        "kbn-xsrf": "true",  # Kibana rejects API writes without it
    }

    def send(method: str, path: str, body: dict | None) -> tuple[int, str]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(base_url.rstrip("/") + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")
        except urllib.error.URLError as error:
            # A certificate that does not verify will not fix itself: fail now
            # instead of retrying for ten minutes. Other errors stay OSErrors (retried).
            if isinstance(error.reason, ssl.SSLCertVerificationError):
                raise RuntimeError(f"TLS verification of {base_url} failed: {error.reason}") from error
            raise

    return send


# pragma: no mutate end


def config_from_env(env: Mapping[str, str]) -> dict:
    # ES_USERNAME too: a default would log in as a superuser ("elastic") with another user's password.
    missing = [name for name in ("KIBANA_URL", "KIBANA_CA_FILE", "ES_USERNAME", "ES_PASSWORD") if not env.get(name)]
    if missing:
        raise ValueError(f"missing environment variables: {', '.join(missing)}")
    if not env["KIBANA_URL"].startswith("https://"):
        raise ValueError(f"KIBANA_URL must be an https:// URL, got {env['KIBANA_URL']!r}")
    return {
        "base_url": env["KIBANA_URL"],
        "ca_file": env["KIBANA_CA_FILE"],
        "username": env["ES_USERNAME"],
        "password": env["ES_PASSWORD"],
        "attempts": int(env.get("KIBANA_ATTEMPTS", "60")),
        "delay": float(env.get("KIBANA_RETRY_SECONDS", "10")),
    }


# pragma: no mutate start (not pure: the pod's environment and a live Kibana)
def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = config_from_env(os.environ)
        send = http_sender(config["base_url"], config["ca_file"], config["username"], config["password"])
        outcome = run(send, data_view_body(), config["attempts"], config["delay"])
    except (ValueError, RuntimeError, OSError) as error:
        log.error("%s", error)
        return 1
    log.info("data view %s %s", DATA_VIEW_ID, outcome)
    return 0


# pragma: no mutate end


if __name__ == "__main__":
    sys.exit(main())
