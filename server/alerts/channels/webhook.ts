/** Generic webhook channel: POSTs the notification JSON as it is (docs/alerts.md). */
import type { Channel, Notification } from '../notification.ts';
import { postJson, type HttpTargetConfig } from './http-post.ts';

export function webhookChannel(cfg: HttpTargetConfig): Channel {
  return {
    name: 'webhook',
    format: (n: Notification) => n,
    send: (d) => postJson(cfg, d),
  };
}
