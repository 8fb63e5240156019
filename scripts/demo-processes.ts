/**
 * The processes of a multi-process demo (`npm run demo:ha`, `npm run demo:campus`): each started
 * with its output kept, waited for by its ready line, and all stopped in reverse order on Ctrl-C
 * or when one the demo cannot do without exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export { freePort } from '../test/helpers/ports.ts';

export const root = join(import.meta.dirname, '..');

export class DemoProcesses {
  readonly children: { name: string; proc: ChildProcess }[] = [];
  private stopping = false;

  /**
   * `label`: the demo's name in its messages. A process whose name starts with `hallwatch-` may
   * exit (a kill to try failover: `survivor` says what carries on); any other ends the demo.
   */
  constructor(private readonly label: string, private readonly dir: string, private readonly survivor: string) {
    process.on('SIGINT', () => void this.stop(0));
    process.on('SIGTERM', () => void this.stop(0));
  }

  /** Starts a program; resolves with its output lines once one starts with `readyPrefix` (or at once without one). */
  launch(name: string, cmd: string, args: string[], readyPrefix: string | null): Promise<string[]> {
    const proc = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push({ name, proc });
    const lines: string[] = [];
    proc.once('exit', (code, signal) => {
      if (this.stopping) return;
      console.error(`hallwatch ${this.label}: ${name} exited (${signal ?? code})${name.startsWith('hallwatch-') ? `; ${this.survivor}` : ''}`);
      if (!name.startsWith('hallwatch-')) void this.stop(1);
    });
    return new Promise((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`${name} not ready after 60 s:\n${lines.join('\n')}`)), 60_000);
      const onData = (chunk: Buffer) => {
        buf += chunk;
        const parts = buf.split('\n');
        buf = parts.pop()!;
        lines.push(...parts);
        if (readyPrefix === null || parts.some((l) => l.startsWith(readyPrefix))) {
          clearTimeout(timer);
          resolve(lines);
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', (c: Buffer) => {
        if (name.startsWith('hallwatch-')) process.stderr.write(`[${name}] ${c}`);
        else lines.push(String(c));
      });
      if (readyPrefix === null) {
        clearTimeout(timer);
        resolve(lines);
      }
    });
  }

  pid(name: string): number | undefined {
    return this.children.find((c) => c.name === name)?.proc.pid;
  }

  /** Stops everything, the last started first, then removes the demo's directory and exits. */
  async stop(code: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const c of [...this.children].reverse()) {
      if (c.proc.exitCode !== null || c.proc.signalCode !== null) continue;
      const exited = new Promise((r) => c.proc.once('exit', r));
      c.proc.kill('SIGTERM');
      const force = setTimeout(() => c.proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
    rmSync(this.dir, { recursive: true, force: true });
    process.exit(code);
  }
}

export async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if (((await (await fetch(url)).json()) as { status?: string }).status === 'ok') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not healthy after 60 s`);
}
