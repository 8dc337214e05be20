"""Starts the real `apus serve` on a free loopback port with a fresh data folder.

The binary comes from APUS_BIN (set by scripts/test) or the debug build folder.
"""
import base64
import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PROJECT_ID = 4242
TOKEN = "tok_compat_0123456789abcdef"
SA_USER = "sa.compat"
SA_SECRET = "sa-compat-secret-0123456789"


def apus_binary() -> str:
    return os.environ.get("APUS_BIN") or str(ROOT / ".build" / "debug" / "apus")


class Server:
    """A running `apus serve` and the credentials it was seeded with."""

    def __init__(self, data_dir: str, extra_args=()):
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.output = []

    def start(self):
        env = dict(os.environ,
                   APUS_PROJECT_ID=str(PROJECT_ID),
                   APUS_PROJECT_TOKEN=TOKEN,
                   APUS_SERVICE_ACCOUNT=f"{SA_USER}:{SA_SECRET}",
                   APUS_LOG_LEVEL="warning")
        self.proc = subprocess.Popen(
            [apus_binary(), "serve", "--port", "0", "--data", self.data_dir, *self.extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise RuntimeError("apus exited early:\n" + "".join(self.output))
                continue
            self.output.append(line)
            m = re.search(r"apus listening on http://[^:]+:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        else:
            raise RuntimeError("apus did not start:\n" + "".join(self.output))
        # Keep draining output so the pipe never fills.
        import threading
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self):
        for line in self.proc.stdout:
            self.output.append(line)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self):
        self.stop(signal.SIGKILL)

    # Reading back, as a user would: raw export with the service account.
    def export(self, from_date="2000-01-01", to_date="2030-12-31", **params):
        r = requests.get(f"{self.url}/api/2.0/export",
                         params={"project_id": PROJECT_ID, "from_date": from_date, "to_date": to_date, **params},
                         auth=(SA_USER, SA_SECRET), timeout=60)
        assert r.status_code == 200, r.text
        return [__import__("json").loads(line) for line in r.text.splitlines() if line]


@pytest.fixture
def server():
    with tempfile.TemporaryDirectory(prefix="apus-compat-") as d:
        s = Server(d).start()
        try:
            yield s
        finally:
            s.stop()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
