import { describe, expect, it } from 'vitest';
import type { Notification } from '../../server/alerts/notification.ts';
import { slackMessage } from '../../server/alerts/channels/slack.ts';
import { alertmanagerAlert, alertmanagerEndpoint } from '../../server/alerts/channels/alertmanager.ts';
import { alertTopic, mqttAlertMessage } from '../../server/alerts/channels/mqtt.ts';

const t0 = Date.parse('2026-11-22T03:00:00Z');
const root = {
  rule: 'cdu-tripped', severity: 'critical' as const, entity: 'cdu:h1-r01-cdu-a', summary: 'CDU tripped', value: 1,
  phase: 'firing' as const, firedAtMs: t0, acknowledged: false,
};
const child = (rackId: string) => ({
  rackId,
  alerts: [{ ...root, rule: 'rack-return-warning', severity: 'warning' as const, entity: `rack:${rackId}`, summary: 'rack return <hot> & rising' }],
});
const n = (patch: Partial<Notification> = {}): Notification => ({
  version: 1,
  kind: 'firing',
  sentMs: t0 + 60_000,
  incident: {
    id: 'group:h1-r01', severity: 'critical', title: 'h1-r01-cdu-a: CDU tripped — 2 racks affected', startedMs: t0,
    scope: 'group:h1-r01', hallId: 'hall-1', racks: ['h1-r01-01', 'h1-r01-02'],
    roots: [root], children: [child('h1-r01-01'), child('h1-r01-02')],
  },
  acknowledged: null,
  silenced: false,
  dashboardUrl: 'https://noc.example/#/incident/group%3Ah1-r01',
  ...patch,
});

describe('Slack message', () => {
  it.each([
    ['firing', n(), /^:red_circle: FIRING CRITICAL — h1-r01-cdu-a: CDU tripped/],
    ['repeat', n({ kind: 'repeat' }), /^:red_circle: STILL FIRING CRITICAL/],
    ['acknowledged', n({ kind: 'acknowledged', acknowledged: { by: 'ana', atMs: t0, comment: 'on it' } }), /^:red_circle: ACKNOWLEDGED CRITICAL/],
    ['resolved', n({ kind: 'resolved' }), /^:white_check_mark: RESOLVED CRITICAL/],
  ])('%s headline', (_k, note, head) => expect(slackMessage(note).text).toMatch(head));

  it('lists roots and affected racks, the acknowledgement and a link, with mrkdwn escaped', () => {
    const m = slackMessage(n({ acknowledged: { by: 'ana', atMs: t0, comment: 'swap <pump> & test' } }));
    const body = (m.blocks[0] as { text: { text: string } }).text.text;
    expect(body).toContain('• `cdu:h1-r01-cdu-a` CDU tripped');
    expect(body).toContain('Affected racks (2): h1-r01-01, h1-r01-02');
    expect(body).toContain('Acknowledged by ana: swap &lt;pump&gt; &amp; test');
    expect(m.blocks[1]).toMatchObject({ type: 'actions', elements: [{ url: 'https://noc.example/#/incident/group%3Ah1-r01' }] });
    expect(slackMessage(n({ dashboardUrl: null })).blocks).toHaveLength(1);
  });
});

describe('Alertmanager alert', () => {
  it.each([
    ['firing: endsAt 4 min ahead', n(), '2026-11-22T03:05:00.000Z'],
    ['repeat: endsAt 4 min ahead', n({ kind: 'repeat', sentMs: t0 + 120_000 }), '2026-11-22T03:06:00.000Z'],
    ['resolved: endsAt now', n({ kind: 'resolved' }), '2026-11-22T03:01:00.000Z'],
  ])('%s', (_k, note, endsAt) => {
    const a = alertmanagerAlert(note);
    expect(a.endsAt).toBe(endsAt);
    expect(a.startsAt).toBe('2026-11-22T03:00:00.000Z');
    expect(a.labels).toEqual({ alertname: 'HallwatchIncident', incident: 'group:h1-r01', severity: 'critical', hall: 'hall-1', source: 'hallwatch' });
    expect(a.annotations).toMatchObject({ rule: 'cdu-tripped', entity: 'cdu:h1-r01-cdu-a', scope: 'group:h1-r01' });
    expect(a.annotations.affected_racks).toBe('h1-r01-01, h1-r01-02');
    expect(a.generatorURL).toBe('https://noc.example/#/incident/group%3Ah1-r01');
  });

  it('keeps labels stable when acknowledged or silenced (they go to annotations)', () => {
    const a = alertmanagerAlert(n({ acknowledged: { by: 'ana', atMs: t0, comment: 'on it' }, silenced: true }));
    expect(a.labels).toEqual(alertmanagerAlert(n()).labels);
    expect(a.annotations).toMatchObject({ acknowledged: 'ana at 2026-11-22T03:00:00.000Z: on it', silenced: 'true' });
  });

  it.each([
    ['http://am:9093', 'http://am:9093/api/v2/alerts'],
    ['http://am:9093/', 'http://am:9093/api/v2/alerts'],
    ['http://am:9093/api/v2/alerts', 'http://am:9093/api/v2/alerts'],
    ['https://proxy/alertmanager', 'https://proxy/alertmanager/api/v2/alerts'],
  ])('endpoint of %s', (base, url) => expect(alertmanagerEndpoint(base)).toBe(url));
});

