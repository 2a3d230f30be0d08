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
    ENV = {"KIBANA_URL": "https://kibana:5601", "KIBANA_CA_FILE": "/ca/ca.crt", "ES_PASSWORD": "pw"}

    def test_defaults(self):
        config = kibana.config_from_env(self.ENV)
        self.assertEqual(config["username"], "elastic")
        self.assertEqual((config["attempts"], config["delay"]), (60, 10.0))

    def test_requires_https_and_ca(self):
        with self.assertRaises(ValueError):
            kibana.config_from_env(dict(self.ENV, KIBANA_URL="http://kibana:5601"))
        with self.assertRaises(ValueError):
            kibana.config_from_env({k: v for k, v in self.ENV.items() if k != "KIBANA_CA_FILE"})


if __name__ == "__main__":
    unittest.main()
