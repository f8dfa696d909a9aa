"""Issue 7 part 1: real nginx in front of a stub model API, with DistillGuard
as its auth_request service, configured by the shipped
deploy/nginx/distillguard.conf (only ports, paths and the token substituted).

The judged path is real: simulated clients (scenarios/naive_hydra.toml)
send API requests through nginx; nginx's events log is followed by
`distillguard ship` into /v1/events; the decisions that follow make nginx
refuse the campaign's accounts (403 / 429 + Retry-After, matching
/v1/accounts/{id}) while benign accounts keep getting the model's answers.
The benign history (the days before) is posted directly, as an earlier
log would have been. Every line nginx logged is counted by the service.
Skips (exit 77) only when nginx is not installed."""
import json
import os
import shutil
import subprocess
import sys
import time

from harness import *
from serve_harness import Server, free_port
from gateway_common import (StubModelApi, simulate_ending_now, api_request, Client, start_ship, count_lines)

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
if NGINX is None:
    print("nginx is not installed: skipped")
    sys.exit(77)

d = fresh_workdir()
READ, WRITE = "gw-read-secret", "gw-write-secret"
token_file = os.path.join(d, "write.token")
with open(token_file, "w") as f:
    f.write(WRITE + "\n")
config = os.path.join(d, "config.toml")
with open(config, "w") as f:
    # Directives for allowed accounts, to see them arrive at the model API.
    f.write('[service]\nread_tokens = ["%s"]\nfsync = false\nauthz_directives_allow = "max-tokens=32768"\n' % READ)

HYDRA_VIA_NGINX = 1200   # the campaign's first exchanges, sent through nginx
BENIGN_VIA_NGINX = 300   # benign exchanges of the last hours, sent through nginx

events, labels = simulate_ending_now("naive_hydra", d)
attack = {a for a, l in labels.items() if l["label"] == "attack"}
benign_events = [e for e in events if e["account_id"] not in attack]
hydra_events = [e for e in events if e["account_id"] in attack][:HYDRA_VIA_NGINX]
preload, benign_tail = benign_events[:-BENIGN_VIA_NGINX], benign_events[-BENIGN_VIA_NGINX:]

# The shipped config, rendered with this test's ports and paths.
stub_port, nginx_port = free_port(), free_port()
srv = Server(state=os.path.join(d, "state"), config=config, env={"DG_WRITE_TOKENS": WRITE})
logs = os.path.join(d, "logs")
os.makedirs(logs)
with open(os.path.join(SRC, "deploy", "nginx", "distillguard.conf")) as f:
    conf = f.read()
for old, new in (("server 127.0.0.1:9000;", "server 127.0.0.1:%d;" % stub_port),
                 ("server 127.0.0.1:8080;", "server 127.0.0.1:%d;" % srv.port),
                 ("listen 127.0.0.1:8088;", "listen 127.0.0.1:%d;" % nginx_port),
                 ("CHANGE-ME-read-token", READ),
                 ("/run/nginx-distillguard.pid", os.path.join(d, "nginx.pid")),
                 ("/var/log/nginx/", logs + "/"),
                 ("/var/lib/nginx/", d + "/nginx-")):
    check(old in conf, "deploy/nginx/distillguard.conf no longer has %r" % old)
    conf = conf.replace(old, new)
conf = conf.replace("worker_processes auto;", "worker_processes 1;")
conf_path = os.path.join(d, "nginx.conf")
with open(conf_path, "w") as f:
    f.write(conf)
events_log = os.path.join(logs, "distillguard-events.log")

t = subprocess.run([NGINX, "-t", "-p", d, "-e", os.path.join(logs, "error.log"), "-c", conf_path],
                   capture_output=True, text=True)
