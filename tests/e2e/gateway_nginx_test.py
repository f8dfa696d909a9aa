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
import gateway_common
from gateway_common import GatewayTest, StubModelApi, api_request, Client, drive, start_ship

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
if NGINX is None:
    print("nginx is not installed: skipped")
    sys.exit(77)

d = fresh_workdir()
HYDRA_VIA_NGINX = 1200   # the campaign's first exchanges, sent through nginx
BENIGN_VIA_NGINX = 300   # benign exchanges of the last hours, sent through nginx

setup = GatewayTest(d, HYDRA_VIA_NGINX, BENIGN_VIA_NGINX)
READ, WRITE, token_file, srv = gateway_common.READ, gateway_common.WRITE, setup.token_file, setup.srv
labels, attack = setup.labels, setup.attack
hydra_events, preload, benign_tail = setup.hydra_events, setup.preload, setup.benign_tail

# The shipped config, rendered with this test's ports and paths.
stub_port, nginx_port = free_port(), free_port()
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

    live = sorted(hydra_events + benign_tail, key=lambda e: e["ts"])
    ship = start_ship(events_log, srv.port, token_file)
    drive(srv, client, stub, events_log, preload, live, labels, attack, READ, WRITE)

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
