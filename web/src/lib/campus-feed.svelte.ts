/**
 * The campus view's halls, from `GET /api/campus` every 5 s: the dashboard says which halls'
 * shards are unreachable or missing and how many halls are live. Any other server answers
 * `campus: false` and nothing is shown; a failed poll keeps the last answer (the connection badge
 * and the stream say when the server is away).
 */
import { parseCampusView, type CampusView } from '../../../protocol/campus.ts';
import { Polled } from './polled.svelte.ts';

export class CampusFeed extends Polled<CampusView> {
  constructor(url = '/api/campus', headers: Record<string, string> = {}) {
    super(url, parseCampusView, 5000, headers);
  }

  /** The halls not live, on a campus view; empty otherwise. */
  get notLive(): CampusView['halls'] {
    return this.view?.campus ? this.view.halls.filter((h) => h.status !== 'live') : [];
  }
}