check(t.returncode == 0, "nginx -t: %s" % t.stderr)
stub = StubModelApi(stub_port)
nginx = subprocess.Popen([NGINX, "-p", d, "-e", os.path.join(logs, "error.log"), "-c", conf_path,
                          "-g", "daemon off;"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
ship = None
try:
    client = Client(nginx_port)
    for _ in range(100):
        try:
            client.send("/v1/chat/completions", {"Content-Type": "application/json"}, b"{}")
            break
        except OSError:
            time.sleep(0.05)
    # No account header: refused by the gateway, not logged as an exchange.
    status, h, _ = client.send("/v1/chat/completions", {"Content-Type": "application/json"}, b"{}")
    check(status == 401, "no account: %d" % status)

    # The benign history of the days before, as an earlier log shipped.
    for i in range(0, len(preload), 2000):
        status, body = srv.post_events([json.dumps(e) for e in preload[i:i + 2000]], token=WRITE)
        check(status == 200 and body["rejected"] == 0, "preload: %s %s" % (status, body))
    ship = start_ship(events_log, srv.port, token_file)

    # Live traffic through nginx in time order: the campaign's first
    # exchanges and the benign accounts' latest ones.
    live = sorted(hydra_events + benign_tail, key=lambda e: e["ts"])
    first_status = {}
    statuses = {"attack": {}, "benign": {}}
    served = 0
    for e in live:
        path, headers, body = api_request(e)
        status, h, _ = client.send(path, headers, body)
        kind = "attack" if e["account_id"] in attack else "benign"
        statuses[kind][status] = statuses[kind].get(status, 0) + 1
        first_status.setdefault(e["account_id"], status)
        served += status == 200
    print("live traffic:", statuses)
    check(all(first_status[a] == 200 for a in first_status if a in attack),
          "a campaign account was refused before any of its traffic was shipped")
    check(statuses["attack"].get(200, 0) > 0, "no campaign request got through before the decisions")

    def wait_shipped():
        deadline = time.time() + 60
        while time.time() < deadline:
            m = srv.metrics(READ)
            if m.get("dg_events_accepted_total", 0) >= len(preload) + count_lines(events_log):
                break
            time.sleep(0.1)
        srv.drain(READ)

    # nginx writes a line after answering; wait for the log and the shipper.
    time.sleep(0.5)
    wait_shipped()

    # Now each account asks again through nginx; the answer must be the
    # service's decision for it.
    def decision(account):
        status, body = srv.json("GET", "/v1/accounts/" + account, token=READ)
        check(status == 200, "GET /v1/accounts/%s: %d" % (account, status))
        return body.get("action") if status == 200 else None

    by_account = {}
    for e in live:
        by_account.setdefault(e["account_id"], e)
    refused = served_benign = 0
    benign_accounts = [a for a in by_account if a not in attack]
    for account, e in by_account.items():
        action = decision(account)
        path, headers, body = api_request(e)
        status, h, _ = client.send(path, headers, body)
        want = {"allow": 200, "monitor": 200, "throttle": 429, "challenge": 403, "block": 403}[action]
        check(status == want, "%s (%s, %s): nginx answered %d" % (account, labels[account]["label"], action, status))
        if status == 429:
            check(h.get("retry-after", "").isdigit(), "429 without Retry-After: %s" % h)
        if status == 403:
            check(h.get("x-distillguard-reason") == action, "403 reason header %s for %s" % (h, action))
        if account in attack:
            refused += status in (403, 429)
        else:
            served_benign += status == 200
    attackers = [a for a in by_account if a in attack]
    print("campaign accounts refused: %d/%d; benign accounts served: %d/%d" %
          (refused, len(attackers), served_benign, len(benign_accounts)))
    check(len(attackers) >= 30, "too few campaign accounts in the live traffic: %d" % len(attackers))
    check(refused >= 0.9 * len(attackers), "campaign accounts refused: %d/%d" % (refused, len(attackers)))
    check(served_benign >= 0.95 * len(benign_accounts),
          "benign accounts served: %d/%d" % (served_benign, len(benign_accounts)))

    # Challenge and block (here from an analyst's override) reach the
    # client as 403 with the reason header.
    for account, action in ((attackers[0], "block"), (attackers[1], "challenge")):
        status, _ = srv.json("POST", "/v1/accounts/%s/override" % account,
                             {"action": action, "by": "e2e", "reason": "test"}, token=WRITE)
        check(status == 200, "override: %d" % status)
        status, h, body = client.send(*api_request(by_account[account]))
        check(status == 403 and h.get("x-distillguard-reason") == action and "retry-after" not in h,
              "%s through nginx: %d %s" % (action, status, h))
        want_type = "verification_required" if action == "challenge" else "permission_error"
        check(json.loads(body)["error"]["type"] == want_type, "%s body: %s" % (action, body))

    # Directives reached the model API with the allowed requests.
    allowed_seen = [s for s in stub.seen if s[1] == "allow"]
    check(allowed_seen and all(s[2] == "max-tokens=32768" for s in allowed_seen),
          "directives at the model API: %s" % allowed_seen[:3])

    # No loss: every line nginx logged is an accepted event, none rejected.
    time.sleep(0.5)
    wait_shipped()
    logged = count_lines(events_log)
    m = srv.metrics(READ)
    check(m["dg_events_accepted_total"] == len(preload) + logged,
          "service accepted %d events, nginx logged %d (+%d preloaded)" %
          (m["dg_events_accepted_total"], logged, len(preload)))
    check(m["dg_events_rejected_total"] == 0, "rejected lines: %d" % m["dg_events_rejected_total"])
    check(len(stub.seen) == logged, "model API served %d, log has %d lines" % (len(stub.seen), logged))
    with open(events_log) as f:
        first = json.loads(f.readline())
    check(first.get("http_request", "").startswith("{") and first.get("account_id"),
          "log line shape: %s" % str(first)[:300])

    # Fail open: with DistillGuard gone, nginx still serves (and logs).
    srv.stop()
    status, _, _ = client.send(*api_request(benign_tail[-1]))
    check(status == 200, "fail open: %d" % status)
finally:
    if ship is not None:
        ship.terminate()
        try:
            out, err = ship.communicate(timeout=30)
            print(err.decode(errors="replace")[-500:])
        except subprocess.TimeoutExpired:
            ship.kill()
    nginx.terminate()
    try:
        nginx.wait(timeout=30)
    except subprocess.TimeoutExpired:
        nginx.kill()
    stub.stop()
    srv.stop()
    if failures and os.path.exists(os.path.join(logs, "error.log")):
        print(open(os.path.join(logs, "error.log")).read()[-2000:])
finish()
