import { pipelineSuite } from './pipeline.ts';

// The server's embedded aedes broker (what `npm start` runs).
pipelineSuite('pipeline over the embedded aedes broker', {
  keepaliveWill: true,
  async start() {
    return null;
  },
  async stop() {},
});
