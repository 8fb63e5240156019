/** The notification channels the configuration asks for, one file per channel beside this one. */
import { hostname } from 'node:os';
import type { ServerConfig } from '../../config.ts';
import type { Channel } from '../notification.ts';
import { webhookChannel } from './webhook.ts';
import { slackChannel } from './slack.ts';
import { alertmanagerChannel } from './alertmanager.ts';
import { mqttChannel } from './mqtt.ts';
import { targetPolicy } from './target-policy.ts';

const TIMEOUT_MS = 5000;

/** The configured channels; the MQTT one publishes to `mqttUrls`, the ingest's broker(s). */
export function notificationChannels(cfg: ServerConfig, mqttUrls: readonly string[]): Channel[] {
  const policy = targetPolicy(cfg);
  const channels: Channel[] = [];
  if (cfg.alertWebhookUrl) channels.push(webhookChannel({ url: cfg.alertWebhookUrl, timeoutMs: TIMEOUT_MS, policy }));
  if (cfg.alertSlackUrl) channels.push(slackChannel({ url: cfg.alertSlackUrl, timeoutMs: TIMEOUT_MS, policy }));
  if (cfg.alertAlertmanagerUrl) channels.push(alertmanagerChannel({ url: cfg.alertAlertmanagerUrl, timeoutMs: TIMEOUT_MS, policy }));
  if (cfg.alertMqtt === 1) {
    channels.push(
      mqttChannel({
        bus: {
          urls: mqttUrls,
          clientId: `hallwatch-alerts-${hostname()}-${process.pid}`,
          username: cfg.mqttUsername,
          password: cfg.mqttPassword,
          caPem: cfg.mqttCaPem,
        },
        topicRoot: cfg.topicRoot,
        timeoutMs: TIMEOUT_MS,
      }),
    );
  }
  return channels;
}
