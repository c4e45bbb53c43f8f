/** The package entry for Node and Deno (package.json `exports`, conditions `node` and `deno`). */
import './install_node.js';

export * from '../index.js';
