/**
 * A plugin killed with SIGKILL (or by a crash before Node could clean up) leaves its unix
 * socket file behind, one per restart. At start each plugin removes such leftovers of its
 * own kind: only in its own socket directory, only files named as unixSocketAddress names
 * them, only sockets owned by this user, only when nothing listens on them (a connect is
 * refused). Another plugin's live socket is never touched.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

/** The names unixSocketAddress gives: jobscope-plugin-<pid>-<base36 time>.sock. */
export const OWN_SOCKET_NAME = /^jobscope-plugin-\d+-[0-9a-z]+\.sock$/;
/** At most this many are examined per start: a directory full of them is not ours to sweep at once. */
const MAX_EXAMINED = 200;
const PROBE_MS = 500;

/** True when a connect to the socket is refused (nobody listens); false when it answers or the probe is inconclusive. */
function nobodyListens(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(file);
    const finish = (stale: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(stale);
    };
    const timer = setTimeout(() => finish(false), PROBE_MS);
    socket.once('connect', () => finish(false));
    socket.once('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED'));
  });
}

/** Removes stale sockets in `dir`, except `own`; returns the files removed. */
export async function removeStaleSockets(dir: string, own: string): Promise<string[]> {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => OWN_SOCKET_NAME.test(n));
  } catch {
    return [];
  }
  const uid = process.getuid?.();
  const candidates = names
    .map((n) => path.join(dir, n))
    .filter((file) => path.resolve(file) !== path.resolve(own))
    .filter((file) => {
      try {
        const st = fs.lstatSync(file);
        return st.isSocket() && (uid === undefined || st.uid === uid);
      } catch {
        return false;
      }
    })
    .slice(0, MAX_EXAMINED);
  const removed: string[] = [];
  await Promise.all(
    candidates.map(async (file) => {
      if (await nobodyListens(file)) {
        try {
          fs.unlinkSync(file);
          removed.push(file);
        } catch {
          // gone already (another plugin swept it) or not ours to remove
        }
      }
    })
  );
  return removed;
}
