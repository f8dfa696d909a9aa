"""intel export / import end to end.

- The hand-made result dir (every linkage extension field) and a result dir
  built from a real simulation (naive_hydra: the attack accounts grouped by
  their label, with the infrastructure and sign-up facts of their events, as
  the linkage stage will write them) are exported with a shared key; every
  bundle must validate against the OASIS STIX 2.1 schemas with the shared
  conformance check (ajv from web/node_modules), and the extension-definition
  written beside it against its own schema.
- Privacy: no prompt or system text, account id, raw payment fingerprint,
  e-mail shape or e-mail domain of the input appears in a bundle.
- Without a key no keyed indicator is exported; a short key is refused.
- `intel import` validates and copies into STATE/intel/; malformed bundles are
  rejected with one line and exit 2.
Skips (77) only when ../shared/stix2.1 (the schemas) is not beside the checkout."""
import collections, json, os, random, subprocess, sys
from harness import *

SCHEMAS = os.path.join(SRC, "..", "shared", "stix2.1", "schemas")
VALIDATE = os.path.join(SRC, "..", "shared", "conformance", "stix_validate.js")
if not os.path.isdir(SCHEMAS) or not os.path.exists(VALIDATE):
    print("no ../shared/stix2.1 schemas: skipped")
    sys.exit(77)
NODE_MODULES = os.path.join(SRC, "web", "node_modules")
check(os.path.isdir(os.path.join(NODE_MODULES, "ajv")), "web/node_modules/ajv missing (npm ci)")
env = dict(os.environ, NODE_PATH=NODE_MODULES)
work = fresh_workdir()
key = os.path.join(work, "group.key")
with open(key, "w") as f:
    f.write("trust-group-shared-secret-2026\n")


def validate(bundle):
    p = subprocess.run(["node", VALIDATE, SCHEMAS, bundle], capture_output=True, text=True, env=env, timeout=120)
    check(p.returncode == 0, "%s does not validate: %s" % (bundle, p.stdout[-1500:] + p.stderr[-500:]))
    return p.stdout


OBJECT_CHECK = r"""
const fs = require("fs"), path = require("path");
const Ajv2020 = require("ajv/dist/2020"), addFormats = require("ajv-formats");
const [dir, file, schema] = process.argv.slice(1);
const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false, logger: false });
addFormats(ajv);
const walk = d => fs.readdirSync(d).flatMap(f => { const p = path.join(d, f); return fs.statSync(p).isDirectory() ? walk(p) : [p]; });
let id;
for (const f of walk(dir).filter(f => f.endsWith(".json"))) { const s = JSON.parse(fs.readFileSync(f, "utf8")); ajv.addSchema(s); if (f.endsWith(schema)) id = s.$id; }
const v = ajv.getSchema(id);
if (!v(JSON.parse(fs.readFileSync(file, "utf8")))) { console.log(JSON.stringify(v.errors)); process.exit(1); }
console.log("valid");
"""


def validate_object(path, schema):
    p = subprocess.run(["node", "-e", OBJECT_CHECK, SCHEMAS, path, schema], capture_output=True, text=True, env=env,
                       timeout=60)
    check(p.returncode == 0 and "valid" in p.stdout, "%s does not validate as %s: %s" % (path, schema, p.stdout))


def export(result, out, *extra):
    p = run(["intel", "export", "--result", result, "--out", out, "--producer", "Provider A"] + list(extra))
    check(p.returncode == 0, "intel export failed: %s" % p.stderr)
    return p


def objects(path):
    return json.load(open(path))["objects"]


# 1. The hand-made result dir.
fixture = os.path.join(SRC, "tests", "e2e", "data", "ext_result")
b1 = os.path.join(work, "ext_bundle.json")
export(fixture, b1, "--key-file", key)
validate(b1)
validate_object(os.path.join(work, "ext_bundle.extension-definition.json"), "common/extension-definition.json")
objs = objects(b1)
types = collections.Counter(o["type"] for o in objs)
camps = json.load(open(os.path.join(fixture, "campaigns.json")))["campaigns"]
check(types["campaign"] == len(camps), "campaign objects %d != %d" % (types["campaign"], len(camps)))
for t in ("identity", "indicator", "infrastructure", "relationship", "sighting"):
    check(types[t] > 0, "no %s object" % t)
kinds = collections.Counter()
for o in objs:
    if o["type"] == "indicator":
        ext = list(o["extensions"].values())[0]
        kinds[ext["indicator_kind"]] += 1
for k in ("ip", "prefix", "asn", "user_agent", "client_fp", "template_sketch", "payment_fp_hmac", "email_shape_hmac"):
    check(kinds[k] > 0, "no %s indicator" % k)
by_name = {o["name"]: o for o in objs if o["type"] == "campaign"}
for c in camps:
    o = next((v for n, v in by_name.items() if (" %s " % c["id"]) in n), None)
    check(o is not None, "campaign %s missing" % c["id"])
    if o:
        check(o["first_seen"] == c["first_seen"] and o["last_seen"] == c["last_seen"], "campaign %s dates" % c["id"])
        check(o["description"].startswith("%d accounts" % c["accounts"]), "campaign %s description" % c["id"])
