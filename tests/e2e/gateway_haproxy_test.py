"""Issue 7 part 1: real HAProxy in front of a stub model API, asking
DistillGuard through deploy/haproxy/distillguard.lua, configured by the
shipped deploy/haproxy/haproxy.cfg (only ports, paths and the token
substituted). The same judged path as gateway_nginx_test.py, smaller.

HAProxy logs the events to its stdout (`log stdout format raw`), which
the test sends to the file `distillguard ship` follows.
Skips (exit 77) only when haproxy is not installed."""
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

HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
if HAPROXY is None:
    print("haproxy is not installed: skipped")
    sys.exit(77)

d = fresh_workdir()
HYDRA_VIA_GATEWAY = 600   # the campaign's first exchanges, sent through HAProxy
BENIGN_VIA_GATEWAY = 150   # benign exchanges of the last hours, sent through HAProxy

setup = GatewayTest(d, HYDRA_VIA_GATEWAY, BENIGN_VIA_GATEWAY)
READ, WRITE, token_file, srv = gateway_common.READ, gateway_common.WRITE, setup.token_file, setup.srv
labels, attack = setup.labels, setup.attack
hydra_events, preload, benign_tail = setup.hydra_events, setup.preload, setup.benign_tail

# The shipped config, rendered with this test's ports and paths.
stub_port, gw_port = free_port(), free_port()
with open(os.path.join(SRC, "deploy", "haproxy", "haproxy.cfg")) as f:
    conf = f.read()
for old, new in (("server api 127.0.0.1:9000", "server api 127.0.0.1:%d" % stub_port),
                 ("setenv DG_URL http://127.0.0.1:8080", "setenv DG_URL http://127.0.0.1:%d" % srv.port),
                 ("bind 127.0.0.1:8089", "bind 127.0.0.1:%d" % gw_port),
                 ("CHANGE-ME-read-token", READ),
                 ("/etc/distillguard/haproxy/distillguard.lua",
                  os.path.join(SRC, "deploy", "haproxy", "distillguard.lua"))):
    check(old in conf, "deploy/haproxy/haproxy.cfg no longer has %r" % old)
    conf = conf.replace(old, new)
conf_path = os.path.join(d, "haproxy.cfg")
with open(conf_path, "w") as f:
    f.write(conf)
events_log = os.path.join(d, "events.log")

t = subprocess.run([HAPROXY, "-c", "-f", conf_path], capture_output=True, text=True)
check(t.returncode == 0, "haproxy -c: %s" % t.stderr)
stub = StubModelApi(stub_port)
log_file = open(events_log, "ab")
stderr_path = os.path.join(d, "haproxy.stderr")
gateway = subprocess.Popen([HAPROXY, "-db", "-f", conf_path], stdout=log_file, stderr=open(stderr_path, "wb"))
ship = None
try:
    client = Client(gw_port)
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
    drive(srv, client, stub, events_log, preload, live, labels, attack, READ, WRITE, min_attackers=15)

    # Fail open: with DistillGuard gone, HAProxy still serves (and logs).
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
    gateway.terminate()
    try:
        gateway.wait(timeout=30)
    except subprocess.TimeoutExpired:
        gateway.kill()
    log_file.close()
    stub.stop()
    srv.stop()
    if failures:
        print(open(stderr_path, errors="replace").read()[-2000:])
finish()
