/** Vitest global setup: the run's temporary files under one directory, removed at the end. */
import { useTempRoot } from './helpers/temp-root.ts';

export default function setup(): () => void {
  return useTempRoot('test-run');
}
