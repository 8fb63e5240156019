import { startServer, startProgram } from './helpers/programs.ts';
const server = await startServer(['--site', '/tmp/an/dsx-site.json', '--embedded-broker-port', '0', '--dsx-root', 'BMS/v1']);
const replay = await startProgram('simulators/replay.ts', ['../shared/data/dsx/dsx_exemplar.csv', '--mqtt', server.mqttUrl, '--speed', '5'], 'HALLWATCH_REPLAY_READY');
await new Promise((r) => setTimeout(r, 22_000));
const m = await (await fetch(server.baseUrl + '/metrics')).text();
console.log(m.split('\n').filter((l) => l.startsWith('hallwatch_dsx')).join('\n'));
for (const e of ['rack:Pod1C-E02', 'rack:Pod1C-E01', 'cdu:C-F00-CDU-05']) {
  const h = await (await fetch(`${server.baseUrl}/api/history?entity=${e}&from=now-5m`)).json();
  const last = (f: string) => { const v = h.values[f] ?? []; for (let i = v.length - 1; i >= 0; i--) if (v[i] !== null) return v[i]; return null; };
  console.log(e, h.tsMs.length, Object.fromEntries(h.fields.map((f: any) => [f.name, last(f.name)])));
}
console.log(server.output().split('\n').filter((l) => /DSX|rejected/.test(l)).slice(0, 20).join('\n'));
await replay.stop();
await server.stop();
