"""Scale-out over NATS JetStream (docs/scale-out.md): a 3-node nats-server
cluster on 127.0.0.1, 3 workers, a simulated scenario with a campaign
published in three parts. During the second part one NATS node and the
stage-2 leader worker are SIGKILLed; both are restarted; the first part is
published again (a backfill run twice). Then:

- DG_EVENTS holds every distinct line exactly once (publish retries and the
  re-run are de-duplicated by request_id);
- stage 2 applied every one of them, and its accounts.jsonl has, per
  account, the same exchange count as a single-process `scan` of the same
  lines (nothing lost, nothing counted twice) and the same action for at
  least 99.9% of accounts (differences are printed);
- the DG_DECISIONS bucket holds the same final action for every account,
  and a gateway-facing `serve --nats` (started before anything was
  published, fed no events) answers /v1/check with it.
Skipped (77) when nats-server is missing."""
import atexit
import json, os, shutil, signal, subprocess, sys, time
from harness import *
import nats_harness as nh
from serve_harness import Server

if not os.path.exists(nh.NATS_SERVER):
    print("nats-server not installed: skipped")
    sys.exit(77)

d = fresh_workdir()
sim = os.path.join(d, "sim")
p = run(["simulate", "--scenario", os.path.join(SRC, "scenarios", "naive_hydra.toml"), "--out", sim, "--quiet"])
check(p.returncode == 0, "simulate: %s" % p.stderr[-300:])
lines = open(os.path.join(sim, "events.jsonl"), encoding="utf-8").read().splitlines()
# Two lines that do not decode, in the last part (published once), so that
# quarantine travels through the stream too.
bad = ['{"ts":"2026-04-20T00:00:01Z","request_id":"bad1"}', "not json at all"]
n = len(lines)
parts = [lines[: n // 3], lines[n // 3: 2 * n // 3], lines[2 * n // 3:] + bad]
paths = []
for i, part in enumerate(parts):
    paths.append(os.path.join(d, "part%d.jsonl" % i))
    open(paths[-1], "w", encoding="utf-8").write("\n".join(part) + "\n")
all_path = os.path.join(d, "all.jsonl")
open(all_path, "w", encoding="utf-8").write("\n".join(parts[0] + parts[1] + parts[2]) + "\n")
p = run(["scan", all_path, "--out", os.path.join(d, "scan"), "--quiet"])
check(p.returncode == 0, "scan: %s" % p.stderr[-300:])
want = accounts(os.path.join(d, "scan"))
want_summary = json.load(open(os.path.join(d, "scan", "summary.json")))
distinct = n + len(bad)


def publish(path, urls):
    return subprocess.Popen([BIN, "publish", "--nats", urls, "--replicas", "3", path],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def leader_index(urls):
    s = nh.stage2_status(BIN, urls)
    return int(s["worker"][1:]) if s else None


start = time.time()
with nh.Cluster(d, 3) as cluster, nh.Workers(BIN, d, cluster.urls, 3, ["--replicas", "3"]) as workers:
    urls = cluster.urls
    gateway = Server(extra=["--nats", urls, "--quiet"])
    # Not left behind when a check below raises.
    atexit.register(lambda: gateway.alive() and gateway.proc.kill())
    p = publish(paths[0], urls)
    out, err = p.communicate(timeout=120)
    check(p.returncode == 0, "publish part 0: %s" % err.decode()[-300:])
    # Wait for a stage-2 leader to report, then kill it and a NATS node
    # while part 1 is being published.
    deadline = time.time() + 60
    leader = None
    while leader is None and time.time() < deadline:
        leader = leader_index(urls)
        time.sleep(0.2)
    check(leader is not None, "no stage-2 leader reported")
    # The node leading DG_EVENTS: killing it forces a leader election under
    # the publisher.
    node = cluster.stream_leader("DG_EVENTS")
    node = 0 if node is None else node
    print("killing NATS node n%d (DG_EVENTS leader) and worker w%s (stage-2 leader)" % (node, leader))
    p = publish(paths[1], urls)
    time.sleep(0.3)
    cluster.kill(node)
    if leader is not None:
        workers.kill(leader)
    out, err = p.communicate(timeout=180)
    check(p.returncode == 0, "publish part 1 across the kill: %s" % err.decode()[-300:])
    print("publish part 1:", out.decode().strip())
    time.sleep(1)
    cluster.start(node)
    if leader is not None:
        workers.start(leader)
    for path in (paths[2], paths[0]):  # part 0 again: a backfill run twice
        p = publish(path, urls)
        out, err = p.communicate(timeout=120)
        check(p.returncode == 0, "publish %s: %s" % (path, err.decode()[-300:]))
        print("publish:", out.decode().strip())

    # Until stage 2 has applied everything in DG_EVENTS and dumped it.
    deadline = time.time() + 120
    status = None
    while time.time() < deadline:
        status = nh.stage2_status(BIN, urls)
        if status and status["events_last_seq"] >= distinct and status["applied_seq"] == status["events_last_seq"] \
                and status["dump_seq"] == status["applied_seq"]:
            break
        time.sleep(0.5)
    print("stage 2 status:", json.dumps(status))
    print("DG_EVENTS leader now n%s" % cluster.stream_leader("DG_EVENTS"))
    if not status or status["applied_seq"] != status["events_last_seq"]:
        for c in cluster.consumers():  # where it is stuck
            print("consumer %s/%s: %s" % (c["stream_name"], c["name"], json.dumps(
                {k: c.get(k) for k in ("num_pending", "num_ack_pending", "num_redelivered", "num_waiting",
                                       "delivered", "ack_floor")})))
    check(status is not None and status["applied_seq"] == status["events_last_seq"],
          "stage 2 did not catch up: %s" % status)
    check(status is not None and status["events_last_seq"] == distinct,
          "DG_EVENTS should hold each of the %d distinct lines once, holds %s" %
          (distinct, status and status["events_last_seq"]))
    check(status is not None and status["events"] == want_summary["events"],
          "stage 2 applied %s events, scan %d" % (status and status["events"], want_summary["events"]))
    check(status is not None and status["quarantined"] == want_summary["quarantined"],
          "stage 2 quarantined %s, scan %d" % (status and status["quarantined"], want_summary["quarantined"]))
    if status:
        got = {a["account_id"]: a for a in read_jsonl(status["dump"])}
        check(set(got) == set(want), "accounts differ: %d vs %d" % (len(got), len(want)))
        wrong_count = [k for k in want if k in got and got[k]["exchanges"] != want[k]["exchanges"]]
        check(not wrong_count, "exchange counts differ for %d accounts, e.g. %s" % (len(wrong_count), wrong_count[:3]))
        differ = [k for k in want if k in got and got[k]["action"] != want[k]["action"]]
        for k in differ:
            print("action differs: %s scan %s stream %s" % (k, want[k]["action"], got[k]["action"]))
        agree = 1 - len(differ) / max(1, len(want))
        print("actions equal for %.2f%% of %d accounts" % (100 * agree, len(want)))
        check(agree >= 0.999, "actions equal for only %.2f%%" % (100 * agree))
        blocked = sum(1 for a in got.values() if a["action"] == "block")
        check(blocked > 0, "the campaign should be blocked")
        # Every gateway-facing instance reads these.
        kv = {i["value"]["account_id"]: i["value"] for i in (nh.kv_dump(BIN, urls, "acct.") or [])}
        kv_wrong = [k for k in got if kv.get(k, {}).get("action") != got[k]["action"]]
        check(not kv_wrong, "DG_DECISIONS disagrees with stage 2 for %d accounts, e.g. %s" %
              (len(kv_wrong), kv_wrong[:3]))
        campaigns = nh.kv_dump(BIN, urls, "campaign.") or []
        check(any(c["value"]["action"] == "block" for c in campaigns), "no blocked campaign in DG_DECISIONS")
        # The gateway enforces the cluster's decisions (it watches the bucket;
        # give it a moment to see the last puts).
        deadline = time.time() + 30
        while True:
            gw_wrong = []
            for k in got:
                status_code, r = gateway.json("POST", "/v1/check", {"account_id": k})
                if status_code != 200 or not isinstance(r, dict) or r.get("action") != got[k]["action"]:
                    gw_wrong.append((k, status_code, r.get("action") if isinstance(r, dict) else r))
            if not gw_wrong or time.time() > deadline:
                break
            time.sleep(0.5)
        check(not gw_wrong, "serve --nats disagrees for %d accounts, e.g. %s" % (len(gw_wrong), gw_wrong[:3]))
    gateway.stop()
    for i, proc in enumerate(workers.procs):
        check(proc.poll() is None, "worker %d exited: %s" % (i, open(os.path.join(d, "w%d.log" % i)).read()[-500:]))
for i in range(3):
    for line in open(os.path.join(d, "w%d.log" % i), errors="replace"):
        if "worker stopped" in line:
            print("w%d: %s" % (i, line.strip()))
print("elapsed %.1f s" % (time.time() - start))
finish()
