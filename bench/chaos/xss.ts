/**
 * Script injection through data: site, hall and rule texts, acknowledgement and silence
 * comments carrying HTML and `javascript:` payloads, shown on the dashboard, the wall and the
 * admin page of a real server in headless Chromium under the Content-Security-Policy; the
 * notification bodies a Slack-compatible receiver and a webhook get; CSV cells; IDs that carry
 * markup refused when the site is read.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { csvCell } from '../../web/src/lib/time-range.ts';
import { CONTENT_SECURITY_POLICY } from '../../server/http/static-files.ts';
import { launchChromium } from '../../test/helpers/browser.ts';
import { startServer } from '../../test/helpers/programs.ts';
import { notYet, seen, sleep, waitFor } from '../../test/helpers/wait.ts';
import { connectClient } from './kit.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';

const TOKEN = 'chaos-xss-admin-token-0123456789';
const P = {
  site: '<img src=x onerror=alert("site")>',
  hall: '"><svg onload=alert("hall")>',
  hall2: 'javascript:alert("hall2")',
  rule: '<img src=x onerror=alert("rule")>',
  ack: '"><script>alert("ack")</script>',
  silence: '<iframe src="javascript:alert(`silence`)">',
};

/** Elements a payload would create if it were parsed as markup. */
const INJECTED = 'img[src="x"], svg[onload], iframe, script:not([src]), [onerror], [onload]';

async function inspect(page: Page): Promise<{ injected: number; violations: string[] }> {
  return page.evaluate(
    (sel) => ({ injected: document.querySelectorAll(sel).length, violations: [...((window as unknown as { __csp: string[] }).__csp ?? [])] }),
    INJECTED,
  );
}

