/** A service the tests start, stop and restart on the same port, by its own PID. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServiceProcess {
  start(): Promise<void>;
  /** SIGTERM and wait for the exit; data and port stay for the next `start()`. */
  kill(): Promise<void>;
  /** SIGKILL (kill -9) and wait for the exit; data and port stay for the next `start()`. */
  crash(): Promise<void>;
  /** Sends a signal to the running process (SIGSTOP / SIGCONT to freeze and thaw it). */
  signal(sig: NodeJS.Signals): void;
  /** PID of the running process (undefined while stopped). */
  pid(): number | undefined;
}

/** stderr kept per process for the error when it exits before it is ready, characters. */
const STDERR_KEPT_CHARS = 2000;

/** A service that exited before it was ready (its stderr in the message). */
export class ServiceExited extends Error {}

export function serviceProcess(bin: string, args: string[], ready: () => Promise<void>): ServiceProcess {
  let proc: ChildProcess | null = null;
  const end = async (sig: NodeJS.Signals) => {
    const p = proc;
    proc = null;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill(sig);
      await exited;
    }
  };
  return {
    async start() {
      const p = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      proc = p;
      // The last lines it wrote to stderr: why it exited, if it does (a port taken meanwhile).
      let said = '';
      p.stderr!.on('data', (b: Buffer) => (said = (said + b.toString()).slice(-STDERR_KEPT_CHARS)));
      const exited = new Promise<never>((_, fail) => p.once('exit', (code, sig) => {
        fail(new ServiceExited(`${bin} exited (${sig ?? `code ${code}`}) before it was ready: ${said.trim() || 'no output'}`));
      }));
      exited.catch(() => undefined);
      await Promise.race([ready(), exited]);
    },
    signal(sig) {
      proc?.kill(sig);
    },
    pid() {
      return proc?.pid;
    },
    kill: () => end('SIGTERM'),
    crash: () => end('SIGKILL'),
  };
}

/** Starts on fresh ports this many times when a process exits at start (a port taken between choosing and binding it). */
const START_ATTEMPTS = 3;

/** Runs `start` (which picks its own free ports) again when a process it started exited at start, up to START_ATTEMPTS times. */
export async function onFreePorts<T>(what: string, start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (e) {
      if (!(e instanceof ServiceExited) || attempt === START_ATTEMPTS) throw e;
      process.stderr.write(`${what}: ${e.message}; starting again on other ports\n`);
    }
  }
}
