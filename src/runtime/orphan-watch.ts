/**
 * npm (`npm start`, `npx costbridge …`) runs a command through a shell and passes a SIGTERM it receives on to that
 * shell only; the shell ends without passing it on, and the server would keep running with no one to stop it. So,
 * when started by npm, the process treats the loss of its parent as a request to stop. Started any other way
 * (`node bin/costbridge.js`, a service manager, `nohup`), losing its parent changes nothing.
 */
export function whenOrphaned(onOrphaned: () => void, intervalMs = 500): () => void {
  if (!process.env.npm_lifecycle_event) return () => {};
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
