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
      proc = spawn(bin, args, { stdio: 'ignore' });
      await ready();
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
