"""Writes ext_result/: a hand-made scan result dir whose campaigns.json uses
every optional linkage field of the campaigns.json extension (action,
members, infrastructure, signup, templates, sketch_params, timeline, graph),
for the report and intel tests while the linkage stage is not on main.
Deterministic (fixed seed); run it again to regenerate the committed files."""
import json, os, random

rng = random.Random(6)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ext_result")
os.makedirs(out, exist_ok=True)
H = 3600


def iso(t):
    import datetime
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


T0 = 1776852000  # 2026-04-22T10:00:00Z
accounts, campaigns = [], []
specs = [
    ("C0001", 24, "block", ["203.0.113.7", "203.0.113.9"], "203.0.113.0/24", 16509, "hosting", "python-httpx/0.27",
     "t13d1516h2_8daaf6152771_02713d6af862", "pm_hydra_01", ("mailbox.example", "aaaaaa99"),
     {"software_engineering": 0.41, "agentic_tool_use": 0.30, "reasoning": 0.17, "long_horizon": 0.08, "other": 0.04}),
    ("C0002", 12, "challenge", ["198.51.100.23"], "198.51.100.0/24", 64500, "residential", "Mozilla/5.0 (X11; Linux) distill-bot",
     "t13d1715h2_5b57614c22b0_3d5424432f57", "pm_hydra_02", ("fastmail.example", "aaaa9999"),
     {"reasoning": 0.55, "knowledge": 0.25, "writing": 0.20}),
]
for ci, (cid, n, action, ips, prefix, asn, ip_type, ua, cfp, pfp, (dom, shape), caps) in enumerate(specs):
    members = ["acct-%s-%03d" % (cid.lower(), i) for i in range(n)]
    rows = []
    for i, m in enumerate(members):
        ex = 40 + rng.randrange(60)
        before = rng.randrange(5, 20)
        first = T0 + H * (2 + ci) + 60 * i
        rows.append({"account_id": m, "action": action, "score": round(0.9 + 0.09 * rng.random(), 4), "campaign": cid,
                     "exchanges": ex, "first_action_ts": iso(first), "exchanges_before_action": before,
                     "reasons": ["shares payment fingerprint with %d accounts" % n, "template repeated across accounts"]})
    accounts += rows
    total = sum(r["exchanges"] for r in rows)
    ebefore = sum(r["exchanges_before_action"] for r in rows)
    hours = 8
    timeline, left_served, left_ref = [], ebefore, total - ebefore
    for h in range(hours):
        s = left_served if h == hours - 1 else min(left_served, ebefore // 3)
        r = left_ref if h == hours - 1 else min(left_ref, (total - ebefore) // hours)
        left_served -= s
        left_ref -= r
        timeline.append({"hour": iso(T0 + h * H), "served": s, "refused": r})
    nodes = [{"id": m, "action": action, "exchanges": r["exchanges"]} for m, r in zip(members, rows)]
    edges = []
    for i in range(n):
        for j in range(i + 1, n):
            if rng.random() < 0.25:
                edges.append({"a": members[i], "b": members[j], "kind": rng.choice(["payment_fp", "ip", "template"]),
                              "weight": round(rng.random(), 3)})
    minhash = [rng.randrange(2 ** 32) for _ in range(64)]
    campaigns.append({
        "id": cid, "accounts": n, "exchanges": total, "first_seen": iso(T0), "last_seen": iso(T0 + hours * H - 1),
        "score": 0.97 - 0.05 * ci, "capabilities": caps,
        "evidence": ["payment fingerprint %s shared by %d accounts" % (pfp, n),
                     "%d accounts from ASN %d (%s)" % (n, asn, ip_type),
                     "one prompt template across %d accounts" % n],
        "action": action, "actioned_at": iso(T0 + H * (2 + ci)), "members": members,
        "exchanges_before_action": ebefore,
        "infrastructure": {
            "ip_types": {ip_type: 0.85, "unknown": 0.15}, "countries": {"US": 0.6, "SG": 0.4},
            "ips": [{"value": ip, "accounts": n // (k + 1), "exchanges": total // (k + 2)} for k, ip in enumerate(ips)],
            "prefixes": [{"value": prefix, "accounts": n, "exchanges": total}],
            "asns": [{"value": asn, "ip_type": ip_type, "accounts": n, "exchanges": total}],
            "user_agents": [{"value": ua, "accounts": n, "exchanges": total}],
            "client_fps": [{"value": cfp, "accounts": n, "exchanges": total}]},
        "signup": {"payment_fps": [{"value": pfp, "accounts": n}],
                   "email_shapes": [{"domain": dom, "shape": shape, "accounts": n}],
                   "billing_countries": {"US": 0.7, "SG": 0.3},
                   "waves": [{"start": iso(T0 - 2 * H), "accounts": n // 2}, {"start": iso(T0 - H), "accounts": n - n // 2}]},
        "templates": [{"minhash": minhash, "accounts": n, "exchanges": total}],
        "sketch_params": {"scheme": "dg-oph-v1", "shingle_words": 5, "hashes": 64, "bands": 16, "rows": 4},
        "timeline": timeline, "graph": {"nodes": nodes, "edges": edges}})

for i in range(30):
    accounts.append({"account_id": "user-%03d" % i, "action": "monitor" if i % 7 == 0 else "allow",
                     "score": round(0.05 + 0.3 * rng.random(), 4), "campaign": None, "exchanges": 10 + rng.randrange(400),
                     "first_action_ts": None, "exchanges_before_action": None, "reasons": ["heavy but diverse prompts"]})
with open(os.path.join(out, "accounts.jsonl"), "w") as f:
    for a in accounts:
        f.write(json.dumps(a) + "\n")
with open(os.path.join(out, "campaigns.json"), "w") as f:
    json.dump({"campaigns": campaigns}, f, indent=1)
    f.write("\n")
ex = sum(a["exchanges"] for a in accounts)
with open(os.path.join(out, "summary.json"), "w") as f:
    json.dump({"events": ex, "accounts": len(accounts), "quarantined": 3, "duplicates": 1,
               "accounts_by_action": {"allow": sum(a["action"] == "allow" for a in accounts),
                                      "monitor": sum(a["action"] == "monitor" for a in accounts), "throttle": 0,
                                      "challenge": 12, "block": 24},
               "campaigns": 2, "first_ts": iso(T0 - 3 * H), "last_ts": iso(T0 + 8 * H)}, f)
    f.write("\n")
