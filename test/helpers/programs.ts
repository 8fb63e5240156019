/**
 * Runs the real Hallwatch programs (server, simulator) as child processes, as a user would,
 * waiting for their ready line; `stop()` sends SIGTERM and waits for the exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const ROOT = join(import.meta.dirname, '..', '..');

export interface Program {
  proc: ChildProcess;
  readyLine: string;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s); the exit code (null when killed). */
  stop(graceMs?: number): Promise<number | null>;
}

export async function startProgram(
  script: string,
  args: string[],
  readyPrefix: string,
  env: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
): Promise<Program> {
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stderr!.on('data', (c) => (out += c));
  const readyLine = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${script} not ready after 30 s:\n${out}`)), 30_000);
    proc.stdout!.on('data', (c) => {
      buf += c;
      out += c;
      const line = buf.split('\n').find((l) => l.startsWith(readyPrefix));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before ready:\n${out}`));
    });
  });
  return {
    proc,
    readyLine,
    output: () => out,
    async stop(graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Node flags the server runs with, as `npm run serve` and `npm start` start it. */
export const SERVER_NODE_ARGS = ['--max-semi-space-size=64'];

/**
 * The real server on a free port with its own temp storage directory. Authentication is off
 * unless `auth` is set (the access-control tests turn it on); later args win.
 */
export async function startServer(
  args: string[],
  opts: { auth?: boolean; nodeArgs?: string[] } = {},
  env: NodeJS.ProcessEnv = {},
): Promise<Program & { port: number; baseUrl: string; mqttUrl: string }> {
  const storage = args.includes('--storage-dir') ? [] : ['--storage-dir', mkdtempSync(join(tmpdir(), 'hallwatch-server-'))];
  const auth = opts.auth ? [] : ['--auth', 'off'];
  const serverArgs = ['--port', '0', '--log-level', 'warn', ...storage, ...auth, ...args];
  const p = await startProgram('server/main.ts', serverArgs, 'HALLWATCH_READY', env, [...SERVER_NODE_ARGS, ...(opts.nodeArgs ?? [])]);
  const port = Number(/port=(\d+)/.exec(p.readyLine)![1]);
  return { ...p, port, baseUrl: `http://127.0.0.1:${port}`, mqttUrl: /mqtt=(\S+)/.exec(p.readyLine)![1] };
}

export async function startSimulator(args: string[]): Promise<Program> {
  return startProgram('simulators/main.ts', args, 'HALLWATCH_SIM_READY');
}
