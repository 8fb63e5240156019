/** Every chaos scenario, in the order `npm run chaos` runs them. */
import type { Scenario } from './scenario.ts';
import { loginAbuse } from './login-abuse.ts';
import { mqttFuzz } from './mqtt-fuzz.ts';
import { wsHostile } from './ws-hostile.ts';
import { ssrf } from './ssrf.ts';
import { xss } from './xss.ts';
import { diskFull } from './disk-full.ts';
import { clockStep } from './clock-step.ts';
import { brokerRestart } from './broker-restart.ts';
import { ingestKill } from './ingest-kill.ts';
import { cardinalityAttack, malformedJson } from './hostile-input.ts';
import { badTimestamps, duplicatesReordering } from './timestamps.ts';
import { haPair } from './ha-pair.ts';

export const SCENARIOS: Scenario[] = [
  ingestKill, badTimestamps, duplicatesReordering, cardinalityAttack, malformedJson, mqttFuzz, wsHostile,
  ssrf, xss, diskFull, clockStep, brokerRestart, loginAbuse,
  // Not in npm test (short: false): a pair on a NATS cluster through twelve faults, minutes even at the short size.
  haPair,
];
