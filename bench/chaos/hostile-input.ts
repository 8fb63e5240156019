/**
 * Hostile input while the real simulator publishes the demo site: a cardinality attack on
 * invented IDs and hostile topic segments, and malformed JSON at rate. The healthy stream's
 * accepted rate is measured in a clean window and under attack, in the same run.
 */
import { heapAfterGcMb, INSPECT_ARGS } from './heap-probe.ts';
import { acceptedRate, connectClient, fmt, metric, rackSample, rejectedBy, rssMb, startStack, type Stack } from './kit.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';
import { sleep, seen, waitFor } from '../../test/helpers/wait.ts';

/** Series of the raw rack blocks, and distinct rack IDs over every measurement. */
async function cardinality(stack: Stack): Promise<{ rawRackSeries: number; rackIds: number }> {
  const first = async (q: string) => {
    const r = await stack.influx!.query(q);
    return (r.results?.[0]?.series ?? []).reduce((a: number, s: any) => a + (s.values?.[0]?.[0] ?? 0), 0) as number;
  };
  const ids = await stack.influx!.query('SHOW TAG VALUES WITH KEY = "rack"');
  const distinct = new Set<string>();
  for (const s of ids.results?.[0]?.series ?? []) for (const v of s.values ?? []) distinct.add(v[1]);
  return { rawRackSeries: await first('SHOW SERIES EXACT CARDINALITY FROM "raw"."rack_block"'), rackIds: distinct.size };
}

/**
 * Whether the rate under attack is within `share` of a clean window before or after it (the
 * window before can still hold the simulator's start-up, above its steady 1 Hz).
 */
function withinOf(attack: Rate, before: number, after: number, share: number): boolean {
  // One simulator round more or less in the window is timing, not loss: it moves the rate by 1/seconds.
  const tolerance = share + 1 / attack.seconds;
  return Math.abs(attack.perS / before - 1) <= tolerance || Math.abs(attack.perS / after - 1) <= tolerance;
}

interface Rate {
  perS: number;
  seconds: number;
}

/**
 * Accepted rack samples per second from the start of `attack` until 5 s after it ends (samples
 * the server fell behind on during the attack are counted in the window they arrive in). The
 * window is a whole number of seconds: the simulator publishes all racks once a second, so a
 * window of 7.5 s would count 7 or 8 rounds.
 */
async function rateDuring(url: string, attack: () => Promise<void>): Promise<Rate> {
  const a = await metric(url, 'hallwatch_messages_accepted_total', 'kind="rack"');
  const t0 = Date.now();
  await attack();
  await sleep(5000);
  await sleep(1000 - ((Date.now() - t0) % 1000));
  const b = await metric(url, 'hallwatch_messages_accepted_total', 'kind="rack"');
  const seconds = (Date.now() - t0) / 1000;
  return { perS: (b - a) / seconds, seconds };
}

/**
 * The server's memory: RSS, and its heap after a full collection. RSS moves by tens of MB with
 * the allocation rate alone (V8 grows the young generation with a flood, and old space is
 * returned lazily); what a cardinality attack could leave behind is still referenced after a
 * full collection.
 */
async function memoryMb(stack: Stack): Promise<{ rssMb: number; heapMb: number }> {
  return { rssMb: rssMb(stack.server.proc.pid!), heapMb: await heapAfterGcMb(stack.server) };
}

const sumValues = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

/** Publishes `count` messages from `make(k)` at about `perSecond`, QoS 1 in windows of 500. */
async function flood(url: string, count: number, perSecond: number, make: (k: number) => [string, Buffer | string]): Promise<void> {
  const pub = await connectClient(url);
  const window = 500;
  for (let k = 0; k < count; k += window) {
    const t0 = Date.now();
    await Promise.all(Array.from({ length: Math.min(window, count - k) }, (_, j) => pub.publishAsync(...make(k + j), { qos: 1 })));
    const wait = (window / perSecond) * 1000 - (Date.now() - t0);
    if (wait > 0) await sleep(wait);
  }
  await pub.endAsync();
}

