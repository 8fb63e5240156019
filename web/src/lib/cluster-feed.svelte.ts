/**
 * What the answering server knows of its pair, from `GET /api/cluster` every 5 s: the header shows
 * whether the pair is whole. Behind the balancer each poll may be answered by either server; the
 * stream's own `hello` says which one the page is live on.
 */
import { pairState, parseClusterView, type ClusterView, type PairState } from '../../../protocol/cluster.ts';
import { Polled } from './polled.svelte.ts';

export class ClusterFeed extends Polled<ClusterView> {
  constructor(url = '/api/cluster', headers: Record<string, string> = {}) {
    super(url, parseClusterView, 5000, headers);
  }

  /** Whole, broken (with why) or a single server; null before the first answer. */
  get pair(): PairState | null {
    return this.view ? pairState(this.view) : null;
  }
}