export const xss: Scenario = {
  name: 'XSS through data',
  short: true,
  async run(_scale, log) {
    const rows: ChaosRow[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-chaos-xss-'));
    const site = JSON.parse(readFileSync('sites/demo.json', 'utf8'));
    site.name = P.site;
    site.halls[0].name = P.hall;
    site.halls[1].name = P.hall2;
    writeFileSync(join(dir, 'site.json'), JSON.stringify(site));
    const badIds = structuredClone(site);
    badIds.halls[0].rows[0].racks[0].id = '<img src=x onerror=alert(1)>';
    writeFileSync(join(dir, 'bad-ids.json'), JSON.stringify(badIds));
    const rules = JSON.parse(readFileSync('config/alert-rules.json', 'utf8'));
    rules.rules.find((r: { id: string }) => r.id === 'rack-offline').summary = P.rule;
    writeFileSync(join(dir, 'rules.json'), JSON.stringify(rules));

    const refused = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'server/main.ts', '--site', join(dir, 'bad-ids.json'), '--embedded-broker-port', '0', '--port', '0'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const refusal = refused.stderr.trim().split('\n').pop() ?? '';
    rows.push(row(
      'XSS through data',
      'a site file whose rack ID is <img src=x onerror=…>',
      'refused at start, naming the field',
      `exit ${refused.status}: ${refusal.slice(0, 120)}`,
      refused.status !== 0 && /racks\[0\]\.id/.test(refusal),
    ));

    const bodies: { path: string; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => (bodies.push({ path: req.url ?? '', body: b }), res.writeHead(200).end()));
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const rport = (receiver.address() as { port: number }).port;
    const server = await startServer(
      [
        '--site', join(dir, 'site.json'), '--embedded-broker-port', '0', '--storage-dir', dir, '--alert-rules', join(dir, 'rules.json'),
        '--admin-token', TOKEN, '--print-admin-login', '1', '--alert-slack', `http://127.0.0.1:${rport}/slack`, '--alert-webhook',
        `http://127.0.0.1:${rport}/hook`, '--alert-allow-targets', `127.0.0.1:${rport}`,
      ],
      { auth: true },
    );
    const browser = await launchChromium();
    try {
      const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
      const pub = await connectClient(server.mqttUrl);
      await pub.publishAsync('hallwatch/v1/hall-1/rack/h1-r01-k01/status', 'offline', { qos: 1, retain: true });
      await pub.endAsync();
      const incident = await waitFor('the offline incident', async () => {
        const a = await (await fetch(`${server.baseUrl}/api/alerts`, { headers: auth })).json() as { incidents: { id: string; title: string }[] };
        return a.incidents[0] ?? notYet(a.incidents);
      }, 20_000);
      await fetch(
        `${server.baseUrl}/api/incidents/${encodeURIComponent(incident.id)}/ack`,
        { method: 'POST', headers: auth, body: JSON.stringify({ comment: P.ack }) },
      );
      await fetch(
        `${server.baseUrl}/api/silences`,
        { method: 'POST', headers: auth, body: JSON.stringify({ matcher: 'rack:h1-r02-k01', minutes: 60, comment: P.silence }) },
      );
      const headers = (await fetch(server.baseUrl + '/')).headers;

      const password = /password=(\S+)/.exec(server.output())![1];
      const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
      let dialogs = 0;
      context.on('page', (p) => p.on('dialog', (d) => (dialogs++, void d.dismiss())));
      await context.addInitScript(() => {
        (window as unknown as { __csp: string[] }).__csp = [];
        document.addEventListener(
          'securitypolicyviolation',
          (e) => (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
        );
      });
      const page = await context.newPage();
      await page.goto(server.baseUrl + '/');
      await page.fill('input[name="password"]', password);
      await page.click('button[type="submit"]');
      await page.waitForSelector('[data-status="live"]', { timeout: 15_000 });
      await page.click('[data-testid="incident-toggle"]');
      await page.goto(server.baseUrl + '/#/hall/hall-1');
      await sleep(1000);
      const dash = await inspect(page);
      const dashText = await page.locator('body').innerText();
      await page.click('[data-tab="silences"]').catch(() => {});
      await sleep(300);
      const silText = await page.locator('body').innerText();
      await page.goto(server.baseUrl + '/wall');
      await page.waitForFunction(() => Number(document.querySelector('canvas[data-hall]')?.getAttribute('data-drawn') ?? 0) > 0, null, { timeout: 15_000 });
      await sleep(1000);
      const wall = await inspect(page);
      const wallText = await page.locator('body').innerText();
      await page.goto(server.baseUrl + '/');
      await page.click('[data-testid="admin-link"]');
      await sleep(1500);
      const admin = await inspect(page);
      const adminText = (await page.locator('body').innerText()) + (await page.locator('textarea').first().inputValue().catch(() => ''));
      const shown = {
        dashboard: [P.rule, P.ack, P.hall].filter((p) => dashText.includes(p)).length,
        silences: silText.includes(P.silence) ? 1 : 0,
        wall: [P.hall, P.hall2, P.rule].filter((p) => wallText.includes(p)).length,
        // The rules editor shows the file as JSON: the payload's quotes escaped.
        admin: adminText.includes(JSON.stringify(P.rule).slice(1, -1)) ? 1 : 0,
      };
      const violations = [...dash.violations, ...wall.violations, ...admin.violations];
      const inlineRan = await page.evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'window.__inlineRan = 1';
        document.body.append(s);
        return (window as unknown as { __inlineRan?: number }).__inlineRan ?? 0;
      });
      await context.close();
      log(
        `dialogs ${dialogs}; injected ${dash.injected}/${wall.injected}/${admin.injected}; shown as text ` +
          `${JSON.stringify(shown)}; CSP violations ${violations.length} ${violations.slice(0, 3).join(' | ')}; inline ` +
          `ran ${inlineRan}`,
      );
      rows.push(row(
        'XSS through data',
        'site, hall and rule texts, ack and silence comments with <img onerror>, "><svg onload>, <script>, javascript: ' +
          '(dashboard, incident expanded, silences, wall, admin)',
        'rendered as text: 0 dialogs, 0 elements created from data',
        `${dialogs} dialogs; ${dash.injected + wall.injected + admin.injected} injected elements; payloads shown as ` +
          `text: dashboard ${shown.dashboard}/3, silences ${shown.silences}/1, wall ${shown.wall}/3, admin ` +
          `${shown.admin}/1`,
        dialogs === 0 && dash.injected + wall.injected + admin.injected === 0 && shown.dashboard >= 2 && shown.silences === 1 && shown.wall >= 1
          && shown.admin === 1,
      ));
      const csp = headers.get('content-security-policy') ?? '';
      rows.push(row(
        'XSS through data',
        'Content-Security-Policy on the dashboard',
        "script-src 'self' (no inline script); the app runs under it with 0 violations; an injected inline script does not run",
        `${csp === CONTENT_SECURITY_POLICY ? 'header sent' : 'header MISSING'}; ${violations.length} violations on 3 ` +
          `pages; inline script ran: ${inlineRan ? 'yes' : 'no'}`,
        csp === CONTENT_SECURITY_POLICY && !/script-src[^;]*unsafe-inline/.test(csp) && violations.length === 0 && inlineRan === 0,
      ));

      await waitFor('notifications', () =>
        seen(bodies.map((b) => b.path), (paths) => paths.includes('/slack') && paths.includes('/hook')), 15_000).catch(() => null);
      const slack = bodies.find((b) => b.path === '/slack')?.body ?? '';
      const hook = bodies.find((b) => b.path === '/hook')?.body ?? '';
      const slackOk = slack.includes('&lt;img src=x onerror=alert(\\"rule\\")&gt;') && !/<img/.test(slack);
      const hookOk = (JSON.parse(hook || '{}') as { incident?: { title?: string } }).incident?.title?.includes(P.rule) ?? false;
      rows.push(row('XSS through data', 'notification bodies of that incident', 'Slack mrkdwn escaped (&lt; &gt;); webhook JSON carries the text as a string',
        `Slack ${slackOk ? 'escaped' : 'NOT escaped'}; webhook title ${hookOk ? 'a JSON string' : 'missing'}`, slackOk && hookOk));
      const cells = ['=HYPERLINK("http://x")', '+1', '-1+1', '@SUM(A1)'].map(csvCell);
      rows.push(row(
        'XSS through data',
        'CSV export cells starting with = + - @',
        "neutralised with a leading ' (numbers stay numbers)",
        cells.join(' '),
        cells.every((c) => /^"?'/.test(c)) && csvCell(-3.5) === '-3.5',
      ));
    } finally {
      await browser.close();
      await server.stop();
      receiver.close();
    }
    return rows;
  },
};