export const cardinalityAttack: Scenario = {
  name: 'cardinality attack',
  short: true,
  async run(scale, log) {
    const invented = scale === 'short' ? 10_000 : 100_000;
    const windowMs = scale === 'short' ? 6000 : 20_000;
    // A short memory window (60 s) keeps its growth small next to what the attack could add.
    const stack = await startStack({
      influx: true, simulator: true, serverArgs: ['--history-window-s', '60'], serverNodeArgs: INSPECT_ARGS,
    });
    const rows: ChaosRow[] = [];
    try {
      const url = stack.server.baseUrl;
      await sleep(12_000);
      const cleanRate = await acceptedRate(url, windowMs);
      const seriesBefore = await cardinality(stack);
      const memBefore = await memoryMb(stack);
      const before = await rejectedBy(url);
      const payload = JSON.stringify(rackSample(Date.now()));
      const odd = [
        'hallwatch/v1/hall-1/rack/a,b=c/telemetry', 'hallwatch/v1/hall-1/rack/a b/telemetry',
        `hallwatch/v1/hall-1/rack/${'x'.repeat(65_000)}/telemetry`, 'hallwatch/v1/hall-1,x=y/rack/h1-r01-k01/telemetry',
        'hallwatch/v1/$SYS/rack/h1-r01-k01/telemetry',
      ];
      // Outside the server's subscriptions: the broker never delivers them.
      const unsubscribed = ['hallwatch/v1/hall-1/rack/h1-r01-k01/telemetry/extra', 'hallwatch/v1/hall-1/pdu/h1-r01-k01/telemetry', '$SYS/broker/x'];
      const oddEach = scale === 'short' ? 50 : 500;
      log(`clean ${cleanRate.toFixed(1)} samples/s; ${seriesBefore.rawRackSeries} raw rack series; flooding`);
      const attackRate = await rateDuring(url, async () => {
        await flood(
          stack.mosquitto.url,
          invented,
          5000,
          (k) => [`hallwatch/v1/hall-${1 + (k % 2)}/rack/x${k}-${Math.random().toString(36).slice(2, 8)}/telemetry`, payload],
        );
        log('invented IDs sent; hostile topics');
        await flood(stack.mosquitto.url, odd.length * oddEach, 2000, (k) => [odd[k % odd.length], payload]);
        await flood(stack.mosquitto.url, unsubscribed.length * oddEach, 2000, (k) => [unsubscribed[k % unsubscribed.length], payload]);
      });
      log('hostile topics sent');
      // Control characters in a topic are a protocol violation: the broker closes the connection that sends them.
      let brokerClosed = true;
      for (const t of ['hallwatch/v1/hall-1/rack/a\u0000b/telemetry', 'hallwatch/v1/hall-1/rack/a\nb/telemetry']) {
        const c = await connectClient(stack.mosquitto.url);
        const closed = new Promise<boolean>((r) => { c.on('close', () => r(true)); setTimeout(() => r(false), 3000); });
        c.on('error', () => {});
        c.publish(t, payload);
        brokerClosed &&= await closed;
        c.end(true);
      }
      const expected = invented + odd.length * oddEach;
      const afterRate = await acceptedRate(url, windowMs);
      await waitFor('every attack message counted', async () =>
        seen(sumValues(await rejectedBy(url)) - sumValues(before), (v) => v >= expected), 60_000, 500).catch(() => null);
      await sleep(2000);
      const after = await rejectedBy(url);
      const diff = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
      const seriesAfter = await cardinality(stack);
      const memAfter = await memoryMb(stack);
      const unknown = (diff.unknown_rack ?? 0);
      log(
        `clean ${cleanRate.toFixed(1)}/s before, ${afterRate.toFixed(1)}/s after, attack ` +
          `${attackRate.perS.toFixed(1)}/s; rejected ${JSON.stringify(diff)}; series ${JSON.stringify(seriesBefore)} → ` +
          `${JSON.stringify(seriesAfter)}; RSS ${memBefore.rssMb.toFixed(0)} → ${memAfter.rssMb.toFixed(0)} MB, heap after a ` +
          `full collection ${memBefore.heapMb.toFixed(1)} → ${memAfter.heapMb.toFixed(1)} MB; broker closed NUL sender: ` +
          `${brokerClosed}`,
      );
      rows.push(row(
        'cardinality attack',
        `${fmt(invented)} messages on ${fmt(invented)} invented rack IDs`,
        'all rejected as unknown_rack',
        `${fmt(unknown)} unknown_rack`,
        unknown === invented,
      ));
      const oddRejected = (diff.bad_topic ?? 0) + (diff.unknown_hall ?? 0);
      rows.push(row(
        'cardinality attack',
        `${fmt(odd.length * oddEach)} on topics with , = space, a 64 KB segment, $SYS (+ ${fmt(unsubscribed.length * oddEach)} outside the subscriptions)`,
        'all rejected by reason; none outside the subscriptions reaches the server',
        `${fmt(diff.bad_topic ?? 0)} bad_topic, ${fmt(diff.unknown_hall ?? 0)} unknown_hall`,
        oddRejected === odd.length * oddEach,
      ));
      rows.push(row(
        'cardinality attack',
        'a topic with U+0000, one with a newline',
        'refused (Mosquitto: protocol violation; the validator refuses them too)',
        brokerClosed ? 'broker closed both connections' : 'not refused',
        brokerClosed,
      ));
      rows.push(row(
        'cardinality attack',
        'the whole attack',
        'InfluxDB series unchanged; server heap after a full collection within 10 % of before; healthy rate within 5 %',
        `raw rack series ${fmt(seriesBefore.rawRackSeries)} → ${fmt(seriesAfter.rawRackSeries)}, rack IDs ` +
          `${fmt(seriesBefore.rackIds)} → ${fmt(seriesAfter.rackIds)}; heap after a full collection ` +
          `${fmt(memBefore.heapMb, 1)} → ${fmt(memAfter.heapMb, 1)} MB (${fmt((memAfter.heapMb / memBefore.heapMb - 1) * 100, 1)} %; RSS ` +
          `${fmt(memBefore.rssMb)} → ${fmt(memAfter.rssMb)} MB); clean ${fmt(cleanRate, 1)} / ${fmt(afterRate, 1)} ` +
          `(before / after), under attack ${fmt(attackRate.perS, 1)} samples/s over ${fmt(attackRate.seconds, 1)} s`,
        seriesAfter.rawRackSeries === seriesBefore.rawRackSeries && seriesAfter.rackIds === seriesBefore.rackIds && memAfter.heapMb <= memBefore.heapMb * 1.1
          && withinOf(attackRate, cleanRate, afterRate, 0.05),
      ));
    } finally {
      await stack.stop();
    }
    return rows;
  },
};

