/**
 * InfluxDB's v1-compatible HTTP API (`/query` and `/write`, served by 1.8+, 2.x and 3.x; 1.6
 * too) through @influxdata/influxdb-client's transport: InfluxQL queries for history reads and
 * schema statements, and line-protocol bodies for the writer. The constructor does no I/O.
 */
import { InfluxDB, type Transport } from '@influxdata/influxdb-client';
import type { Tier } from './schema.ts';

export interface InfluxConnection {
  /** Base URL, e.g. `http://127.0.0.1:8086`. */
  url: string;
  /** Database (1.x), or the database name mapped to buckets (2.x/3.x). */
  db: string;
  /** API token (2.x/3.x). */
  token?: string;
  username?: string;
  password?: string;
  /** Timeout of each request, ms. */
  requestTimeoutMs: number;
}

/** The decoded JSON answer of `/query`. */
export interface InfluxQueryResult {
  results?: {
    statement_id?: number;
    error?: string;
    series?: { name: string; tags?: Record<string, string>; columns: string[]; values: (number | string | null)[][] }[];
  }[];
  error?: string;
}

export class InfluxClient {
  private readonly transport: Transport;
  private readonly gzipThreshold: number;

  constructor(private readonly cfg: InfluxConnection) {
    this.transport = new InfluxDB({ url: cfg.url, token: cfg.token, timeout: cfg.requestTimeoutMs }).transport;
    // Bodies over 64 KB go gzipped across a network; to an InfluxDB on this host that is CPU for nothing.
    this.gzipThreshold = isLoopbackUrl(cfg.url) ? Number.POSITIVE_INFINITY : 64 * 1024;
  }

  /** The database queries and writes go to. */
  get db(): string {
    return this.cfg.db;
  }

  /** Runs an InfluxQL query on the database (`/query`, epoch ms) and returns the decoded JSON. */
  async query(q: string): Promise<InfluxQueryResult> {
    const params = new URLSearchParams({ db: this.cfg.db, q, epoch: 'ms' });
    this.addAuth(params);
    return (await this.transport.request(`/query?${params}`, '', { method: 'GET' })) as InfluxQueryResult;
  }

  /** Runs a statement that changes the server (POST `/query`, no database); throws the first statement's error. */
  async statement(q: string): Promise<void> {
    const params = new URLSearchParams({ q });
    this.addAuth(params);
    const res = (await this.transport.request(`/query?${params}`, '', { method: 'POST' })) as InfluxQueryResult;
    const err = res.results?.find((r) => r.error)?.error;
    if (err) throw new Error(err);
  }

  /** Posts line protocol (timestamps in ms) to a tier's retention policy; rejects with the client's HttpError. */
  write(rp: Tier, body: Buffer): Promise<void> {
    const params = new URLSearchParams({ db: this.cfg.db, rp, precision: 'ms' });
    this.addAuth(params);
    // send(), not request(): request() would JSON-encode a Buffer body; send() copies it as is.
    return new Promise<void>((resolve, reject) => {
      this.transport.send(`/write?${params}`, body as unknown as string, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        gzipThreshold: this.gzipThreshold,
      }, { error: reject, complete: () => resolve() });
    });
  }

  private addAuth(params: URLSearchParams): void {
    if (this.cfg.username) params.set('u', this.cfg.username);
    if (this.cfg.password) params.set('p', this.cfg.password);
  }
}

/** Whether `url` names this host (localhost, 127.0.0.0/8, ::1). */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
