// Starts a worker thread on one of the runtime's own modules. Built, the module is a .js file that
// Node loads as it is; run from source (the test suite), it is a .ts file, which the worker loads
// through tsx, registered inside the worker before the module is imported.
import { Worker, type WorkerOptions } from "node:worker_threads";

export function spawnWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url, options);
  const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
