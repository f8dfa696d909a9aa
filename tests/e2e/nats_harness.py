"""A NATS JetStream cluster and scale-out workers for end-to-end tests and
benchmarks: every server on 127.0.0.1 with free ports, storage in a temp
dir, killed at the end (also on failure: use `with Cluster(...)`)."""
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request

from ports import free_ports

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


class Cluster:
    """`size` nats-server nodes with JetStream, routed to each other."""

    def __init__(self, work, size=3):
        self.work = work
        self.size = size
        ports = free_ports(3 * size)
        self.client_ports = ports[:size]
        self.cluster_ports = ports[size:2 * size]
        self.monitor_ports = ports[2 * size:]
        self.procs = [None] * size
        for i in range(size):
            self.start(i)
        self.wait_meta_leader()

    @property
    def urls(self):
        return ",".join("nats://127.0.0.1:%d" % p for p in self.client_ports)

    def args(self, i):
        a = [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.client_ports[i]), "-m", str(self.monitor_ports[i]),
             "-n", "n%d" % i, "-js", "-sd", os.path.join(self.work, "n%d" % i)]
        if self.size > 1:
            routes = ",".join("nats://127.0.0.1:%d" % p for j, p in enumerate(self.cluster_ports) if j != i)
            a += ["--cluster_name", "dg", "--cluster", "nats://127.0.0.1:%d" % self.cluster_ports[i],
                  "--routes", routes]
        return a

    def start(self, i):
        log = open(os.path.join(self.work, "n%d.log" % i), "ab")
        self.procs[i] = subprocess.Popen(self.args(i), stdout=log, stderr=log)

    def kill(self, i):
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait()

    def jsz(self, i):
        with urllib.request.urlopen("http://127.0.0.1:%d/jsz" % self.monitor_ports[i], timeout=2) as r:
            return json.load(r)

    def stream_details(self, what="streams"):
        """(node index, stream detail) for every stream each live node reports
        in /jsz?<what>=true ("streams", or "consumers" for their consumers too)."""
        for i in range(self.size):
            if self.procs[i] is None or self.procs[i].poll() is not None:
                continue
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/jsz?%s=true" % (self.monitor_ports[i], what),
                                            timeout=2) as r:
                    z = json.load(r)
            except OSError:
                continue
            for account in z.get("account_details") or []:
                for st in account.get("stream_detail") or []:
                    yield i, st

    def stream_leader(self, stream):
        """The index of the node leading `stream`'s replicas, or None."""
        for _, st in self.stream_details():
            leader = (st.get("cluster") or {}).get("leader")
            if st.get("name") == stream and leader:
                return int(leader[1:])
        return None

    def stream_messages(self, stream):
        """Messages in `stream` as its leader reports them, or None."""
        for i, st in self.stream_details():
            if st.get("name") == stream and (st.get("cluster") or {}).get("leader") == "n%d" % i:
                return st["state"]["messages"]
        return None

    def consumers(self):
        """Every consumer's state, from the node that leads it."""
        return [c for i, st in self.stream_details("consumers") for c in st.get("consumer_detail") or []
                if (c.get("cluster") or {}).get("leader") == "n%d" % i]

    def wait_meta_leader(self, timeout=60):
        """Until the JetStream meta leader sees every other node as a current
        peer (a leader alone is not enough: a stream with 3 replicas created
        before the third node joined is refused, "no suitable peers"). Raises
        at once if a node has exited, with the end of its log."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for i in range(self.size):
                if self.procs[i] is not None and self.procs[i].poll() is not None:
                    with open(os.path.join(self.work, "n%d.log" % i), "rb") as f:
                        tail = f.read()[-600:].decode(errors="replace")
                    raise RuntimeError("nats-server n%d exited with %s:\n%s" % (i, self.procs[i].returncode, tail))
            for i in range(self.size):
                try:
                    meta = self.jsz(i).get("meta_cluster", {})
                except OSError:
                    continue
                if self.size == 1:
                    return
                replicas = meta.get("replicas") or []
                if meta.get("leader") == "n%d" % i and len(replicas) == self.size - 1 and \
                        all(r.get("current") for r in replicas):
                    return
            time.sleep(0.2)
        raise RuntimeError("no JetStream meta leader with all %d peers current after %d s" % (self.size, timeout))

    def close(self):
        for p in self.procs:
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Workers:
    """`count` `distillguard worker` processes sharing the partitions."""

    def __init__(self, bin_path, work, urls, count, extra=()):
        self.bin, self.work, self.urls, self.count, self.extra = bin_path, work, urls, count, list(extra)
        self.procs = [None] * count
        for i in range(count):
            self.start(i)

    def dump_path(self, i):
        return os.path.join(self.work, "w%d.accounts.jsonl" % i)

    def start(self, i):
        log = open(os.path.join(self.work, "w%d.log" % i), "ab")
        args = [self.bin, "worker", "--nats", self.urls, "--workers", str(self.count), "--worker-index", str(i),
                "--dump-accounts", self.dump_path(i)] + self.extra
        self.procs[i] = subprocess.Popen(args, stdout=log, stderr=log)

    def kill(self, i):
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait()

    def close(self):
        for p in self.procs:
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            if p is None:
                continue
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def kv_dump(bin_path, urls, prefix=""):
    r = subprocess.run([bin_path, "kv-dump", "--nats", urls, "--prefix", prefix], capture_output=True, timeout=60)
    if r.returncode != 0:
        return None
    return [json.loads(l) for l in r.stdout.decode().splitlines() if l.strip()]


def stage2_status(bin_path, urls):
    items = kv_dump(bin_path, urls, "status.stage2")
    return items[0]["value"] if items else None
