/**
 * The addresses `larder login` writes for one repository of one daemon, in the forms each client
 * wants: npm's registry and its "nerf dart" credential key, PyPI's index (with the token in it,
 * as pip and uv take credentials) and upload URL, Maven's repository.
 */
import { isIP } from 'node:net';

export interface LoginTarget {
  /** The daemon's root, ending in `/` (a reverse proxy's path prefix kept). */
  base: URL;
  repository: string;
  token: string;
}

/** The user name written beside the token where a client wants one (larder reads only the token). */
export const LOGIN_USER = 'larder';

function under(base: URL, path: string): string {
  return new URL(path, base).href;
}

export function npmRegistryUrl(target: LoginTarget): string {
  return under(target.base, `npm/${target.repository}/`);
}

/** npm's credential key for the registry: `//HOST:PORT/path/` (no scheme, trailing slash). */
export function npmNerfDart(target: LoginTarget): string {
  const url = new URL(npmRegistryUrl(target));
  return `//${url.host}${url.pathname}`;
}

export function pypiIndexUrl(target: LoginTarget): string {
  return under(target.base, `pypi/${target.repository}/simple/`);
}

/** The index URL with `larder:TOKEN@` in it, the token percent-encoded. */
export function pypiIndexUrlWithToken(target: LoginTarget): string {
  const url = new URL(pypiIndexUrl(target));
  url.username = LOGIN_USER;
  url.password = encodeURIComponent(target.token);
  return url.href;
}

export function pypiUploadUrl(target: LoginTarget): string {
  return under(target.base, `pypi/${target.repository}/`);
}

export function mavenRepositoryUrl(target: LoginTarget): string {
  return under(target.base, `maven/${target.repository}/`);
}

export function isHttp(target: LoginTarget): boolean {
  return target.base.protocol === 'http:';
}

/** The daemon's host as clients list it in "trust this host" settings (no brackets, no port). */
export function hostName(target: LoginTarget): string {
  return target.base.hostname.replace(/^\[|\]$/g, '');
}

/** True for localhost and loopback addresses, which pip trusts over plain http without being told. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
