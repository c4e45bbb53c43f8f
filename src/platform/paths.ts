/** Paths and URLs as text: the same in every runtime. */

/** The folder part of a path or URL ('' for a bare name), without the trailing separator. */
export function dirnameOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? '' : path.slice(0, cut);
}

/** The last part of a path or URL. */
export function basenameOf(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

export function isUrl(text: string): boolean {
  return /^(https?|file|blob|data):/i.test(text);
}

/**
 * An address for messages: http(s) without its query string (a CDN's signed parameters
 * stay out of logs); another (data:, blob:) cut to 80 characters.
 */
export function shownUrl(url: string): string {
  if (!/^https?:/i.test(url)) return url.length > 80 ? `${url.slice(0, 80)}…` : url;
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
