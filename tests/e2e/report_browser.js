// Opens a DistillGuard report in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core from web/node_modules) the way a person would,
// and prints what the page shows as JSON on stdout:
//   {errors: [...], requests: [...], fields: {data-field: text}, interaction: {...}}
// usage: node report_browser.js REPORT.html SCREENSHOT.png [FILTER_TEXT]
// Any console error, page error or request other than the page itself is
// reported (and blocked); report_test.py fails on them.
const path = require("path");
const { chromium } = require("playwright-core");

async function main() {
  const [htmlPath, screenshotPath, filterText] = process.argv.slice(2);
  const url = "file://" + path.resolve(htmlPath);
  const browser = await chromium.launch({
    executablePath: process.env.DG_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu"],
  });
  const out = { errors: [], requests: [], fields: {}, interaction: {} };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", m => { if (m.type() === "error" || m.type() === "warning") out.errors.push(m.type() + ": " + m.text()); });
    page.on("pageerror", e => out.errors.push("pageerror: " + e.message));
    page.on("requestfailed", r => { if (r.url() !== url) out.errors.push("requestfailed: " + r.url()); });
    await page.route("**/*", route => {
      const u = route.request().url();
      if (u === url) return route.continue();
      out.requests.push(u);
      return route.abort();
    });
    await page.goto(url, { waitUntil: "load" });
    await page.waitForSelector("body[data-rendered=true]", { timeout: 20000 });
    out.fields = await page.$$eval("[data-field]", els => Object.fromEntries(els.map(e => [e.getAttribute("data-field"), e.textContent])));
    out.interaction.charts = await page.$$eval(".chart canvas", els => els.length);
    out.interaction.graph_circles = await page.$$eval("svg.graph circle", els => els.length);
    // The first account table: sort by account (click), then filter.
    const table = (await page.$$(".account-table"))[0];
    if (table) {
      const id = await table.getAttribute("id");
      const rows = () => page.$$eval("#" + id + " tbody tr", trs => trs.map(tr => tr.children[0].textContent));
      out.interaction.table = id;
      out.interaction.initial = await rows();
      await page.click("#" + id + " th[data-col='0']");
      out.interaction.sorted_asc = await rows();
      await page.click("#" + id + " th[data-col='0']");
      out.interaction.sorted_desc = await rows();
      if (filterText) {
        await page.fill("#" + id + " input[type=search]", filterText);
        out.interaction.filtered = await rows();
        out.interaction.count_text = await page.textContent("#" + id + " [data-role=count]");
        await page.fill("#" + id + " input[type=search]", "");
      }
    }
    await page.screenshot({ path: screenshotPath, fullPage: true });
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch(e => { console.error(String(e && e.stack || e)); process.exit(3); });
