/**
 * Node releases a handle it closed (a server, a socket, a child process) in the event loop's close
 * phase, after the 'close' or 'exit' event a stop() awaited: right after that event the handle still
 * counts as active (process.getActiveResourcesInfo lists it). Two turns through the check phase
 * always pass the close phase that follows, so awaiting this at the end of a stop() means nothing
 * that stop closed is left when it resolves. It waits for no timer and no I/O.
 */
export async function handlesReleased(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
}
