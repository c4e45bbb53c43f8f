/** Plain values out of unpickled data, omegaconf containers included (a checkpoint's hyper_parameters). */
import { VqganError } from '../core/errors.js';
import { PickleGlobal, PickleObject } from './pickle_values.js';

const MAX_PLAIN_DEPTH = 256;
const MAX_PLAIN_NODES = 1_000_000;

function stateField(obj: PickleObject, key: string): { found: boolean; value: unknown; } {
  const state = obj.state;
  return state instanceof Map && state.has(key)
    ? { found: true, value: state.get(key) }
    : { found: false, value: undefined };
}

/**
 * Unwraps unpickled data into plain JS: Maps → objects, Sets → arrays, an omegaconf
 * DictConfig / ListConfig → its `_content`, an omegaconf node (AnyNode, ValueNode, ...)
 * → its `_val`, a dict or list subclass → its items, a bare class reference → its
 * dotted name. Other inert objects stay as they are. Shared references are expanded,
 * so a budget of nodes and depth keeps hostile input from blowing up.
 */
export function toPlain(value: unknown, name = 'pickle'): unknown {
  let nodes = 0;
  const walk = (v: unknown, depth: number): unknown => {
    if (++nodes > MAX_PLAIN_NODES || depth > MAX_PLAIN_DEPTH) {
      throw new VqganError(
        'BAD_FORMAT',
        `${name}: unpickled data is nested too deeply or too large to turn into plain values`,
      );
    }
    if (v instanceof PickleObject) {
      if (v.type.module.startsWith('omegaconf')) {
        const content = stateField(v, '_content');
        if (content.found) return walk(content.value, depth + 1);
        const val = stateField(v, '_val');
        if (val.found) return walk(val.value, depth + 1);
      }
      if (v.items !== undefined) return walk(v.items, depth + 1);
      if (v.list !== undefined) return walk(v.list, depth + 1);
      return v;
    }
    if (v instanceof PickleGlobal) return v.toString();
    if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), walk(x, depth + 1)]));
    if (v instanceof Set || Array.isArray(v)) return [...v].map((x) => walk(x, depth + 1));
    return v;
  };
  return walk(value, 0);
}
