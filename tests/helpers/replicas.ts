import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export interface Replica {
  url: string;
  stop(): Promise<void>;
}

export { freePort } from "./net";

/** Starts tests/helpers/replica-main.ts in a child process with `env`; resolves once it serves. */
export async function startReplica(port: number, env: Record<string, string>): Promise<Replica> {
  const script = path.join(__dirname, "replica-main.ts");
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script, String(port)], {
    cwd: path.join(__dirname, "..", ".."),
    env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica did not start: ${stderr}`)), 60_000);
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`replica exited (${code}): ${stderr}`));
    });
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill("SIGKILL"), 8000);
        child.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}
