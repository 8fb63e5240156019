/**
 * Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): one message per incident
 * change, with a plain `text` fallback and Block Kit sections.
 */
import { consequencesText, rootCauseText, type Channel, type Notification } from '../notification.ts';
import { postJson, type HttpTargetConfig } from './http-post.ts';

const ICON: Record<string, string> = { critical: ':red_circle:', major: ':large_orange_circle:', minor: ':large_yellow_circle:', warning: ':white_circle:' };
const VERB: Record<Notification['kind'], string> = { firing: 'FIRING', repeat: 'STILL FIRING', acknowledged: 'ACKNOWLEDGED', resolved: 'RESOLVED' };

/** Escapes Slack mrkdwn control characters. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessage(n: Notification): { text: string; blocks: unknown[] } {
  const i = n.incident;
  const icon = n.kind === 'resolved' ? ':white_check_mark:' : (ICON[i.severity] ?? '');
  const head = `${icon} ${VERB[n.kind]} ${i.severity.toUpperCase()} — ${esc(i.title)}`;
  const lines = [`*${head}*`, `Since ${new Date(i.startedMs).toISOString().replace('.000', '')}${n.silenced ? ' · silenced' : ''}`];
  const cause = rootCauseText(i);
  if (cause) lines.push(`*Cause:* ${esc(cause)}`);
  if (i.impact) lines.push(`*Impact:* ${esc(i.impact)}`);
  if (i.action) lines.push(`*Action:* ${esc(i.action)}`);
  for (const a of i.roots.slice(0, 5)) lines.push(`• \`${esc(a.entity)}\` ${esc(a.summary)}`);
  const consequences = consequencesText(i);
  if (consequences) lines.push(`Consequences: ${esc(consequences)}`);
  const list = (racks: string[]) => `${esc(racks.slice(0, 20).join(', '))}${racks.length > 20 ? ' …' : ''}`;
  if (i.children.length) lines.push(`Affected racks (${i.children.length}): ${list(i.children.map((c) => c.rackId))}`);
  if (i.atRisk?.length) lines.push(`At risk (${i.atRisk.length}): ${list(i.atRisk)}`);
  if (n.acknowledged) lines.push(`Acknowledged by ${esc(n.acknowledged.by)}: ${esc(n.acknowledged.comment)}`);
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }];
  if (n.dashboardUrl) {
    const button = { type: 'button', text: { type: 'plain_text', text: 'Open in Hallwatch' }, url: n.dashboardUrl };
    blocks.push({ type: 'actions', elements: [button] });
  }
  // The fallback is what a phone shows: the action goes with the headline.
  return { text: i.action ? `${head}\n→ ${esc(i.action)}` : head, blocks };
}

export function slackChannel(cfg: HttpTargetConfig): Channel {
  return { name: 'slack', format: slackMessage, send: (d) => postJson(cfg, d) };
}