rel = collections.Counter(o["relationship_type"] for o in objs if o["type"] == "relationship")
check(rel["indicates"] > 0 and rel["uses"] > 0, "relationships: %s" % dict(rel))
check(all(o.get("count", 0) > 0 for o in objs if o["type"] == "sighting"), "sightings without counts")
text = open(b1).read()
for a in read_jsonl(os.path.join(fixture, "accounts.jsonl")):
    check(a["account_id"] not in text, "account id %s leaked" % a["account_id"])
for c in camps:
    for p in c["signup"]["payment_fps"]:
        check(p["value"] not in text, "payment fp %s leaked" % p["value"])
    for e in c["signup"]["email_shapes"]:
        check(e["shape"] not in text and e["domain"] not in text, "e-mail shape/domain leaked")
    for e in c["evidence"]:
        check(e not in text, "evidence string exported: %s" % e)

# 2. A result dir from real simulated traffic, as the linkage stage will write it.
sim = os.path.join(work, "sim")
p = run(["simulate", "--scenario", os.path.join(SRC, "scenarios", "naive_hydra.toml"), "--out", sim, "--quiet"])
check(p.returncode == 0, "simulate failed")
res = os.path.join(work, "scan")
p = run(["scan", os.path.join(sim, "events.jsonl"), "--out", res, "--quiet"])
check(p.returncode == 0, "scan failed")
labels = {l["account_id"]: l for l in read_jsonl(os.path.join(sim, "labels.jsonl"))}
events = read_jsonl(os.path.join(sim, "events.jsonl"))
groups = collections.defaultdict(list)
for e in events:
    l = labels.get(e["account_id"])
    if l and l["label"] == "attack":
        groups[l["campaign"]].append(e)
check(len(groups) >= 1, "the scenario has no campaign")
rng = random.Random(3)
linked = os.path.join(work, "linked")
os.makedirs(linked)
campaigns, member_of = [], {}
for i, (name, evs) in enumerate(sorted(groups.items())):
    cid = "C%04d" % (i + 1)
    members = sorted({e["account_id"] for e in evs})
    for m in members:
        member_of[m] = cid

    def top(field, fn=lambda v: v):
        acc, ex = collections.defaultdict(set), collections.Counter()
        for e in evs:
            if e.get(field) is not None:
                v = fn(e[field])
                acc[v].add(e["account_id"])
                ex[v] += 1
        return [{"value": v, "accounts": len(acc[v]), "exchanges": ex[v]} for v, _ in ex.most_common(10)]

    facts = {}
    for e in evs:
        if "account" in e:
            facts[e["account_id"]] = e["account"]
    pay, shapes = collections.Counter(), collections.Counter()
    for f in facts.values():
        pay[f.get("payment_fp")] += 1
        shapes[(f.get("email_domain"), f.get("email_local_shape"))] += 1
    campaigns.append({
        "id": cid, "accounts": len(members), "exchanges": len(evs), "first_seen": evs[0]["ts"], "last_seen": evs[-1]["ts"],
        "score": 0.95, "capabilities": {"software_engineering": 0.6, "reasoning": 0.4},
        "evidence": ["payment fingerprint %s shared by %d accounts" % pay.most_common(1)[0]], "members": members,
        "infrastructure": {"ips": top("ip"), "prefixes": top("ip", lambda ip: ".".join(ip.split(".")[:3]) + ".0/24" if "." in ip else ip + "/128"),
                           "asns": top("asn"), "user_agents": top("user_agent"), "client_fps": top("client_fp"),
                           "ip_types": {"hosting": 1.0}},
        "signup": {"payment_fps": [{"value": v, "accounts": n} for v, n in pay.most_common() if v],
                   "email_shapes": [{"domain": d, "shape": s, "accounts": n} for (d, s), n in shapes.most_common() if s]},
        "templates": [{"minhash": [rng.randrange(2 ** 32) for _ in range(64)], "accounts": len(members), "exchanges": len(evs)}]})
with open(os.path.join(linked, "campaigns.json"), "w") as f:
    json.dump({"campaigns": campaigns}, f)
with open(os.path.join(linked, "accounts.jsonl"), "w") as f:
    for a in read_jsonl(os.path.join(res, "accounts.jsonl")):
        a["campaign"] = member_of.get(a["account_id"])
        f.write(json.dumps(a) + "\n")
b2 = os.path.join(work, "sim_bundle.json")
export(linked, b2, "--key-file", key)
validate(b2)
text = open(b2).read()
secrets = set()
for e in events:
    secrets.add(e["account_id"])
    for fld in ("prompt", "system"):
        if len(e.get(fld) or "") >= 20:
            secrets.add(e[fld])
    for m in e.get("messages") or []:
        if len(m.get("content") or "") >= 20:
            secrets.add(m["content"])
    f = e.get("account") or {}
    for fld in ("payment_fp", "email_local_shape", "email_domain"):
        if f.get(fld):
            secrets.add(f[fld])
