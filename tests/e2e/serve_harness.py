"""Starting and driving `distillguard serve` in end-to-end tests: a free port
on 127.0.0.1, a readiness wait on /healthz, small HTTP helpers."""
import http.client
import json
import os
import signal
import subprocess
import time

from harness import BIN
from ports import free_port  # noqa: F401 (the gateway tests import it from here)


class Server:
    def __init__(self, state=None, config=None, env=None, extra=()):
        self.port = free_port()
        args = [BIN, "serve", "--listen", "127.0.0.1:%d" % self.port]
        if state:
            args += ["--state", state]
        if config:
            args += ["--config", config]
        args += list(extra)
        full_env = dict(os.environ)
        full_env.pop("DG_READ_TOKENS", None)
        full_env.pop("DG_WRITE_TOKENS", None)
        full_env.update(env or {})
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("serve exited early: %s" % self.proc.stderr.read().decode(errors="replace"))
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("serve did not become ready")

    def request(self, method, path, body=None, headers=None, token=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if isinstance(body, str):
            body = body.encode()
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            return r.status, dict(r.getheaders()), data
        finally:
            conn.close()

    def json(self, method, path, obj=None, token=None, content_type="application/json", raw=None):
        body = raw if raw is not None else (json.dumps(obj) if obj is not None else None)
        headers = {"Content-Type": content_type} if body is not None else {}
        status, _, data = self.request(method, path, body, headers, token)
        try:
            return status, json.loads(data)
        except ValueError:
            return status, data

    def post_events(self, lines, token=None):
        body = "".join(l if l.endswith("\n") else l + "\n" for l in lines)
        return self.json("POST", "/v1/events", raw=body, token=token, content_type="application/x-ndjson")

    def metrics(self, token=None):
        status, _, data = self.request("GET", "/metrics", token=token)
        out = {}
        for line in data.decode().splitlines():
            if line and not line.startswith("#"):
                k, v = line.rsplit(" ", 1)
                out[k] = float(v)
        return out

    def drain(self, token=None):
        """Waits until the engine has processed every accepted event."""
        for _ in range(600):
            m = self.metrics(token)
            if m.get("dg_engine_queue_events") == 0 and \
                    m["dg_events_processed_total"] + m["dg_events_duplicate_total"] >= m["dg_log_events"]:
                return
            time.sleep(0.05)
        raise RuntimeError("engine did not catch up")

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.proc.returncode

    def alive(self):
        return self.proc.poll() is None
