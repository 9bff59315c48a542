/**
 * The browser side of the chat page, against a production build (`next build` + `next start`):
 *
 * - first-load JavaScript: every `<script src>` the chat page's HTML (`GET /`) loads, gzipped
 *   (zlib's default level) and summed — what a first visit downloads before the page can work;
 * - Lighthouse (from npm, default mobile config) performance and accessibility scores of the
 *   signed-in chat page, in Debian's Chromium (never a downloaded browser); the HTML report is
 *   written to docs/lighthouse/chat.html.
 *
 *   npm run -s bench -- browser
 *
 * Everything runs on 127.0.0.1 with embedded defaults and a scratch DATA_DIR, in its own build
 * directory (.next-bench), bounded in time; the server and the browser are always stopped.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { freePort, waitUntilOk } from "../../tests/helpers/net";

const CHROMIUM = "/usr/bin/chromium";
const CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu"];
const BUILD_TIMEOUT_MS = 15 * 60_000;
const START_TIMEOUT_MS = 90_000;
const LIGHTHOUSE_TIMEOUT_MS = 4 * 60_000;
const TARGET_GZ_BYTES = 250 * 1024;
const TARGET_SCORE = 90;
const REPORT = path.join("docs", "lighthouse", "chat.html");

export interface BrowserBenchOptions {
  /**
   * Build directory (NEXT_DIST_DIR); default .next-bench, which tsconfig.json already includes
   * (`next build` adds any other directory's types to tsconfig.json).
   */
  distDir?: string;
  /** Reuse an existing build in distDir instead of building. */
  skipBuild?: boolean;
  /** Where the Lighthouse HTML report goes; default docs/lighthouse/chat.html. */
  reportPath?: string;
}

export interface ScriptSize {
  src: string;
  bytes: number;
  gzBytes: number;
  /** `<script nomodule>`: Next's legacy polyfills, which module-capable browsers skip. */
  noModule: boolean;
}

export interface BrowserBenchResult {
  buildSeconds?: number;
  scripts: ScriptSize[];
  totalGzBytes: number;
  lighthouse?: {
    signedIn: boolean;
    performance: number;
    accessibility: number;
    metrics: Record<string, string>;
    reportPath: string;
  };
  lighthouseError?: string;
  loadAverage: string;
}

export async function benchBrowser(opts: BrowserBenchOptions = {}): Promise<BrowserBenchResult> {
  const distDir = opts.distDir ?? ".next-bench";
  // Embedded defaults: no database or bus URL from whoever started the bench.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    NEXT_DIST_DIR: distDir,
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  let buildSeconds: number | undefined;
  if (!opts.skipBuild) {
    const t0 = performance.now();
    await run("npx", ["next", "build"], { ...env, NODE_ENV: "production" }, BUILD_TIMEOUT_MS);
    buildSeconds = (performance.now() - t0) / 1000;
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-bench-browser-"));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = startServer(port, dataDir, {
    ...env,
    NODE_ENV: "production",
    PORT: String(port),
    APP_URL: baseUrl,
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    // Embedded defaults in a production build: the local IdP must be allowed explicitly.
    ALLOW_LOCAL_IDENTITY_IN_PRODUCTION: "true",
  });
  try {
    await waitUntilOk(`${baseUrl}/api/ready`, START_TIMEOUT_MS).catch((err: Error) => {
      const log = fs.readFileSync(path.join(dataDir, "server.log"), "utf8").slice(-2000);
      throw new Error(`${err.message}\n${log}`);
    });
    const scripts = await firstLoadScripts(baseUrl);
    const result: BrowserBenchResult = {
      buildSeconds,
      scripts,
      totalGzBytes: scripts.reduce((sum, s) => sum + s.gzBytes, 0),
      loadAverage: os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(", "),
    };
    try {
      result.lighthouse = await lighthouseChat(baseUrl, opts.reportPath ?? REPORT);
    } catch (err) {
      result.lighthouseError = err instanceof Error ? err.message : String(err);
    }
    return result;
  } finally {
    stop(server);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The scripts `GET /` references, each fetched and gzipped as a first visit would get them. */
async function firstLoadScripts(baseUrl: string): Promise<ScriptSize[]> {
  const html = await (await fetch(`${baseUrl}/`)).text();
  const tags = new Map<string, string>();
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"[^>]*>/g)) {
    tags.set(m[1]!.replaceAll("&amp;", "&"), m[0]);
  }
  return Promise.all(
    [...tags].map(async ([src, tag]) => {
      const res = await fetch(new URL(src, baseUrl));
      if (!res.ok) throw new Error(`${src}: HTTP ${res.status}`);
      const body = Buffer.from(await res.arrayBuffer());
      const noModule = /\bnomodule\b/i.test(tag);
      return { src, bytes: body.length, gzBytes: gzipSync(body).length, noModule };
    }),
  );
}

/**
 * Signs alice in through the local IdP's screens in one Chromium page, then lets Lighthouse load
 * `/` in that page. Storage reset is off so the session survives; the HTTP cache is cleared by
 * hand so the load is still a cold one.
 */
