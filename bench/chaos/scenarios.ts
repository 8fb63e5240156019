/** Every chaos scenario, in the order `npm run chaos` runs them. */
import type { Scenario } from './scenario.ts';
import { loginAbuse } from './login-abuse.ts';

export const SCENARIOS: Scenario[] = [loginAbuse];
