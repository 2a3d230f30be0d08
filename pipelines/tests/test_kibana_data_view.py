import unittest

from pipelines.realtime import kibana_data_view as kibana


class ScriptedKibana:
    """A fake ``send`` replaying (status, text) responses, or raising exceptions."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.requests = []

    def __call__(self, method, path, body):
        self.requests.append((method, path, body))
        response = self.responses.pop(0)
        if isinstance(response, Exception):
            raise response
        return response


class BodyTest(unittest.TestCase):
    def test_body(self):
        self.assertEqual(
            kibana.data_view_body(),
            {
                "data_view": {
                    "id": "customers-transformed",
                    "title": "customers-transformed",
                    "name": "customers-transformed",
                    "timeFieldName": "dt_update",
                    "allowNoIndex": True,
                },
                "override": False,
            },
        )


class EnsureTest(unittest.TestCase):
    def setUp(self):
        self.body = kibana.data_view_body()

    def test_existing_view_is_left_alone(self):
        send = ScriptedKibana((200, "{}"))
        self.assertEqual(kibana.ensure_data_view(send, self.body), "exists")
        self.assertEqual(send.requests, [("GET", "/api/data_views/data_view/customers-transformed", None)])

    def test_missing_view_is_created(self):
        send = ScriptedKibana((404, "not found"), (200, "{}"))
        self.assertEqual(kibana.ensure_data_view(send, self.body), "created")
        self.assertEqual(send.requests[1], ("POST", "/api/data_views/data_view", self.body))

    def test_conflicts_count_as_success(self):
        for response in [(409, "conflict"), (400, '{"message":"Duplicate data view: customers-transformed"}')]:
            with self.subTest(response=response):
                send = ScriptedKibana((404, ""), response)
                self.assertEqual(kibana.ensure_data_view(send, self.body), "exists")

    def test_not_ready_is_retryable(self):
        with self.assertRaises(kibana.Retry):
            kibana.ensure_data_view(ScriptedKibana((503, "Kibana server is not ready yet")), self.body)

    def test_auth_error_is_fatal(self):
        with self.assertRaises(RuntimeError):
            kibana.ensure_data_view(ScriptedKibana((401, "unauthorized")), self.body)
        with self.assertRaises(RuntimeError):
            kibana.ensure_data_view(ScriptedKibana((404, ""), (400, "bad request")), self.body)

    def test_a_failed_create_names_the_post(self):
        body = kibana.data_view_body()
        with self.assertRaisesRegex(kibana.Retry, "^POST returned 503$"):
            kibana.ensure_data_view(ScriptedKibana((404, ""), (503, "not ready")), body)
        with self.assertRaisesRegex(RuntimeError, "^POST /api/data_views/data_view failed with HTTP 403: forbidden$"):
            kibana.ensure_data_view(ScriptedKibana((404, ""), (403, "forbidden")), body)


class RunTest(unittest.TestCase):
    def test_waits_for_kibana(self):
        sleeps = []
        send = ScriptedKibana(ConnectionRefusedError(), (503, "not ready"), (404, ""), (200, "{}"))
        outcome = kibana.run(send, kibana.data_view_body(), attempts=5, delay=10, sleep=sleeps.append)
        self.assertEqual(outcome, "created")
        self.assertEqual(sleeps, [10, 10])

    def test_gives_up_after_bounded_attempts(self):
        sleeps = []
        send = ScriptedKibana(*[TimeoutError()] * 3)
        with self.assertRaises(RuntimeError):
            kibana.run(send, kibana.data_view_body(), attempts=3, delay=1, sleep=sleeps.append)
        self.assertEqual(len(send.requests), 3)
        self.assertEqual(sleeps, [1, 1])


class ConfigTest(unittest.TestCase):
    ENV = {"KIBANA_URL": "https://kibana:5601", "KIBANA_CA_FILE": "/ca/ca.crt", "ES_USERNAME": "kb-view", "ES_PASSWORD": "pw"}

    def test_defaults(self):
        config = kibana.config_from_env(self.ENV)
        self.assertEqual(config["username"], "kb-view")
        self.assertEqual((config["attempts"], config["delay"]), (60, 10.0))

    def test_a_missing_username_is_an_error_not_the_superuser(self):
        # The Job always sets ES_USERNAME (its own file-realm user); without it there is no user to
        # fall back on, least of all "elastic", whose password this Job does not hold.
        for env in ({k: v for k, v in self.ENV.items() if k != "ES_USERNAME"}, dict(self.ENV, ES_USERNAME="")):
            with self.subTest(env=env), self.assertRaisesRegex(ValueError, "^missing environment variables: ES_USERNAME$"):
                kibana.config_from_env(env)

    def test_requires_https_and_ca(self):
        with self.assertRaises(ValueError):
            kibana.config_from_env(dict(self.ENV, KIBANA_URL="http://kibana:5601"))
        with self.assertRaises(ValueError):
            kibana.config_from_env({k: v for k, v in self.ENV.items() if k != "KIBANA_CA_FILE"})


class BoundaryTest(unittest.TestCase):
    def test_attempts_and_sleeps(self):
        body = kibana.data_view_body()
        # (attempts, responses) -> (outcome, sleeps, requests)
        cases = [
            (1, [(503, "")], ("Kibana was not ready after 1 attempts", [], 1)),
            (2, [(503, ""), (200, "{}")], ("exists", [2.5], 2)),
            (1, [(200, "{}")], ("exists", [], 1)),
            (3, [OSError("down"), OSError("down"), OSError("down")], ("Kibana was not ready after 3 attempts", [2.5, 2.5], 3)),
            (5, [(401, "no")], ("GET /api/data_views/data_view failed with HTTP 401: no", [], 1)),
        ]
        for attempts, responses, want in cases:
            with self.subTest(attempts=attempts, first=responses[0]):
                send, sleeps = ScriptedKibana(*responses), []
                try:
                    outcome = kibana.run(send, body, attempts=attempts, delay=2.5, sleep=sleeps.append)
                except RuntimeError as error:
                    outcome = str(error)
                self.assertEqual((outcome, sleeps, len(send.requests)), want)

    def test_each_failed_attempt_is_logged_with_its_number_and_error(self):
        send = ScriptedKibana(OSError("refused"), (200, "{}"))
        with self.assertLogs(kibana.log, "INFO") as logs:
            kibana.run(send, kibana.data_view_body(), attempts=4, delay=0, sleep=lambda _: None)
        self.assertEqual(logs.output, [f"INFO:{kibana.log.name}:Kibana not ready (attempt 1/4): refused"])

    def test_retryable_statuses_and_a_bounded_error_text(self):
        # Timeouts, throttling and unavailability are retried; anything else (404 too) fails at once.
        for status in (408, 429, 500, 502, 503, 504):
            with self.subTest(status=status), self.assertRaisesRegex(kibana.Retry, f"^POST returned {status}$"):
                kibana._fail_or_retry("POST", status, "")
        with self.assertRaises(RuntimeError) as raised:
            kibana._fail_or_retry("POST", 404, "y" * 600)
        self.assertEqual(str(raised.exception), "POST /api/data_views/data_view failed with HTTP 404: " + "y" * 500)
        # A 400 that is not a duplicate is an error, whatever its case.
        with self.assertRaises(RuntimeError):
            kibana.ensure_data_view(ScriptedKibana((404, ""), (400, "Bad Request")), kibana.data_view_body())
        self.assertEqual(
            kibana.ensure_data_view(ScriptedKibana((404, ""), (400, "DUPLICATE data view")), kibana.data_view_body()), "exists"
        )

    def test_config_from_every_variable(self):
        env = {
            "KIBANA_URL": "https://k:5601",
            "KIBANA_CA_FILE": "/ca",
            "ES_PASSWORD": "pw",
            "ES_USERNAME": "bob",
            "KIBANA_ATTEMPTS": "7",
            "KIBANA_RETRY_SECONDS": "0.5",
        }
        self.assertEqual(
            kibana.config_from_env(env),
            {"base_url": "https://k:5601", "ca_file": "/ca", "username": "bob", "password": "pw", "attempts": 7, "delay": 0.5},
        )
        with self.assertRaisesRegex(ValueError, "^missing environment variables: KIBANA_URL, KIBANA_CA_FILE, ES_USERNAME, ES_PASSWORD$"):
            kibana.config_from_env({})
        with self.assertRaisesRegex(ValueError, "^missing environment variables: ES_PASSWORD$"):
            kibana.config_from_env({**env, "ES_PASSWORD": ""})
        with self.assertRaisesRegex(ValueError, "KIBANA_URL must be an https:// URL, got 'HTTPS://k'"):
            kibana.config_from_env({**env, "KIBANA_URL": "HTTPS://k"})


if __name__ == "__main__":
    unittest.main()
