/**
 * The logins a start prints on stdout: a fresh admin password for the demo (or when no user
 * exists yet), and the demo wall's display-token path. The demo runner and tests read these lines.
 */
import type { Logger } from '../logger.ts';
import type { Access } from './access.ts';
import { randomSecret } from './passwords.ts';

/** What decides which logins are printed. */
export interface DemoLoginOptions {
  auth: 'on' | 'off';
  /** 1: print an admin login and a wall path on every start (the demo). */
  printAdminLogin: number;
  log: Logger;
  /** Writes one line to stdout. */
  print: (line: string) => void;
}

/** Warns when authentication is off; otherwise sets and prints the logins `o` asks for. */
export async function announceLogins(access: Access, o: DemoLoginOptions): Promise<void> {
  if (o.auth === 'off') o.log.warn('AUTHENTICATION IS OFF (--auth off): anyone who reaches this port is an admin. Use it for local trials only.');
  else if (o.printAdminLogin === 1 || !access.hasUsers) {
    const password = randomSecret(12);
    await access.setUser('admin', 'admin', password);
    o.print(`HALLWATCH_ADMIN_LOGIN user=admin password=${password}`);
  }
  if (o.auth === 'on' && o.printAdminLogin === 1) {
    // The demo's wall: a fresh display token each start; the previous demo token is revoked.
    for (const t of access.listDisplayTokens()) if (t.name === 'demo-wall' && !t.revokedMs) await access.revokeDisplayToken(t.id);
    const wall = await access.createDisplayToken('demo-wall', null, 'demo');
    o.print(`HALLWATCH_WALL_PATH /wall?token=${encodeURIComponent(wall.token)}`);
  }
}
