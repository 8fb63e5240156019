/**
 * What may stand in a Hallwatch MQTT topic on every broker Hallwatch supports. NATS's MQTT
 * listener turns a topic into a NATS subject whose tokens are separated by `.`, so nats-server
 * 2.9 refuses a topic or filter holding `.` or a space (server/mqtt.go,
 * `mqttToNATSSubjectConversion`: "characters ' ' and '.' not supported for MQTT topics"): a
 * PUBLISH to one closes the publisher's connection, a Last Will on one fails its CONNECT, a
 * subscription to one is refused. Site IDs are topic levels — of the telemetry and status topics
 * (hall, rack, CDU), of the incident topics (row, redundancy group) and of the simulator's DSX
 * tag paths — so a site or topic root holding one is refused at start, whatever the broker: the
 * broker's kind cannot be told from a connection, and a site that works on one broker of a
 * deployment must work on all of them.
 */
import type { SiteSpec } from './site.ts';

/** Characters nats-server 2.9 refuses in an MQTT topic. */
export const NATS_TOPIC_REFUSED = ['.', ' '] as const;

const WHY = 'NATS\'s MQTT listener (nats-server 2.9) refuses MQTT topics holding "." or a space';

/** The first character of `text` NATS refuses in a topic, or null. */
export function natsRefusedChar(text: string): string | null {
  return NATS_TOPIC_REFUSED.find((c) => text.includes(c)) ?? null;
}

/** Why `root` cannot be the topic root every Hallwatch topic starts with, or null. */
export function topicRootRefusal(root: string): string | null {
  if (root === '') return 'the topic root is empty';
  if (/[+#]/.test(root)) return `topic root "${root}" holds an MQTT wildcard (+ or #)`;
  const bad = natsRefusedChar(root);
  return bad ? `topic root "${root}" holds ${bad === ' ' ? 'a space' : `"${bad}"`}: ${WHY}` : null;
}

/** Every ID of `site` that goes into a topic, with its place in the site file. */
function topicIds(site: SiteSpec): { what: string; id: string; path: string }[] {
  const out: { what: string; id: string; path: string }[] = [];
  site.halls.forEach((h, hi) => {
    out.push({ what: 'hall', id: h.id, path: `halls[${hi}].id` });
    h.rows.forEach((r, ri) => {
      out.push({ what: 'row', id: r.id, path: `halls[${hi}].rows[${ri}].id` });
      r.racks.forEach((k, ki) => out.push({ what: 'rack', id: k.id, path: `halls[${hi}].rows[${ri}].racks[${ki}].id` }));
    });
    h.cdus.forEach((c, ci) => {
      out.push({ what: 'CDU', id: c.id, path: `halls[${hi}].cdus[${ci}].id` });
      if (c.redundancyGroup !== c.id) out.push({ what: 'redundancy group', id: c.redundancyGroup, path: `halls[${hi}].cdus[${ci}].redundancyGroup` });
    });
  });
  return out;
}

/** IDs named in full in the refusal; the rest are counted. */
const NAMED_MAX = 5;

/** Why `site` cannot be published and subscribed to on every supported broker (naming its IDs with a `.`), or null. */
export function siteTopicRefusal(site: SiteSpec): string | null {
  const seen = new Set<string>();
  const bad = topicIds(site).filter((t) => natsRefusedChar(t.id) !== null && !seen.has(t.id) && seen.add(t.id));
  if (bad.length === 0) return null;
  const named = bad.slice(0, NAMED_MAX).map((t) => `${t.what} "${t.id}" (${t.path})`).join(', ');
  const more = bad.length > NAMED_MAX ? ` and ${bad.length - NAMED_MAX} more` : '';
  const example = bad[0].id.replaceAll('.', '-');
  return `IDs go into MQTT topics, and ${WHY}: ${named}${more}; rename ${bad.length === 1 ? 'it' : 'them'} without "." (e.g. "${example}")`;
}
