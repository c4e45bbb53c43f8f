/** The cache folder (Node, Deno; layout in ./cache.ts): files downloaded beside their place and renamed into it. */
import { platform } from '../platform/platform.js';
import { basenameOf, joinPath } from '../platform/paths.js';
import { cachedModel, modelFolder } from './cache.js';
import { downloadToPartial } from './download.js';
import { formatHubId, hubFileUrl } from './hub_id.js';
import type { ModelStore, StoreContext } from './model_store.js';

export function folderStore(
  cacheDir: string,
  { id, settings, observer }: StoreContext,
): ModelStore & { readonly folder: string; } {
  const folder = modelFolder(cacheDir, id);
  return {
    folder,
    async cached() {
      const found = await cachedModel(folder, id);
      if (found === undefined) return undefined;
      const config = found.config === undefined
        ? undefined
        : { name: basenameOf(found.config), file: { path: found.config } };
      return { weights: { name: basenameOf(found.weights), file: { path: found.weights } }, config };
    },
    async fetch(file, onProgress) {
      const path = joinPath(folder, file);
      const got = await downloadToPartial(hubFileUrl(settings.endpoint, id, file), path, {
        label: `${formatHubId(id)} ${file}`,
        token: settings.token,
        observer,
        onProgress,
        policy: settings.download,
      });
      if (got === undefined) return undefined;
      return {
        downloaded: true,
        commit: async () => {
          await platform().files.renameFile(got.partial, path);
          return { path };
        },
      };
    },
    async put(file, bytes) {
      const path = joinPath(folder, file);
      await platform().files.makeFolder(folder);
      await platform().files.writeFileAtomic(path, bytes);
      return { path };
    },
  };
}
