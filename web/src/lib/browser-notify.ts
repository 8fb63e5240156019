/**
 * Browser notifications, the dashboard's own channel: a desktop notification for each new
 * critical or major incident that is not silenced, while the dashboard is open. Off until the
 * user turns it on (the browser asks for permission); the choice is remembered per browser.
 */
import type { AlertFeed } from './alert-feed.svelte.ts';
import type { IncidentView } from '../../../protocol/alerts.ts';

const KEY = 'hallwatch.notifications';

export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

export function notificationsEnabled(): boolean {
  return notificationsSupported() && Notification.permission === 'granted' && localStorage.getItem(KEY) === 'on';
}

/** Asks for permission (must run from a click) and remembers the choice; the resulting state. */
export async function setNotifications(on: boolean): Promise<boolean> {
  if (!notificationsSupported()) return false;
  if (on && Notification.permission !== 'granted') await Notification.requestPermission();
  localStorage.setItem(KEY, on && Notification.permission === 'granted' ? 'on' : 'off');
  return notificationsEnabled();
}

/** Which fresh incidents deserve a desktop notification. Pure. */
function worthNotifying(fresh: IncidentView[]): IncidentView[] {
  return fresh.filter((i) => (i.severity === 'critical' || i.severity === 'major') && !i.silencedBy);
}

/** Shows notifications for new incidents while enabled; returns the unsubscribe function. */
export function notifyNewIncidents(feed: AlertFeed): () => void {
  return feed.onNew((fresh) => {
    if (!notificationsEnabled()) return;
    for (const i of worthNotifying(fresh)) {
      const n = new Notification(`${i.severity.toUpperCase()}: ${i.title}`, {
        body: i.action ? `→ ${i.action}` : `Hallwatch incident ${i.id}`, tag: i.id, requireInteraction: i.severity === 'critical',
      });
      n.onclick = () => {
        window.focus();
        location.hash = `#/incident/${encodeURIComponent(i.id)}`;
      };
    }
  });
}
