/**
 * The wall's connection to the server, signed in by the display token in its URL: the site, the
 * views it rotates through (saved layouts or the URL's settings), the live stream, alerts,
 * cluster state and, on a campus view, the halls whose shards are away. Retries every 3 s while the server is unreachable and every 30 s while it
 * refuses the token, saying why.
 */
import type { SiteView } from '../../../protocol/site-view.ts';
import type { WallLayoutSpec } from '../../../protocol/wall.ts';
import { LiveFeed } from '../lib/live-feed.svelte.ts';
import { AlertFeed } from '../lib/alert-feed.svelte.ts';
import { ClusterFeed } from '../lib/cluster-feed.svelte.ts';
import { CampusFeed } from '../lib/campus-feed.svelte.ts';
import { resolveViews, resolveWall, type WallParams } from './wall-config.ts';

const RETRY_MS = 3000;
const REFUSED_RETRY_MS = 30_000;

export class WallSession {
  site = $state.raw<SiteView | null>(null);
  feed = $state.raw<LiveFeed | null>(null);
  /** One or more views (saved layouts or the URL's settings). */
  views = $state.raw<WallLayoutSpec[]>([]);
  /** The wall-wide rotation (s) and sound. */
  spec = $state.raw<{ rotateS: number; sound: boolean } | null>(null);
  /** What was wrong with the URL or the saved layouts, shown on the wall. */
  problems = $state<string[]>([]);
  /** Why the server refused the display token; null when signed in. */
  refused = $state<string | null>(null);
  readonly alerts: AlertFeed;
  readonly cluster: ClusterFeed;
  /** On a campus view: which halls' shards are unreachable or missing. */
  readonly campus: CampusFeed;
  private readonly headers: Record<string, string>;
  private cancelled = false;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly params: WallParams) {
    this.headers = params.token ? { authorization: `Bearer ${params.token}` } : {};
    this.alerts = new AlertFeed('/api/alerts', this.headers);
    this.cluster = new ClusterFeed('/api/cluster', this.headers);
    this.campus = new CampusFeed('/api/campus', this.headers);
  }

  start(): void {
    this.cancelled = false;
    void this.load();
  }

  stop(): void {
    this.cancelled = true;
    if (this.retry) clearTimeout(this.retry);
    this.feed?.stop();
    this.alerts.stop();
    this.cluster.stop();
    this.campus.stop();
  }

  private async load(): Promise<void> {
    const { params, headers } = this;
    try {
      const res = await fetch('/api/site', { headers });
      if (res.status === 401) {
        this.refused = (await res.json().catch(() => ({}))).error ?? 'authentication required';
        this.retry = setTimeout(() => void this.load(), REFUSED_RETRY_MS);
        return;
      }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const s = (await res.json()) as SiteView;
      const fetched: WallLayoutSpec[] = [];
      for (const name of params.views.length ? params.views : params.layout ? [params.layout] : []) {
        const l = await fetch(`/api/wall/layouts/${encodeURIComponent(name)}`, { headers });
        if (l.ok) fetched.push(await l.json());
        else this.problems = [...this.problems, `layout "${name}": ${(await l.json().catch(() => ({}))).error ?? `HTTP ${l.status}`}`];
      }
      if (this.cancelled) return;
      const hallIds = s.halls.map((h) => h.id);
      if (params.views.length && fetched.length) {
        const r = resolveViews(fetched, params, hallIds);
        this.views = r.views;
        this.spec = { rotateS: r.rotateS, sound: r.sound };
        this.problems = [...this.problems, ...r.errors];
      } else {
        const r = resolveWall(fetched[0] ?? null, params, hallIds);
        this.views = [r.spec];
        this.spec = { rotateS: r.spec.rotateS, sound: r.spec.sound };
        this.problems = [...this.problems, ...r.errors];
      }
      const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      const live = new LiveFeed(`${proto}//${location.host}/ws${params.token ? `?token=${encodeURIComponent(params.token)}` : ''}`, s.racks.length, s.cdus.length);
      live.start();
      this.alerts.start();
      this.cluster.start();
      this.campus.start();
      this.refused = null;
      this.site = s;
      this.feed = live;
    } catch {
      if (!this.cancelled) this.retry = setTimeout(() => void this.load(), RETRY_MS);
    }
  }
}
