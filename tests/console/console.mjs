// Drives the operators' console in a real browser (Debian's chromium through playwright-core), one scenario per run,
// and prints one JSON object with what the browser saw. The C# test (ConsoleBrowserTests) raises the agent's calls
// around it and checks their outcomes.
//   node console.mjs signed-out|approve|revoke
//   env: CONSOLE_URL (the server's base URL), OPERATOR_TOKEN, APPROVAL_ID, AGENT, SCREENSHOTS (a folder), CHROMIUM
import http from "node:http";
import { chromium } from "playwright-core";

const base = process.env.CONSOLE_URL.replace(/\/$/, "");
const scenario = process.argv[2];
const screenshots = process.env.SCREENSHOTS;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  // As root (CI containers) chromium's own sandbox cannot start; the pages it opens here are the test's.
  args: ["--no-sandbox"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const result = { scenario };

async function signIn(token) {
  await page.goto(`${base}/console/`);
  await page.fill("input[name=token]", token);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
}

try {
  if (scenario === "signed-out") {
    // No session: every page leads to the sign-in form; an agent's or a made-up token is refused there.
    await page.goto(`${base}/console/approvals`);
    result.landedOn = new URL(page.url()).pathname;
    await page.fill("input[name=token]", process.env.AGENT_TOKEN);
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    result.refusal = (await page.textContent("[role=alert]")).trim();

    // Signed in, then lured to a page of another origin on this machine whose form posts a revoke to the console. The
    // browser sends the session cookie along (another port is the same site, so SameSite does not stop it) with that
    // page's Origin: the console's same-origin rule is what refuses it.
    await signIn(process.env.OPERATOR_TOKEN);
    const evil = http.createServer((_, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<form method="post" action="${base}/console/agents/revoke"><input name="agent" value="${process.env.AGENT}"></form>` +
        "<script>document.forms[0].submit()</script>");
    });
    await new Promise(r => evil.listen(0, "127.0.0.1", r));
    const answered = page.waitForResponse(r => r.url().endsWith("/console/agents/revoke"));
    await page.goto(`http://127.0.0.1:${evil.address().port}/`);
    const response = await answered;
    result.foreignStatus = response.status();
    result.foreignBody = (await response.text()).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
    evil.close();
  } else if (scenario === "approve") {
    await signIn(process.env.OPERATOR_TOKEN);
    result.signedInAs = (await page.textContent(".who b")).trim();
    await page.screenshot({ path: `${screenshots}/console-agents.png` });
    await page.click("nav >> text=Approvals");
    const card = page.locator(`[data-approval="${process.env.APPROVAL_ID}"]`);
    result.card = (await card.innerText()).replace(/\s+/g, " ").trim();
    await page.screenshot({ path: `${screenshots}/console-approvals.png`, fullPage: true });
    await Promise.all([page.waitForNavigation(), card.locator("button", { hasText: "Approve" }).click()]);
    result.notice = (await page.textContent("[role=status]")).trim();
    result.recent = (await page.locator(`#recent-approvals tr[data-approval="${process.env.APPROVAL_ID}"]`).innerText()).replace(/\s+/g, " ").trim();
  } else if (scenario === "revoke") {
    await signIn(process.env.OPERATOR_TOKEN);
    const row = page.locator(`tr[data-agent="${process.env.AGENT}"]`);
    await row.locator("input[name=reason]").fill("seen in the console");
    await Promise.all([page.waitForNavigation(), row.locator("button", { hasText: "Revoke" }).click()]);
    result.notice = (await page.textContent("[role=status]")).trim();
    result.status = (await page.locator(`tr[data-agent="${process.env.AGENT}"] td`).nth(2).innerText()).trim();
    await page.click("nav >> text=Budgets");
    await page.screenshot({ path: `${screenshots}/console-budgets.png`, fullPage: true });
    result.budgetRows = await page.locator("tr[data-budget]").count();
  } else {
    throw new Error(`unknown scenario '${scenario}'`);
  }
} catch (e) {
  result.error = String(e && e.stack || e);
} finally {
  await browser.close();
}

console.log(JSON.stringify(result));
