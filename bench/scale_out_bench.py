"""Scale-out benchmark (docs/benchmarks.md, docs/scale-out.md): a 3-node
JetStream cluster (replicas 3) on 127.0.0.1 and 1, 2, 3 workers.

- drain: the stream is filled first (`publish`), then N workers start; events/s
  from the first stage-2 status to stage 2 having applied everything. Also
  with --no-stage2 (stage 1 alone: decode + classify + publish to
  DG_CLASSIFIED), read from the monitoring endpoint.
- latency: 3 workers idle, `publish --rate R`, `kv-watch` on acct.*; delay
  from DG_EVENTS storing an event (server timestamp) to the decision it
  changed being seen by a watcher of DG_DECISIONS, p50 / p99.

usage: scale_out_bench.py BUILD/distillguard SOURCE_DIR WORK_DIR [REPEATS]"""
import json, os, shutil, subprocess, sys, time

BIN, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
REPEATS = int(sys.argv[4]) if len(sys.argv) > 4 else 3
sys.path.insert(0, os.path.join(SRC, "tests", "e2e"))
import nats_harness as nh  # noqa: E402

shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
events = os.path.join(WORK, "events.jsonl")
with open(events, "wb") as out:
    for seed in (1, 2, 3):
        sim = os.path.join(WORK, "sim%d" % seed)
        subprocess.run([BIN, "simulate", "--scenario", os.path.join(SRC, "scenarios", "naive_hydra.toml"),
                        "--out", sim, "--seed", str(seed), "--quiet"], check=True)
        out.write(open(os.path.join(sim, "events.jsonl"), "rb").read())
total = sum(1 for _ in open(events, "rb"))


def drain(workers, stage2):
    d = os.path.join(WORK, "drain-%d-%s" % (workers, stage2))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with nh.Cluster(d, 3) as cluster:
        subprocess.run([BIN, "publish", "--nats", cluster.urls, "--replicas", "3", "--quiet", events], check=True)
        target = cluster.stream_messages("DG_EVENTS")
        extra = ["--replicas", "3", "--quiet"] + ([] if stage2 else ["--no-stage2"])
        with nh.Workers(BIN, d, cluster.urls, workers, extra):
            t0 = None
            start_count = 0
            deadline = time.time() + 300
            while time.time() < deadline:
                if stage2:
                    s = nh.stage2_status(BIN, cluster.urls)
                    done = s["applied_seq"] if s else None
                else:
                    done = cluster.stream_messages("DG_CLASSIFIED")
                now = time.time()
                if done is not None and t0 is None:
                    t0, start_count = now, done
                if done is not None and done >= target:
                    return (target - start_count) / (now - t0) if now > t0 else float("nan")
                time.sleep(0.05 if stage2 else 0.02)
    raise RuntimeError("drain did not finish")


def takeover():
    """Seconds from SIGKILL of the stage-2 leader to another worker having
    rebuilt the engine by replay and caught up (includes the lease TTL)."""
    d = os.path.join(WORK, "takeover")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with nh.Cluster(d, 3) as cluster:
        subprocess.run([BIN, "publish", "--nats", cluster.urls, "--replicas", "3", "--quiet", events], check=True)
        target = cluster.stream_messages("DG_EVENTS")
        with nh.Workers(BIN, d, cluster.urls, 3, ["--replicas", "3", "--quiet"]) as workers:
            while True:
                s = nh.stage2_status(BIN, cluster.urls)
                if s and s["applied_seq"] >= target:
                    break
                time.sleep(0.1)
            old = s["worker"]
            workers.kill(int(old[1:]))
            t0 = time.time()
            while True:
                s = nh.stage2_status(BIN, cluster.urls)
                if s and s["worker"] != old and s["applied_seq"] >= target:
                    return time.time() - t0, target
                time.sleep(0.1)


WARM_UP = 2000


def latency(rate, lines):
    d = os.path.join(WORK, "latency")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    # A warm-up part first: every worker's stage 1 must be subscribed and
    # running, else the first measured events wait for the slowest start.
    warm, part = os.path.join(d, "warm.jsonl"), os.path.join(d, "part.jsonl")
    with open(events, "rb") as f, open(warm, "wb") as w_out, open(part, "wb") as out:
        for i, line in enumerate(f):
            if i >= lines + WARM_UP:
                break
            (w_out if i < WARM_UP else out).write(line)
    with nh.Cluster(d, 3) as cluster, nh.Workers(BIN, d, cluster.urls, 3, ["--replicas", "3", "--quiet"]):
        subprocess.run([BIN, "publish", "--nats", cluster.urls, "--quiet", warm], check=True)
        while True:
            st = nh.stage2_status(BIN, cluster.urls)
            if st and st["applied_seq"] >= WARM_UP:
                break
            time.sleep(0.2)
        watch_out = open(os.path.join(d, "watch.jsonl"), "wb")
        watch = subprocess.Popen([BIN, "kv-watch", "--nats", cluster.urls, "--prefix", "acct."], stdout=watch_out)
        time.sleep(1)
        start_ms = time.time() * 1000
        subprocess.run([BIN, "publish", "--nats", cluster.urls, "--quiet", "--rate", str(rate), part], check=True)
        time.sleep(2)
        watch.terminate()
        watch.wait()
        watch_out.close()
    delays = []
    for l in open(os.path.join(d, "watch.jsonl")):
        item = json.loads(l)
        v = item["value"]
        if v and v.get("stored_ms", 0) >= start_ms:
            delays.append(item["seen_ms"] - v["stored_ms"])
    delays.sort()
    pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]
    return pick(0.5), pick(0.99), len(delays)


ONLY = os.environ.get("DG_BENCH_ONLY", "")  # "latency": only the delay runs
print("input: %d events (naive_hydra seeds 1-3), 3 nats-server nodes, replicas 3" % total)
for stage2 in (False, True) if not ONLY else ():
    for n in (1, 2, 3):
        runs = sorted(drain(n, stage2) for _ in range(REPEATS))
        print("%s, %d worker(s): %s events/s (median of %d: %s)" %
              ("stage 1 + stage 2" if stage2 else "stage 1 only", n, "%.0f" % runs[len(runs) // 2], REPEATS,
               ", ".join("%.0f" % r for r in runs)), flush=True)
runs = sorted(takeover() for _ in range(REPEATS if not ONLY else 0)) or [(0, 0)]
if not ONLY:
    print("stage-2 takeover (SIGKILL of the leader -> new leader caught up, lease TTL 4 s included), %d events: "
          "%.1f s (median of %d: %s)" % (runs[0][1], runs[len(runs) // 2][0], REPEATS,
                                          ", ".join("%.1f" % r[0] for r in runs)), flush=True)
for rate in (1000,):
    results = sorted(latency(rate, 15000) for _ in range(REPEATS))
    p50, p99, count = results[len(results) // 2]
    print("latency at %d events/s, 3 workers: p50 %d ms, p99 %d ms over %d decision updates "
          "(run with the median p50; all runs p50/p99: %s)" %
          (rate, p50, p99, count, ", ".join("%d/%d" % (r[0], r[1]) for r in results)), flush=True)
