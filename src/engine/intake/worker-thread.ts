/** Starting one of the engine's worker threads from built JavaScript or from TypeScript source. */
import { Worker } from 'node:worker_threads';

/**
 * A worker running `script` (a module URL without its extension, next to the
 * caller). From built JavaScript that is `<script>.js`. From TypeScript source
 * (tests, benches under tsx) the worker first loads tsx's ESM API and imports
 * `<script>.ts` through it: loader hooks given with --import do not reach a
 * worker's own entry module on Node 20.
 */
export function startWorker(script: URL, workerData: unknown): Worker {
  if (!script.href.endsWith('.ts')) return new Worker(script, { workerData });
  // Resolved here, next to this module, so the worker finds tsx whatever the current directory.
  const api = resolveFromHere('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((api) => api.tsImport(${JSON.stringify(script.href)}, ${JSON.stringify(script.href)}))`;
  return new Worker(boot, { eval: true, workerData });
}

/** `name` next to the module at `base` (its import.meta.url), with that module's extension. */
export function siblingScript(base: string, name: string): URL {
  return new URL(`./${name}.${base.endsWith('.ts') ? 'ts' : 'js'}`, base);
}

function resolveFromHere(specifier: string): string {
  try {
    return import.meta.resolve(specifier);
  } catch {
    return specifier;
  }
}
