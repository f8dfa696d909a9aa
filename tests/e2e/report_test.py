"""The HTML report as a person sees it: headless Chromium (Debian's
/usr/bin/chromium driven by playwright-core from web/node_modules) opens the
page; any console error or network request fails the test; the numbers the
page shows must equal campaigns.json / summary.json / accounts.jsonl; the
account table must sort and filter; a screenshot is saved in the build tree.

Two inputs: a real scan (simulate naive_hydra -> scan, which writes
report.html and accounts.csv itself) and the hand-made result dir
tests/e2e/data/ext_result that uses every optional linkage field.
Skips (exit 77) only when chromium is absent."""
import csv, json, os, shutil, subprocess, sys
from harness import *

CHROMIUM = os.environ.get("DG_CHROMIUM", "/usr/bin/chromium")
if not os.path.exists(CHROMIUM) or shutil.which("node") is None:
    print("no chromium or node: skipped")
    sys.exit(77)
NODE_MODULES = os.path.join(SRC, "web", "node_modules")
check(os.path.isdir(os.path.join(NODE_MODULES, "playwright-core")), "web/node_modules/playwright-core missing (npm ci)")

work = fresh_workdir()


def browse(html, shot, filter_text):
    env = dict(os.environ, NODE_PATH=NODE_MODULES, DG_CHROMIUM=CHROMIUM)
    p = subprocess.run(["node", os.path.join(SRC, "tests", "e2e", "report_browser.js"), html, shot, filter_text],
                       capture_output=True, text=True, timeout=180, env=env)
    check(p.returncode == 0, "browser run failed: %s" % p.stderr[-2000:])
    if p.returncode != 0:
        finish()
    page = json.loads(p.stdout)
    check(page["errors"] == [], "console errors: %s" % page["errors"])
    check(page["requests"] == [], "the page made requests: %s" % page["requests"])
    check(os.path.getsize(shot) > 10000, "screenshot %s missing or empty" % shot)
    return page


def num(text):
    return int(text.replace(",", ""))


def shown_time(iso):
    # 2026-04-22T10:00:00.000Z -> 2026-04-22 10:00:00 UTC
    return iso.replace("T", " ").split(".")[0].rstrip("Z") + " UTC"


def pct(share):
    return "%d%%" % int(share * 100 + 0.5)


def check_page(page, result_dir, label):
    f = page["fields"]
    camps = json.load(open(os.path.join(result_dir, "campaigns.json")))["campaigns"]
    accts = read_jsonl(os.path.join(result_dir, "accounts.jsonl"))
    summary_path = os.path.join(result_dir, "summary.json")
    if os.path.exists(summary_path):
        s = json.load(open(summary_path))
        check(num(f["summary:events"]) == s["events"], "%s: events shown %s != %s" % (label, f["summary:events"], s["events"]))
        check(num(f["summary:accounts"]) == s["accounts"], "%s: accounts shown" % label)
        by = s["accounts_by_action"]
        check(num(f["summary:actioned"]) == by["throttle"] + by["challenge"] + by["block"], "%s: actioned shown" % label)
    check(num(f["summary:campaigns"]) == len(camps), "%s: campaign count shown" % label)
    actioned = [a for a in accts if a["action"] in ("throttle", "challenge", "block")]
    check(num(f["actioned:total"]) == len(actioned), "%s: actioned table total" % label)
    if not camps:
        check("overview:none" in f, "%s: no 'no campaign' note" % label)
    for c in camps:
        k = "campaign:%s:" % c["id"]
        for fld in ("accounts", "exchanges"):
            check(num(f[k + fld]) == c[fld], "%s %s: %s shown %s != %s" % (label, c["id"], fld, f[k + fld], c[fld]))
            check(num(f["overview:%s:%s" % (c["id"], fld)]) == c[fld], "%s %s: overview %s" % (label, c["id"], fld))
        for fld in ("first_seen", "last_seen"):
            check(f[k + fld] == shown_time(c[fld]), "%s %s: %s shown %s" % (label, c["id"], fld, f[k + fld]))
        if c.get("exchanges_before_action") is not None:
            check(num(f[k + "exchanges_before_action"]) == c["exchanges_before_action"], "%s %s: before action" % (label, c["id"]))
        for cap, share in c["capabilities"].items():
            check(f.get(k + "cap:" + cap) == pct(share), "%s %s: capability %s shown %s" % (label, c["id"], cap, f.get(k + "cap:" + cap)))
        infra = c.get("infrastructure", {})
        for t, share in infra.get("ip_types", {}).items():
            check(f.get(k + "ip_type:" + t) == pct(share), "%s %s: ip type %s" % (label, c["id"], t))
        for kind, short in (("asns", "asn"), ("prefixes", "prefix"), ("ips", "ip"), ("user_agents", "ua")):
            for i, a in enumerate(infra.get(kind, [])):
                for cnt in ("accounts", "exchanges", "holders"):
                    if a.get(cnt) is not None:
                        got = f.get(k + "%s:%d:%s" % (short, i, cnt))
                        check(got is not None and num(got) == a[cnt], "%s %s: %s %d %s shown %s != %s" %
                              (label, c["id"], kind, i, cnt, got, a[cnt]))
        for i, e in enumerate(c["evidence"]):
            check(f.get(k + "evidence:%d" % i) == e, "%s %s: evidence %d" % (label, c["id"], i))
        members = {a["account_id"] for a in accts if a["campaign"] == c["id"]} | set(c.get("members", []))
        check(num(f[k + "members"]) == len(members), "%s %s: member count %s != %d" % (label, c["id"], f[k + "members"], len(members)))
        check(f[k + "sentence"].startswith("%s accounts, %s exchanges between " % (format(c["accounts"], ","), format(c["exchanges"], ","))),
              "%s %s: sentence %r" % (label, c["id"], f[k + "sentence"]))
        if c.get("graph", {}).get("nodes"):
            check(num(f[k + "graph_nodes"]) == len(c["graph"]["nodes"]), "%s %s: graph nodes" % (label, c["id"]))


