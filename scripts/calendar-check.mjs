#!/usr/bin/env node
// Runs the unit tests with the clock moved 1 and 3 years ahead (Debian's libfaketime), so a test
// that only passes in one stretch of the calendar fails today rather than on its own next month.
// Tests against real services derive their timestamps from the current time (README, Tests).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
for (const offset of ['+365d', '+1096d']) {
  console.error(`hallwatch: unit tests with the clock at now${offset}…`);
  execFileSync('faketime', ['-f', offset, process.execPath, vitest, 'run', 'test/unit', '--reporter=dot', '--silent'], { cwd: root, stdio: 'inherit' });
}
