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
