// The black-holed upstream: connections to the registry are accepted and never answered.
//
// The servers under test (larder, Verdaccio, nginx) run under a dedicated numeric uid that no
// other process on the machine uses. While the black hole is on, two iptables/ip6tables chains
// apply to that uid's traffic only:
//   nat    OUTPUT: new TCP connections to the upstream's port are REDIRECTed to a local listener
//                  that accepts them and never sends a byte (not even the TLS ServerHello);
//   filter OUTPUT: packets of connections opened before the switch (keep-alive sockets to the
//                  registry) are DROPped, so those go silent too instead of still answering.
// DNS, loopback and every other uid's traffic are untouched. Both servers keep the registry's
// real URL as their upstream the whole time, so their caches are keyed exactly as when online.
//
// `node lib/blackhole.mjs --release` removes the chains; run.sh calls it from its exit trap, so
// the rules go away even when the driver is killed.
import net from 'node:net';
import { run } from './util.mjs';

const CHAIN = 'LARDER_BENCH';
const TOOLS = ['iptables', 'ip6tables'];

async function ipt(tool, args) {
  return run(tool, ['-w', '5', ...args]).catch((err) => ({ code: 127, stdout: '', stderr: String(err.message) }));
}

async function must(tool, args) {
  const result = await ipt(tool, args);
  if (result.code !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${result.stderr.trim()}`);
}

/** Whether the black hole can work here: root, iptables with the nat table and the owner match. */
export async function blackholeSupport() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { ok: false, reason: 'needs root (iptables and a separate uid for the servers)' };
  const probe = await run('iptables', ['-w', '5', '-t', 'nat', '-S', 'OUTPUT']).catch((err) => ({ code: 127, stderr: String(err) }));
  if (probe.code !== 0) return { ok: false, reason: `iptables is not usable: ${probe.stderr.trim() || 'not installed'}` };
  const v6 = await run('ip6tables', ['-w', '5', '-t', 'nat', '-S', 'OUTPUT']).catch(() => ({ code: 127 }));
  return { ok: true, ipv6: v6.code === 0 };
}

/** Remove every rule and chain this module may have added. Safe to call any number of times. */
export async function releaseRules() {
  for (const tool of TOOLS) {
    for (const table of ['nat', 'filter']) {
      // Delete every jump to our chain from OUTPUT (whatever uid it was for), then the chain.
      const listing = await ipt(tool, ['-t', table, '-S', 'OUTPUT']).catch(() => null);
      if (listing === null || listing.code !== 0) continue;
      for (const line of listing.stdout.split('\n')) {
        if (!line.startsWith('-A OUTPUT ') || !line.includes(`-j ${CHAIN}`)) continue;
        const spec = line.slice('-A OUTPUT '.length).split(/\s+/);
        await ipt(tool, ['-t', table, '-D', 'OUTPUT', ...spec]);
      }
      await ipt(tool, ['-t', table, '-F', CHAIN]);
      await ipt(tool, ['-t', table, '-X', CHAIN]);
    }
  }
}

/**
 * Start the never-answering listener and turn the rules on for `uid`'s connections to
 * `upstreamPort`. Returns { release(), accepted() }.
 */
export async function engageBlackhole({ uid, upstreamPort, ipv6 }) {
  const sockets = new Set();
  let accepted = 0;
  const onConnection = (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    // Read and discard (so the client's writes do not stall on a full window): the client sees
    // an open connection that never says anything.
    socket.resume();
  };
  const servers = [];
  const listen = (host, port) =>
    new Promise((resolve, reject) => {
      const srv = net.createServer(onConnection);
      srv.once('error', reject);
      srv.listen(port, host, () => resolve(srv));
    });
  const v4 = await listen('127.0.0.1', 0);
  servers.push(v4);
  const port = v4.address().port;
  let v6ok = false;
  if (ipv6) {
    try {
      servers.push(await listen('::1', port));
      v6ok = true;
    } catch {
      v6ok = false;
    }
  }

  await releaseRules();
  const tools = v6ok ? TOOLS : ['iptables'];
  try {
    for (const tool of tools) {
      await must(tool, ['-t', 'nat', '-N', CHAIN]);
      await must(tool, ['-t', 'nat', '-A', CHAIN, '-p', 'tcp', '--dport', String(upstreamPort), '-j', 'REDIRECT', '--to-ports', String(port)]);
      await must(tool, ['-t', 'nat', '-I', 'OUTPUT', '-m', 'owner', '--uid-owner', String(uid), '-j', CHAIN]);
      await must(tool, ['-t', 'filter', '-N', CHAIN]);
      await must(tool, ['-t', 'filter', '-A', CHAIN, '-p', 'tcp', '--dport', String(upstreamPort), '-j', 'DROP']);
      await must(tool, ['-t', 'filter', '-I', 'OUTPUT', '-m', 'owner', '--uid-owner', String(uid), '-j', CHAIN]);
    }
  } catch (err) {
    await releaseRules();
    for (const srv of servers) srv.close();
    throw err;
  }

  return {
    port,
    ipv6: v6ok,
    accepted: () => accepted,
    async release() {
      await releaseRules();
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(() => resolve()))));
    },
  };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href && process.argv.includes('--release')) {
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    await releaseRules().catch(() => {});
  }
}
