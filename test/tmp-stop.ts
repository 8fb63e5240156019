import { startServer, startSimulator } from './helpers/programs.ts';
const server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0']);
const sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl, '--control-port', '0']);
const port = /control=(\d+)/.exec(sim.readyLine)![1];
await new Promise(r => setTimeout(r, 2000));
for (const f of process.argv.slice(2)) console.log(f, (await fetch(`http://127.0.0.1:${port}/faults`, { method: 'POST', body: f })).status);
await new Promise(r => setTimeout(r, 2000));
let t = Date.now(); console.log('sim exit', await sim.stop(), Date.now() - t);
await server.stop();
