/** A real Mosquitto broker on a free loopback port with its own temp config, stopped by PID. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort } from './ports.ts';
import { NotYet, notYet, waitFor } from './wait.ts';
import { serviceProcess } from './service-process.ts';

export interface Mosquitto {
  url: string;
  port: number;
  /** Stops the broker process (its clients see the connection drop); `start()` brings it back on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** PID of the broker process (undefined while stopped). */
  pid(): number | undefined;
  /** The broker's log so far (connections, refusals), one entry a line. */
  log(): string[];
}

function binary(): string {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']) if (existsSync(p)) return p;
  throw new Error('mosquitto not installed: run `npm test` (it installs it with apt-get)');
}

export interface MosquittoOptions {
  /** Listener lines replacing `allow_anonymous true` (TLS files, password_file, …). */
  listenerConfig?: string[];
  /** URL scheme clients use: `mqtts` for a TLS listener. */
  scheme?: 'mqtt' | 'mqtts';
  /** Keep sessions and queued messages across restarts (in the broker's temp dir). */
  persistence?: boolean;
  /** Messages queued per offline persistent session (default 20,000). */
  maxQueuedMessages?: number;
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hallwatch-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, ...(options.listenerConfig ?? ['allow_anonymous true']),
    ...(options.persistence ? ['persistence true', `persistence_location ${dir}/`, 'autosave_interval 1'] : ['persistence false']),
    // Started as root, Mosquitto would drop to the `mosquitto` user and lose access to this temp dir.
    ...(process.getuid?.() === 0 ? ['user root'] : []), 'max_keepalive 65535',
    // Queue room for a 10,000-message burst to one QoS 0 subscriber (the default 1000 drops the excess).
    `max_queued_messages ${options.maxQueuedMessages ?? 20000}`, `log_dest file ${join(dir, 'log')}`, ''].join('\n'));
  const { start, kill, pid } = serviceProcess(binary(), ['-c', conf], () =>
    waitFor('mosquitto to listen', () =>
      new Promise<true | NotYet>((resolve) => {
        const s = connect(port, '127.0.0.1', () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', (e) => resolve(notYet(e.message)));
      }),
    ).then(() => undefined),
  );
  await start();
  return {
    url: `${options.scheme ?? 'mqtt'}://127.0.0.1:${port}`,
    port,
    kill,
    pid,
    start,
    log: () => (existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').split('\n') : []),
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