describe('MQTT alert state', () => {
  it.each([
    ['group:h1-r01', 'hallwatch/v1/alerts/group/h1-r01'],
    ['rack:h1-r02-07', 'hallwatch/v1/alerts/rack/h1-r02-07'],
    ['hall:h2', 'hallwatch/v1/alerts/hall/h2'],
  ])('%s → %s', (id, topic) => expect(alertTopic('hallwatch/v1', id)).toBe(topic));

  it.each([
    ['firing', n(), 'firing'],
    ['repeat', n({ kind: 'repeat' }), 'firing'],
    ['acknowledged', n({ kind: 'acknowledged', acknowledged: { by: 'ana', atMs: t0, comment: 'x' } }), 'acknowledged'],
    ['repeat after ack', n({ kind: 'repeat', acknowledged: { by: 'ana', atMs: t0, comment: 'x' } }), 'acknowledged'],
    ['resolved', n({ kind: 'resolved', acknowledged: { by: 'ana', atMs: t0, comment: 'x' } }), 'resolved'],
  ])('%s → state %s', (_k, note, state) => expect(mqttAlertMessage('hallwatch/v1', note).state.state).toBe(state));
});

describe('cause, cost and action on every channel', () => {
  const action = 'dispatch to h1-r01-cdu-a: read its fault code, reset or restart it; consider capping h1-r01';
  const impact = 'partners at 69 %, pumps at 88 %, N+1 lost: a second trip overloads h1-r01 by 494 kW';
  const base = n().incident;
  const nb = { ...root, rule: 'cdu-n1-lost', severity: 'major' as const, summary: 'redundancy group lost N+1' };
  const told = n({
    incident: {
      ...base,
      rootCause: { entity: 'cdu:h1-r01-cdu-a', why: 'CDU tripped' }, impact, action, atRisk: ['h1-r01-03', 'h1-r01-04'],
      consequences: [{ ...nb, entity: 'cdu:h1-r01-cdu-b' }, { ...nb, entity: 'cdu:h1-r01-cdu-c' }],
    },
  });

  it('Slack: the action under the headline (what a phone shows), cause, impact, consequences and racks at risk in the message', () => {
    const m = slackMessage(told);
    expect(m.text.split('\n')[1]).toBe(`→ ${action}`);
    const body = (m.blocks[0] as { text: { text: string } }).text.text;
    expect(body).toContain('*Cause:* cdu:h1-r01-cdu-a — CDU tripped');
    expect(body).toContain(`*Impact:* ${impact}`);
    expect(body).toContain(`*Action:* ${action}`);
    expect(body).toContain('Consequences: h1-r01-cdu-b, h1-r01-cdu-c: redundancy group lost N+1');
    expect(body).toContain('At risk (2): h1-r01-03, h1-r01-04');
  });

  it('Alertmanager: annotations', () => {
    expect(alertmanagerAlert(told).annotations).toMatchObject({
      root_cause: 'cdu:h1-r01-cdu-a — CDU tripped', impact, action, at_risk_racks: 'h1-r01-03, h1-r01-04',
      consequences: 'h1-r01-cdu-b, h1-r01-cdu-c: redundancy group lost N+1',
    });
  });

  it('MQTT: beside the title', () => {
    expect(mqttAlertMessage('hallwatch/v1', told).state).toMatchObject({ action, impact, incident: { action, impact } });
  });

  it('an incident stored before these fields: none of them, nothing breaks', () => {
    expect(slackMessage(n()).text).not.toContain('→');
    expect(alertmanagerAlert(n()).annotations.action).toBeUndefined();
    expect(mqttAlertMessage('hallwatch/v1', n()).state).toMatchObject({ action: null, impact: null });
  });
});
