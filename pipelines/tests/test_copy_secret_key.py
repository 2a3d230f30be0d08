import unittest

from pipelines.realtime import copy_secret_key as copy

ENV = {
    "SOURCE_NAMESPACE": "elastic",
    "SOURCE_SECRET": "bdok-es-http-certs-public",
    "SOURCE_KEY": "ca.crt",
    "TARGET_NAMESPACE": "kafka",
    "TARGET_SECRET": "bdok-es-http-ca",
}
SOURCE = "/api/v1/namespaces/elastic/secrets/bdok-es-http-certs-public"
TARGET = "/api/v1/namespaces/kafka/secrets/bdok-es-http-ca"


class ScriptedApi:
    """A fake ``send`` replaying responses, or raising exceptions, and recording requests."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.requests = []

    def __call__(self, method, path, body, content_type):
        self.requests.append((method, path, body, content_type))
        response = self.responses.pop(0)
        if isinstance(response, Exception):
            raise response
        return response


def secret(**data):
    return {"kind": "Secret", "data": data}


class SettingsTest(unittest.TestCase):
    def test_defaults(self):
        s = copy.settings_from_env(ENV)
        self.assertEqual(s.target_key, "ca.crt")
        self.assertEqual((s.attempts, s.delay), (60, 10.0))

    def test_missing_variables_are_named(self):
        with self.assertRaisesRegex(ValueError, "SOURCE_SECRET"):
            copy.settings_from_env({k: v for k, v in ENV.items() if k != "SOURCE_SECRET"})

    def test_attempts_must_be_positive(self):
        with self.assertRaises(ValueError):
            copy.settings_from_env({**ENV, "COPY_ATTEMPTS": "0"})


class CopyOnceTest(unittest.TestCase):
    def setUp(self):
        self.s = copy.settings_from_env(ENV)

    def test_copies_the_base64_value_with_a_merge_patch(self):
        api = ScriptedApi((200, secret(**{"ca.crt": "Q0E="})), (200, secret()), (200, {}))
        self.assertEqual(copy.copy_once(api, self.s), "updated")
        self.assertEqual([r[:2] for r in api.requests], [("GET", SOURCE), ("GET", TARGET), ("PATCH", TARGET)])
        self.assertEqual(api.requests[2][2:], ({"data": {"ca.crt": "Q0E="}}, "application/merge-patch+json"))

    def test_several_keys_in_one_patch(self):
        s = copy.settings_from_env({**ENV, "SOURCE_KEY": "user.crt,user.key"})
        api = ScriptedApi(
            (200, secret(**{"user.crt": "Q1JU", "user.key": "S0VZ", "user.p12": "x"})), (200, secret(**{"user.crt": "Q1JU"})), (200, {})
        )
        self.assertEqual(copy.copy_once(api, s), "updated")
        self.assertEqual([r[0] for r in api.requests], ["GET", "GET", "PATCH"])
        self.assertEqual(api.requests[2][2], {"data": {"user.crt": "Q1JU", "user.key": "S0VZ"}})
        api = ScriptedApi(
            (200, secret(**{"user.crt": "Q1JU", "user.key": "S0VZ"})), (200, secret(**{"user.crt": "Q1JU", "user.key": "S0VZ"}))
        )
        self.assertEqual(copy.copy_once(api, s), "unchanged")
        api = ScriptedApi((200, secret(**{"user.crt": "Q1JU"})))
        with self.assertRaisesRegex(copy.Retry, "no key user.key"):
            copy.copy_once(api, s)

    def test_key_lists_must_pair_up(self):
        for source, target in (("a,b", "a"), ("a,", None), ("a,b", "c,c")):
            env = {**ENV, "SOURCE_KEY": source, **({"TARGET_KEY": target} if target else {})}
            with self.subTest(source=source, target=target), self.assertRaises(ValueError):
                copy.settings_from_env(env)

    def test_identical_value_is_not_patched(self):
        api = ScriptedApi((200, secret(**{"ca.crt": "Q0E="})), (200, secret(**{"ca.crt": "Q0E="})))
        self.assertEqual(copy.copy_once(api, self.s), "unchanged")
        self.assertEqual(len(api.requests), 2)

    def test_rotated_value_is_patched(self):
        api = ScriptedApi((200, secret(**{"ca.crt": "TkVX"})), (200, secret(**{"ca.crt": "T0xE"})), (200, {}))
        self.assertEqual(copy.copy_once(api, self.s), "updated")

    def test_missing_source_or_key_is_retried(self):
        for response in [(404, None), (200, secret()), (200, {"kind": "Secret"}), (503, None)]:
            with self.subTest(response=response):
                with self.assertRaises(copy.Retry):
                    copy.copy_once(ScriptedApi(response), self.s)

    def test_forbidden_fails_at_once(self):
        with self.assertRaisesRegex(RuntimeError, "403"):
            copy.copy_once(ScriptedApi((403, None)), self.s)

    def test_missing_target_fails_at_once(self):
        api = ScriptedApi((200, secret(**{"ca.crt": "Q0E="})), (404, None))
        with self.assertRaisesRegex(RuntimeError, "does not exist"):
            copy.copy_once(api, self.s)


class RunTest(unittest.TestCase):
    def test_retries_until_the_source_appears(self):
        s = copy.settings_from_env({**ENV, "COPY_ATTEMPTS": "3", "COPY_RETRY_SECONDS": "7"})
        api = ScriptedApi(OSError("refused"), (404, None), (200, secret(**{"ca.crt": "Q0E="})), (200, secret()), (200, {}))
        sleeps = []
        self.assertEqual(copy.run(api, s, sleep=sleeps.append), "updated")
        self.assertEqual(sleeps, [7.0, 7.0])

    def test_gives_up_after_the_attempts(self):
        s = copy.settings_from_env({**ENV, "COPY_ATTEMPTS": "2", "COPY_RETRY_SECONDS": "1"})
        with self.assertRaisesRegex(RuntimeError, "2 attempts"):
            copy.run(ScriptedApi((404, None), (404, None)), s, sleep=lambda _: None)


class RunBoundaryTest(unittest.TestCase):
    def run_with(self, attempts, *responses):
        s = copy.settings_from_env({**ENV, "COPY_ATTEMPTS": str(attempts), "COPY_RETRY_SECONDS": "3"})
        api, sleeps = ScriptedApi(*responses), []
        try:
            return copy.run(api, s, sleep=sleeps.append), sleeps, len(api.requests)
        except RuntimeError as error:
            return str(error), sleeps, len(api.requests)

    def test_attempts_and_sleeps_between_them(self):
        ready = [(200, secret(**{"ca.crt": "Q0E="})), (200, secret(**{"ca.crt": "Q0E="}))]
        # (attempts, responses) -> (outcome, sleeps between attempts, requests made)
        cases = [
            (1, [(404, None)], ("could not copy the secret key after 1 attempts", [], 1)),
            (2, [(404, None), (404, None)], ("could not copy the secret key after 2 attempts", [3.0], 2)),
            (2, [(503, None), *ready], ("unchanged", [3.0], 3)),
            (2, [OSError("refused"), *ready], ("unchanged", [3.0], 3)),
            (1, ready, ("unchanged", [], 2)),
        ]
        for attempts, responses, want in cases:
            with self.subTest(attempts=attempts, first=responses[0]):
                self.assertEqual(self.run_with(attempts, *responses), want)

    def test_each_failed_attempt_is_logged_with_its_number_and_error(self):
        s = copy.settings_from_env({**ENV, "COPY_ATTEMPTS": "3"})
        with self.assertLogs(copy.log, "INFO") as logs:
            copy.run(
                ScriptedApi(OSError("refused"), (200, secret(**{"ca.crt": "Q0E="})), (200, secret(**{"ca.crt": "Q0E="}))),
                s,
                sleep=lambda _: None,
            )
        self.assertEqual(logs.output[0], f"INFO:{copy.log.name}:not ready (attempt 1/3): refused")

    def test_a_fatal_answer_is_not_retried(self):
        outcome, sleeps, requests = self.run_with(5, (403, None))
        self.assertEqual((sleeps, requests), ([], 1))
        self.assertIn("failed with HTTP 403", outcome)

    def test_retryable_statuses(self):
        for status in (404, 429, 500, 502, 503, 504):
            with self.subTest(status=status), self.assertRaisesRegex(
                copy.Retry, f"GET secret elastic/bdok-es-http-certs-public returned HTTP {status}"
            ):
                copy.copy_once(ScriptedApi((status, None)), copy.settings_from_env(ENV))
        for status in (400, 401, 403, 409):
            with self.subTest(status=status), self.assertRaisesRegex(RuntimeError, f"failed with HTTP {status}"):
                copy.copy_once(ScriptedApi((status, None)), copy.settings_from_env(ENV))


class SenderTest(unittest.TestCase):
    def test_needs_the_in_cluster_environment(self):
        with self.assertRaises(ValueError):
            copy.in_cluster_sender({})


class TargetAnswersTest(unittest.TestCase):
    def test_the_target_secrets_failures_name_it_and_retry_as_the_sources_do(self):
        # After the source was read: the target's GET (404 aside: "does not exist") and its PATCH.
        s = copy.settings_from_env(ENV)
        source = (200, secret(**{"ca.crt": "Q0E="}))
        cases = [
            ((source, (503, None)), copy.Retry, "GET secret kafka/bdok-es-http-ca returned HTTP 503"),
            ((source, (403, None)), RuntimeError, "GET secret kafka/bdok-es-http-ca failed with HTTP 403"),
            ((source, (200, secret()), (429, None)), copy.Retry, "PATCH secret kafka/bdok-es-http-ca returned HTTP 429"),
            ((source, (200, secret()), (422, None)), RuntimeError, "PATCH secret kafka/bdok-es-http-ca failed with HTTP 422"),
        ]
        for answers, error, message in cases:
            with self.subTest(message=message), self.assertRaises(error) as caught:
                copy.copy_once(ScriptedApi(*answers), s)
            self.assertEqual(str(caught.exception), message)

    def test_settings_read_target_key_and_name_bad_values(self):
        self.assertEqual(copy.settings_from_env({**ENV, "TARGET_KEY": "es-ca.crt"}).target_key, "es-ca.crt")
        for env, name in [({**ENV, "COPY_ATTEMPTS": "0"}, "COPY_ATTEMPTS"), ({**ENV, "TARGET_KEY": "a,b"}, "TARGET_KEY")]:
            with self.subTest(name=name), self.assertRaisesRegex(ValueError, name):
                copy.settings_from_env(env)


if __name__ == "__main__":
    unittest.main()
