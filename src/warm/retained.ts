/**
 * `larder warm --dry-run`: whether each listed version is already retained in the repository,
 * asked of the daemon's management API (describe a package version) without fetching anything.
 * Retained means (DESIGN §1) the repository holds a record of the version, installable
 * (Published or Unlisted: Archived and Disposed versions cannot be installed), with the files a
 * client would fetch.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { tarballFilename } from '../formats/npm/names.js';
import type { DaemonHttp } from './daemon-http.js';
import { pinHex, sriPin, type Pin } from './digests.js';
import { WarmFailure, failureFromAnswer } from './failures.js';
import { itemLabel, mavenFileNames, recordCoordinates } from './items.js';
import type { WarmItem } from './types.js';

export type RetainedState =
  /** Everything a client fetches is held. */
  | { retained: true; files: string[] }
  /** Not (all) held; `detail` says what is missing. */
  | { retained: false; detail: string };

interface DescribedAsset {
  name: string;
  integrity: string;
  hashes: Record<string, string>;
}

const INSTALLABLE = new Set(['Published', 'Unlisted']);

/** A version's record as the daemon describes it: its status and the assets it holds. */
export interface DescribedVersion {
  status: string;
  assets: DescribedAsset[];
}

/** The record of `item` in `repository`, or undefined when there is none; a WarmFailure when the daemon cannot say. */
export async function describeRetained(http: DaemonHttp, repository: string, item: WarmItem): Promise<DescribedVersion | undefined> {
  const { format, package: pkg, version } = recordCoordinates(item);
  const answer = await http.api('versions/describe', { repository, format, package: pkg, version });
  if (answer.status === 404 && answer.code === 'E_NOT_FOUND') return undefined;
  if (answer.status !== 200 || answer.body === undefined) throw failureFromAnswer(answer, `the record of ${itemLabel(item)}`);
  return { status: String(answer.body.status), assets: readAssets(answer.body.assets) };
}

/** True when the record is installable and holds every one of `names`. */
export function holds(described: DescribedVersion | undefined, names: readonly string[]): boolean {
  if (described === undefined || !INSTALLABLE.has(described.status)) return false;
  const held = new Set(described.assets.map((asset) => asset.name));
  return names.every((name) => held.has(name));
}

/**
 * Waits until the record holds `names`. The daemon answers a fetched file before it records the
 * retention (the record follows the stored bytes by a moment), so a warm that ends "ok" confirms
 * it first: a `larder export` or a dry run right after then finds every version.
 */
export async function awaitRetained(http: DaemonHttp, repository: string, item: WarmItem, names: readonly string[], waitMs: number): Promise<boolean> {
  const until = Date.now() + waitMs;
  for (let pause = 20; ; pause = Math.min(pause * 2, 500)) {
    if (holds(await describeRetained(http, repository, item), names)) return true;
    if (Date.now() >= until) return false;
    await delay(pause);
  }
}

/** Asks the daemon about one item; a WarmFailure when it cannot say (the daemon failed, auth). */
export async function retainedState(http: DaemonHttp, repository: string, item: WarmItem): Promise<RetainedState> {
  const described = await describeRetained(http, repository, item);
  if (described === undefined) return { retained: false, detail: `not retained in ${repository}` };
  const { status, assets } = described;
  if (!INSTALLABLE.has(status)) return { retained: false, detail: `retained in ${repository} but ${status}: not installable` };
  const names = new Set(assets.map((asset) => asset.name));
  switch (item.format) {
    case 'npm': {
      const name = tarballFilename(item.name, item.version);
      const held = assets.find((asset) => asset.name === name);
      if (held === undefined) return { retained: false, detail: `the record in ${repository} has no ${name}` };
      const pin = item.integrity === undefined ? undefined : sriPin(item.integrity, 'lockfile');
      if (pin !== undefined && differs(held, pin)) return { retained: false, detail: `retained with ${held.integrity}, which is not the ${pin.integrity} the lockfile pins` };
      return { retained: true, files: [name] };
    }
    case 'maven': {
      const wanted = [...new Set(Object.values(mavenFileNames(item)))];
      const missing = wanted.filter((name) => !names.has(name));
      return missing.length === 0 ? { retained: true, files: wanted } : { retained: false, detail: `the record in ${repository} has no ${missing.join(' or ')}` };
    }
    case 'pypi': {
      const distributions = assets.filter((asset) => !asset.name.endsWith('.metadata'));
      const pins = item.integrities.map((integrity) => sriPin(integrity, 'lockfile'));
      const pinned = pins.length === 0 ? distributions : distributions.filter((asset) => pins.some((pin) => !differs(asset, pin)));
      const missing = (item.files ?? []).filter((name) => !names.has(name));
      if (pinned.length === 0) return { retained: false, detail: pins.length === 0 ? `the record in ${repository} holds no file` : `no file held in ${repository} has a digest the lockfile pins` };
      if (missing.length > 0) return { retained: false, detail: `the record in ${repository} has no ${missing.join(' or ')}` };
      return { retained: true, files: pinned.map((asset) => asset.name) };
    }
  }
}

/**
 * True when the held asset's digest is known in the pin's algorithm and is another one. A pin
 * in an algorithm the record does not state cannot be compared (the fetch would check it).
 */
function differs(asset: DescribedAsset, pin: Pin): boolean {
  const { algorithm, hex } = pinHex(pin);
  const held = asset.hashes[algorithm.toUpperCase()];
  return held !== undefined && held !== hex;
}

function readAssets(value: unknown): DescribedAsset[] {
  if (!Array.isArray(value)) throw new WarmFailure('daemon', 'the daemon described a version without an assets list: is it a larder daemon of this version?');
  return value.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { name, integrity, hashes } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || typeof integrity !== 'string') return [];
    const clean = typeof hashes === 'object' && hashes !== null ? Object.fromEntries(Object.entries(hashes).filter((pair): pair is [string, string] => typeof pair[1] === 'string')) : {};
    return [{ name, integrity, hashes: clean }];
  });
}