async function lighthouseChat(baseUrl: string, reportPath: string) {
  const { default: puppeteer } = await import("puppeteer-core");
  const { default: lighthouse } = await import("lighthouse");
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    args: CHROME_FLAGS,
    headless: true,
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`, { waitUntil: "networkidle0" });
    await page.locator('::-p-aria([name="Sign in"][role="button"])').click();
    await page.locator('button[name="username"][value="alice"]').click();
    await page.locator('::-p-aria([name="Message"][role="textbox"])').wait();
    const cdp = await page.createCDPSession();
    await cdp.send("Network.clearBrowserCache");
    await cdp.detach();
    const port = Number(new URL(browser.wsEndpoint()).port);
    const runnerResult = await withTimeout(
      lighthouse(
        `${baseUrl}/`,
        {
          port,
          output: "html",
          logLevel: "error",
          onlyCategories: ["performance", "accessibility"],
          disableStorageReset: true,
        },
        undefined,
        page as never,
      ),
      LIGHTHOUSE_TIMEOUT_MS,
      "lighthouse",
    );
    if (!runnerResult) throw new Error("lighthouse returned no result");
    const { lhr, report } = runnerResult;
    fs.mkdirSync(path.dirname(reportPath), { recursive: true });
    fs.writeFileSync(reportPath, Array.isArray(report) ? report[0]! : report);
    const audit = (id: string) => lhr.audits[id]?.displayValue ?? "n/a";
    const finalUrl = lhr.finalDisplayedUrl ?? "";
    return {
      signedIn: await page.$('::-p-aria([name="Message"][role="textbox"])').then((h) => h !== null),
      performance: Math.round((lhr.categories.performance?.score ?? 0) * 100),
      accessibility: Math.round((lhr.categories.accessibility?.score ?? 0) * 100),
      metrics: {
        "final URL": finalUrl.replace(baseUrl, "") || "/",
        FCP: audit("first-contentful-paint"),
        LCP: audit("largest-contentful-paint"),
        TBT: audit("total-blocking-time"),
        CLS: audit("cumulative-layout-shift"),
        "Speed Index": audit("speed-index"),
      },
      reportPath,
    };
  } finally {
    await withTimeout(browser.close(), 10_000, "closing Chromium").catch(() => undefined);
    browser.process()?.kill("SIGKILL");
  }
}

export function formatBrowser(r: BrowserBenchResult): string {
  const kb = (n: number) => (n / 1024).toFixed(1);
  const lines: string[] = [];
  const jsPass = r.totalGzBytes <= TARGET_GZ_BYTES;
  lines.push(
    `\`npm run -s bench -- browser\` — target 6a: chat page first-load JS ≤ 250 KB gzipped — ` +
      `**${jsPass ? "PASS" : "MISS"}** (${kb(r.totalGzBytes)} KB; load average ${r.loadAverage}` +
      `${r.buildSeconds ? `; build ${r.buildSeconds.toFixed(0)} s` : ""})`,
    "",
    "| script (`<script src>` in `GET /`) | bytes | gzipped (KB) |",
    "| --- | --- | --- |",
    ...[...r.scripts]
      .sort((a, b) => b.gzBytes - a.gzBytes)
      .map((s) => `| ${s.src}${s.noModule ? " (nomodule)" : ""} | ${s.bytes} | ${kb(s.gzBytes)} |`),
    `| **total (${r.scripts.length} scripts)** | ${r.scripts.reduce((n, s) => n + s.bytes, 0)} | **${kb(r.totalGzBytes)}** |`,
    `| of which a module-capable browser runs | | ${kb(r.scripts.filter((s) => !s.noModule).reduce((n, s) => n + s.gzBytes, 0))} |`,
    "",
  );
  const lh = r.lighthouse;
  const lhPass = lh && lh.performance >= TARGET_SCORE && lh.accessibility >= TARGET_SCORE;
  lines.push(
    `\`npm run -s bench -- browser\` — target 6b: Lighthouse performance and accessibility ≥ 90 ` +
      `on the ${lh?.signedIn ? "signed-in " : ""}chat page — **${lhPass ? "PASS" : "MISS"}**` +
      (lh ? ` (report: ${lh.reportPath})` : ` (${r.lighthouseError ?? "not run"})`),
    "",
    "| Lighthouse (mobile, simulated throttling) | value | target |",
    "| --- | --- | --- |",
  );
  if (lh) {
    lines.push(
      `| performance | ${lh.performance} | ≥ ${TARGET_SCORE} |`,
      `| accessibility | ${lh.accessibility} | ≥ ${TARGET_SCORE} |`,
      ...Object.entries(lh.metrics).map(([k, v]) => `| ${k} | ${v} | |`),
    );
  } else {
    lines.push(`| error | ${r.lighthouseError ?? "not run"} | |`);
  }
  return lines.join("\n");
}

function startServer(port: number, dataDir: string, env: NodeJS.ProcessEnv): ChildProcess {
  const log = fs.openSync(path.join(dataDir, "server.log"), "w");
  return spawn("npx", ["next", "start", "-H", "127.0.0.1", "-p", String(port)], {
    detached: true,
    stdio: ["ignore", log, log],
    env,
  });
}

/** Runs a command to completion in its own process group, killed whole on timeout. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  return new Promise<void>((resolve, reject) => {
    let output = "";
    const child = spawn(cmd, args, { detached: true, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d: Buffer) => (output = (output + d).slice(-8000)));
    child.stderr!.on("data", (d: Buffer) => (output = (output + d).slice(-8000)));
    const timer = setTimeout(() => {
      stop(child);
      reject(new Error(`${cmd} ${args.join(" ")} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${output}`));
    });
  });
}

/** Kills the child's whole process group (npx → next → workers). */
function stop(child: ChildProcess) {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** `npx tsx scripts/bench/browser.ts [--skip-build] [--dist-dir=DIR] [--report=FILE]` */
if (process.argv[1] && /browser\.ts$/.test(process.argv[1])) {
  const arg = (name: string) =>
    process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  void benchBrowser({
    distDir: arg("dist-dir"),
    skipBuild: process.argv.includes("--skip-build"),
    reportPath: arg("report"),
  }).then(
    (r) => {
      console.log(formatBrowser(r));
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