def check_table(page, label, prefix):
    t = page["interaction"]
    check(t.get("sorted_asc") == sorted(t.get("initial", [])), "%s: header click does not sort ascending" % label)
    check(t.get("sorted_desc") == sorted(t.get("initial", []), reverse=True), "%s: second click does not sort descending" % label)
    filtered = t.get("filtered", [])
    check(filtered and all(prefix in r for r in filtered), "%s: filter %r shows %s" % (label, prefix, filtered[:5]))
    check(len(filtered) < len(t.get("initial", [])), "%s: filter removed nothing" % label)
    check(t.get("count_text", "").startswith("%d of " % len(filtered)), "%s: count text %r" % (label, t.get("count_text")))


# 1. The hand-made result with every extension field.
fixture = os.path.join(SRC, "tests", "e2e", "data", "ext_result")
ext_html = os.path.join(work, "ext", "report.html")
os.makedirs(os.path.dirname(ext_html))
p = run(["report", "--result", fixture, "--out", ext_html])
check(p.returncode == 0, "report failed: %s" % p.stderr)
check(os.path.exists(os.path.join(work, "ext", "accounts.csv")), "report did not write accounts.csv beside the page")
page = browse(ext_html, os.path.join(work, "report_ext.png"), "acct-c0001-00")
check_page(page, fixture, "ext")
check(page["interaction"]["charts"] >= 4, "ext: expected timeline and wave charts, got %d" % page["interaction"]["charts"])
check(page["interaction"]["graph_circles"] == 36, "ext: graph circles %d" % page["interaction"]["graph_circles"])
check_table(page, "ext", "acct-c0001-00")

# 2. A real scan: scan itself writes report.html and accounts.csv.
sim = os.path.join(work, "sim")
p = run(["simulate", "--scenario", os.path.join(SRC, "scenarios", "naive_hydra.toml"), "--out", sim, "--quiet"])
check(p.returncode == 0, "simulate failed: %s" % p.stderr)
res = os.path.join(work, "scan")
p = run(["scan", os.path.join(sim, "events.jsonl"), "--out", res, "--quiet"])
check(p.returncode == 0, "scan failed: %s" % p.stderr)
for name in ("report.html", "accounts.csv"):
    check(os.path.exists(os.path.join(res, name)), "scan did not write %s" % name)
rows = list(csv.DictReader(open(os.path.join(res, "accounts.csv"), newline="")))
jl = read_jsonl(os.path.join(res, "accounts.jsonl"))
check(len(rows) == len(jl), "accounts.csv has %d rows, accounts.jsonl %d" % (len(rows), len(jl)))
check([r["account_id"] for r in rows] == [a["account_id"] for a in jl], "accounts.csv ids differ from accounts.jsonl")
check(all(r["action"] == a["action"] and int(r["exchanges"]) == a["exchanges"] for r, a in zip(rows, jl)),
      "accounts.csv actions or exchanges differ")
first_actioned = next(a["account_id"] for a in jl if a["action"] in ("throttle", "challenge", "block"))
page = browse(os.path.join(res, "report.html"), os.path.join(work, "report_scan.png"), first_actioned[:9])
check_page(page, res, "scan")

# 3. Bad arguments.
p = run(["report", "--result", os.path.join(work, "nonexistent"), "--out", os.path.join(work, "x.html")])
check(p.returncode == 2 and p.stderr.count(b"\n") == 1, "missing result dir: exit %d, %r" % (p.returncode, p.stderr))
p = run(["report", "--result", fixture])
check(p.returncode == 2, "missing --out: exit %d" % p.returncode)
finish()
