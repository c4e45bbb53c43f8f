/**
 * The package entry for browsers and bundlers (package.json `exports`, conditions
 * `browser` and `default`): nothing here or below imports a `node:` module.
 */
import './install_web.js';

export * from '../index.js';