leaks = [s for s in secrets if s in text]
check(not leaks, "%d private strings in the bundle, e.g. %r" % (len(leaks), leaks[:3]))
check(len(secrets) > 100, "privacy check looked at only %d strings" % len(secrets))
check('"payment_fp_hmac"' in text and '"email_shape_hmac"' in text, "keyed indicators missing from the simulated bundle")

# 2b. The real scan's own campaigns.json (the linkage stage), exported the same way.
b_real = os.path.join(work, "scan_bundle.json")
export(res, b_real, "--key-file", key)
validate(b_real)
real_camps = json.load(open(os.path.join(res, "campaigns.json")))["campaigns"]
real_objs = objects(b_real)
check(sum(o["type"] == "campaign" for o in real_objs) == len(real_camps), "real scan: campaign objects")
if real_camps:
    check(sum(o["type"] == "indicator" for o in real_objs) > 0, "real scan: no indicators")
text = open(b_real).read()
leaks = [s for s in secrets if s in text]
check(not leaks, "real scan: %d private strings in the bundle, e.g. %r" % (len(leaks), leaks[:3]))
for c in real_camps:
    for fld in ("system_prompts", "prompt_openings", "prompt_closings"):
        for v in (c.get("content") or {}).get(fld, []):
            val = v.get("value") if isinstance(v, dict) else v
            check(not val or val not in text, "real scan: campaign content %s exported" % fld)

# 3. No key: keyed indicators are left out, with a warning; a short key is refused.
b3 = os.path.join(work, "nokey.json")
p = export(fixture, b3)
check(b"left out" in p.stderr, "no warning without a key: %r" % p.stderr)
check('"hmac_sha256":' not in open(b3).read(), "keyed indicators exported without a key")
validate(b3)
short = os.path.join(work, "short.key")
open(short, "w").write("abc\n")
p = run(["intel", "export", "--result", fixture, "--out", os.path.join(work, "x.json"), "--key-file", short])
check(p.returncode == 2 and p.stderr.count(b"\n") == 1, "short key: exit %d %r" % (p.returncode, p.stderr))

# 4. Import.
state = os.path.join(work, "state")
p = run(["intel", "import", b1, "--state", state])
check(p.returncode == 0, "import failed: %s" % p.stderr)
bundle_id = json.load(open(b1))["id"]
check(os.path.exists(os.path.join(state, "intel", bundle_id + ".json")), "bundle not copied into the state")
bad = os.path.join(work, "bad.json")
for body in ('{"type": "bundle", "id": "bundle--nope", "objects": []}', "not json", '{"type": "report"}'):
    open(bad, "w").write(body)
    p = run(["intel", "import", bad, "--state", state])
    check(p.returncode == 2 and p.stderr.count(b"\n") == 1 and b"bad.json" in p.stderr,
          "malformed bundle %r: exit %d %r" % (body, p.returncode, p.stderr))
p = run(["intel", "import", os.path.join(work, "missing.json"), "--state", state])
check(p.returncode == 2, "missing bundle: exit %d" % p.returncode)
check(len(os.listdir(os.path.join(state, "intel"))) == 1, "a rejected bundle reached the state")

# 5. scan --intel: the simulated campaign's bundle (as if from Provider A) matched
# against the same traffic raises the attack accounts' scores and names the bundle.
res_intel = os.path.join(work, "scan_intel")
p = run(["scan", os.path.join(sim, "events.jsonl"), "--out", res_intel, "--intel", b2, "--key-file", key])
check(p.returncode == 0, "scan --intel failed: %s" % p.stderr)
check(b"shared intel:" in p.stdout, "no shared-intel line in the scan summary")
summary = json.load(open(os.path.join(res_intel, "summary.json")))
check(summary["intel_indicators"] > 0 and summary["intel_matched_exchanges"] > 0, "summary: %s" % summary)
plain = accounts(res)
shared = accounts(res_intel)
cited = [a for a in shared.values() if any("matches shared intel from Provider A (sim_bundle.json" in r for r in a["reasons"])]
attack = {a for a, l in labels.items() if l["label"] == "attack"}
check(len(cited) > 0 and {a["account_id"] for a in cited} <= set(plain), "no account cites the bundle")
check(sum(a["account_id"] in attack for a in cited) >= 0.9 * len(attack), "intel matched %d of %d attack accounts" %
      (sum(a["account_id"] in attack for a in cited), len(attack)))
check(all(shared[a]["score"] >= plain[a]["score"] for a in plain), "intel lowered a score")
check(all(shared[a["account_id"]]["score"] > plain[a["account_id"]]["score"] or plain[a["account_id"]]["score"] > 0.999
          for a in cited), "a matched account's score did not rise")
p = run(["scan", os.path.join(sim, "events.jsonl"), "--out", os.path.join(work, "x"), "--intel", bad])
check(p.returncode == 2 and p.stderr.count(b"\n") == 1, "scan with a malformed bundle: exit %d %r" % (p.returncode, p.stderr))
finish()
