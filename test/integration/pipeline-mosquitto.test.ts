import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { pipelineSuite } from './pipeline.ts';

let broker: Mosquitto | null = null;
pipelineSuite('pipeline over a real Mosquitto', {
  keepaliveWill: true,
  async start() {
    broker = await startMosquitto();
    return broker.url;
  },
  async stop() {
    await broker?.stop();
  },
  async restart(downMs) {
    await broker!.kill();
    await new Promise((r) => setTimeout(r, downMs));
    await broker!.start();
  },
});
