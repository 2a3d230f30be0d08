"""The streaming job across a renewal of its Kafka user's keystore (issue 18 item 13).

Strimzi 1.2.0 writes a renewed user certificate as a new keystore with a new password
(operator-common InternalCa.java:345-347); the kubelet updates a mounted Secret by writing the new
files into a fresh directory and swapping the ``..data`` symlink (kubernetes pkg/volume/util/
atomic_writer.go: the user-visible names are symlinks into ``..data``). These tests lay out a
volume that way and renew it.
"""

import contextlib
import io
import os
import tempfile
import unittest

from pipelines.realtime import streaming_job as job

ENV = {
    "KAFKA_BOOTSTRAP_SERVERS": "kafka:9093",
    "LAKE_BUCKET": "lake",
    "AWS_REGION": "eu-west-1",
    "BDOK_REALTIME_DATABASE": "bdok_dev_realtime",
}


class SecretVolume:
    """A directory laid out as the kubelet's AtomicWriter lays out a Secret volume."""

    def __init__(self, root, files):
        self.root, self.generation = root, 0
        self.write(files)
        for name in files:
            os.symlink(os.path.join("..data", name), os.path.join(root, name))

    def write(self, files):
        self.generation += 1
        stamp = f"..2026_12_07_00_00_0{self.generation}.000000000"
        os.mkdir(os.path.join(self.root, stamp))
        for name, content in files.items():
            with open(os.path.join(self.root, stamp, name), "wb") as f:
                f.write(content)
        tmp = os.path.join(self.root, "..data_tmp")
        os.symlink(stamp, tmp)
        os.replace(tmp, os.path.join(self.root, "..data"))

    def path(self, name):
        return os.path.join(self.root, name)


class Streams:
    """The calls run_until_credentials_change makes on a StreamingQueryManager."""

    class Query:
        stopped = False

        def stop(self):
            self.stopped = True

    def __init__(self, polls_before_end=None, on_poll=None, error=None):
        self.active = [self.Query(), self.Query()]
        self.polls, self.polls_before_end, self.on_poll, self.error = 0, polls_before_end, on_poll, error

    def awaitAnyTermination(self, timeout):
        assert timeout > 0
        self.polls += 1
        if self.error and self.polls == 2:
            raise self.error
        if self.on_poll:
            self.on_poll(self.polls)
        return self.polls_before_end is not None and self.polls >= self.polls_before_end


class RenewalTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.volume = SecretVolume(self.dir.name, {"user.p12": b"keystore-1", "user.password": b"pw1"})
        self.paths = [self.volume.path("user.p12"), self.volume.path("user.password")]

    def tearDown(self):
        self.dir.cleanup()

    def test_password_is_read_from_the_mounted_file(self):
        args = job.parse_args(["--kafka-option-from-file", f"ssl.keystore.password={self.paths[1]}"], env=ENV)
        self.assertEqual(args.kafka_options, {"kafka.ssl.keystore.password": "pw1"})

    def test_a_renewal_is_noticed_through_the_symlink_swap(self):
        watch = job.FileWatch(self.paths)
        self.assertEqual(watch.changed(), [])
        self.volume.write({"user.p12": b"keystore-1", "user.password": b"pw1"})
        self.assertEqual(watch.changed(), [], "rewritten with the same content: no restart")
        self.volume.write({"user.p12": b"keystore-2", "user.password": b"pw2"})
        self.assertEqual(watch.changed(), self.paths)
        # What the restarted driver then reads: the new pair.
        args = job.parse_args(["--kafka-option-from-file", f"ssl.keystore.password={self.paths[1]}"], env=ENV)
        self.assertEqual(args.kafka_options["kafka.ssl.keystore.password"], "pw2")

    def test_driver_stops_its_queries_and_asks_for_a_restart(self):
        watch = job.FileWatch(self.paths)
        renew_at = 3

        def renew(poll):
            if poll == renew_at:
                self.volume.write({"user.p12": b"keystore-2", "user.password": b"pw2"})

        streams = Streams(on_poll=renew)
        logged = []
        status = job.run_until_credentials_change(streams, watch, 30, log=logged.append)
        self.assertEqual(status, job.RESTART_EXIT_CODE)
        self.assertEqual(streams.polls, renew_at, "stops at the first look after the renewal")
        self.assertTrue(all(q.stopped for q in streams.active))
        self.assertIn("user.p12", logged[0])

    def test_without_a_renewal_the_queries_run_on(self):
        streams = Streams(polls_before_end=5)
        self.assertEqual(job.run_until_credentials_change(streams, job.FileWatch(self.paths), 30), 0)
        self.assertEqual(streams.polls, 5)
        self.assertFalse(any(q.stopped for q in streams.active))

    def test_a_failed_query_still_ends_the_driver_with_its_error(self):
        streams = Streams(error=RuntimeError("SSL handshake failed"))
        with self.assertRaisesRegex(RuntimeError, "SSL handshake"):
            job.run_until_credentials_change(streams, job.FileWatch(self.paths), 30)

    def test_watched_paths_are_read_before_the_rest(self):
        argv = ["--restart-on-change", self.paths[0], "--bucket", "b", "--restart-on-change", self.paths[1]]
        self.assertEqual(job.watched_paths(argv), self.paths)
        self.assertEqual(job.parse_args(argv, env=ENV).restart_on_change, tuple(self.paths))

    def test_bad_input_is_a_clear_error(self):
        for argv, message in [
            (["--kafka-option-from-file", "ssl.keystore.password=/nonexistent/user.password"], "/nonexistent/user.password"),
            (["--kafka-option-from-file", "ssl.keystore.password"], "KEY=PATH"),
            (["--watch-seconds", "0"], "watch-seconds"),
        ]:
            err = io.StringIO()
            with self.subTest(argv=argv), self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
                job.parse_args(argv, env=ENV)
            self.assertIn(message, err.getvalue())


if __name__ == "__main__":
    unittest.main()
