import { readFile } from 'node:fs/promises';
import { parseSite, type SiteSpec } from '../../protocol/site.ts';
import { siteTopicRefusal } from '../../protocol/topic-levels.ts';

export interface SiteLoadOptions {
  /**
   * The DSX ingest is on (`--dsx-root`). A DSX Exchange bus names racks and CDUs in its payloads
   * (`rackLocationId`, `objectId`), which the site's IDs must match as they are, so IDs that
   * cannot be topic levels are taken, with a warning, instead of refused.
   */
  dsxFed: boolean;
  warn: (line: string) => void;
}

/**
 * Reads and validates a site file; the error names the file and the bad field's path. A site
 * whose IDs cannot be MQTT topic levels on every supported broker (a `.`) is refused here, at
 * start, rather than by a NATS broker at the first publish (protocol/topic-levels.ts).
 */
export async function loadSiteFile(path: string, opts: SiteLoadOptions): Promise<SiteSpec> {
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
  const refusal = siteTopicRefusal(result.value);
  if (refusal && !opts.dsxFed) throw new Error(`site file ${path}: ${refusal}`);
  if (refusal) {
    opts.warn(`site file ${path}: ${refusal}. Taken as it is for the DSX ingest (--dsx-root), which matches IDs in payloads; ` +
      'on a NATS bus no hallwatch/v1 publisher can report these racks or CDUs, and --alert-mqtt cannot publish their incidents');
  }
  return result.value;
}
