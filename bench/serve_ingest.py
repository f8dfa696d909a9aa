#!/usr/bin/env python3
"""Ingestion load for the serve benchmark: posts NDJSON batches of events from
a file to POST /v1/events at a target rate for a while, looping over the file
with fresh request ids (so nothing is dropped as a duplicate), and prints a
JSON line with the rate achieved.

  bench/serve_ingest.py PORT EVENTS.jsonl RATE_PER_S SECONDS [BATCH=1000] [TOKEN]

SECONDS = 0 posts the file once, as fast as RATE allows.
"""
import http.client, json, os, sys, time

port, path, rate, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
batch = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
token = sys.argv[6] if len(sys.argv) > 6 else None
lines = open(path, "rb").read().splitlines()
headers = {"Content-Type": "application/x-ndjson"}
if token:
    headers["Authorization"] = "Bearer " + token
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
start = time.time()
sent = accepted = loop = pos = 0
latencies = []
once = seconds == 0
while (pos < len(lines)) if once else (time.time() - start < seconds):
    chunk = lines[pos:pos + batch]
    if not once:  # fresh ids per process and pass: no duplicates of earlier runs
        prefix = b'"request_id":"P%d-%d-' % (os.getpid(), loop)
        chunk = [l.replace(b'"request_id":"', prefix, 1) for l in chunk]
    pos += batch
    if pos >= len(lines) and not once:
        pos, loop = 0, loop + 1
    body = b"\n".join(chunk) + b"\n"
    t0 = time.time()
    conn.request("POST", "/v1/events", body=body, headers=headers)
    r = conn.getresponse()
    answer = json.loads(r.read())
    latencies.append(time.time() - t0)
    accepted += answer.get("accepted", 0)
    sent += len(chunk)
    # Pace to the target rate.
    ahead = sent / rate - (time.time() - start)
    if ahead > 0:
        time.sleep(ahead)
elapsed = time.time() - start
latencies.sort()
print(json.dumps({"events": sent, "accepted": accepted, "seconds": round(elapsed, 2),
                  "events_per_s": round(accepted / elapsed), "batch": batch,
                  "post_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
                  "post_p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1)}))