export const malformedJson: Scenario = {
  name: 'malformed JSON at rate',
  short: true,
  async run(scale, log) {
    const count = scale === 'short' ? 6_000 : 60_000;
    const windowMs = scale === 'short' ? 6000 : 20_000;
    const stack = await startStack({ simulator: true });
    const rows: ChaosRow[] = [];
    try {
      const url = stack.server.baseUrl;
      await sleep(windowMs);
      const cleanRate = await acceptedRate(url, windowMs);
      const before = await rejectedBy(url);
      const ts = Date.now();
      const fields = `"ts":${ts},"rackKw":100,"supplyC":40,"returnC":45,"flowLpm":180`;
      const cases: [string, Buffer | string][] = [
        ['8,000-level nesting (the deepest that fits 16 KB)', '['.repeat(8000) + ']'.repeat(8000)],
        ['10,000-level nesting left open', '['.repeat(10_000)],
        ['1 MB payload', 'x'.repeat(1_048_576)],
        ['fields under __proto__', `{"__proto__":{${fields}}}`],
        ['fields under constructor.prototype', `{"constructor":{"prototype":{${fields}}}}`],
        ['invalid UTF-8', Buffer.concat([Buffer.from(`{${fields},"n":"`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')])],
        ['duplicate keys', `{${fields},"returnC":95}`],
        ['truncated', `{${fields}`.slice(0, 40)],
      ];
      const big = cases.findIndex((c) => c[0] === '1 MB payload');
      // 1 MB payloads: one in 200 (the rest of the mix at rate).
      const attackRate = await rateDuring(url, () => flood(stack.mosquitto.url, count, 3000, (k) => {
        const c = k % 200 === 0 ? big : k % cases.length === big ? (k + 1) % cases.length : k % cases.length;
        return [`hallwatch/v1/hall-1/rack/h1-r0${1 + (k % 9)}-k0${1 + (k % 9)}/telemetry`, cases[c][1]];
      }));
      const afterRate = await acceptedRate(url, windowMs);
      await waitFor('every hostile message counted', async () =>
        seen(sumValues(await rejectedBy(url)) - sumValues(before), (v) => v >= count), 60_000, 500).catch(() => null);
      const after = await rejectedBy(url);
      const diff = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
      const total = sumValues(diff);
      const alive = (await fetch(`${url}/healthz`)).status;
      log(
        `clean ${cleanRate.toFixed(1)}/s before, ${afterRate.toFixed(1)}/s after, attack ` +
          `${attackRate.perS.toFixed(1)}/s; rejected ${JSON.stringify(diff)}; /healthz ${alive}`,
      );
      rows.push(row(
        'malformed JSON at rate',
        `${fmt(count)} hostile payloads at ~3,000/s: ${cases.map((c) => c[0]).join('; ')}`,
        'every one rejected by reason; none taken',
        `${fmt(total)} rejected (${Object.entries(diff).map(([k, v]) => `${k} ${fmt(v as number)}`).join(', ')})`,
        total === count,
      ));
      rows.push(row(
        'malformed JSON at rate',
        'fields only under __proto__ / constructor',
        'no prototype pollution: refused as missing_field',
        `${fmt(diff.missing_field ?? 0)} missing_field`,
        (diff.missing_field ?? 0) > 0,
      ));
      rows.push(row(
        'malformed JSON at rate',
        'the simulator\'s 416 racks alongside',
        'valid throughput within 5 % (and one simulator round) of the clean window; server up',
        `clean ${fmt(cleanRate, 1)} / ${fmt(afterRate, 1)} (before / after), under attack ${fmt(attackRate.perS, 1)} ` +
          `samples/s over ${fmt(attackRate.seconds, 1)} s; /healthz ${alive}`,
        withinOf(attackRate, cleanRate, afterRate, 0.05) && alive !== 0,
      ));
    } finally {
      await stack.stop();
    }
    return rows;
  },
};
