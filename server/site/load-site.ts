import { readFile } from 'node:fs/promises';
import { parseSite, type SiteSpec } from '../../protocol/site.ts';

/** Reads and validates a site file; the error names the file and the bad field's path. */
export async function loadSiteFile(path: string): Promise<SiteSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`site file ${path}: cannot read (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`site file ${path}: not valid JSON (${(e as Error).message})`);
  }
  const result = parseSite(json);
  if (!result.ok) throw new Error(`site file ${path}: ${result.message}`);
  return result.value;
}
