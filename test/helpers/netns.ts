import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

/**
 * A virtual LAN of Linux network namespaces, one per "machine", joined by a bridge, for tests that need
 * several hosts on one box. The bridge lives in its own namespace (a fresh one has no firewall rules, unlike
 * the root namespace, where bridged traffic may pass through iptables), and the root namespace (the test
 * process itself) joins the LAN through one more veth at `<subnet>.254`.
 */
export interface VirtualLan {
  /** e.g. "10.77.42" — hosts are `<prefix>.1`, `<prefix>.2`, …; the root namespace is `<prefix>.254`. */
  prefix: string;
  /** The test process's own address on the LAN. */
  rootIp: string;
  /** Member name → its namespace and address. */
  members: ReadonlyMap<string, LanMember>;
  /** Runs a command inside a member's namespace; the process is killed by destroy(). */
  spawn(member: string, command: string, args: string[], opts?: SpawnOptions): ChildProcess;
  /** Kills what spawn() started, then removes every namespace and link this LAN made. Idempotent. */
  destroy(): Promise<void>;
}

export interface LanMember {
  namespace: string;
  ip: string;
}

const NAME_PREFIX = 'swt';

function ip(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`\`ip ${args.join(' ')}\` failed: ${(err.stderr ?? err.message).trim()}`, { cause: e });
  }
}

function ipQuiet(args: string[]): void {
  try {
    ip(args);
  } catch {
    // already gone
  }
}

/** Why network namespaces cannot be used here, or null when they can (probed by making one). */
export function netnsUnavailableReason(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add); run the test as root to include it';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return '`ip` (iproute2) is not installed: apt-get install -y iproute2';
  }
  const probe = `${NAME_PREFIX}${process.pid}-probe`;
  try {
    ip(['netns', 'add', probe]);
    ip(['-n', probe, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1']);
    return null;
  } catch (e) {
    return `cannot create network namespaces or veth pairs here: ${(e as Error).message}`;
  } finally {
    ipQuiet(['netns', 'del', probe]);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILLs every process still in a namespace (a deleted namespace name would leave them running). */
function killProcessesIn(namespace: string): void {
  let pids: number[];
  try {
    pids = ip(['netns', 'pids', namespace]).split('\n').filter(Boolean).map(Number);
  } catch {
    return; // no such namespace
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

/** Removes namespaces and root links left by earlier runs that were killed before their cleanup ran. */
function removeStale(): void {
  const owner = new RegExp(`^${NAME_PREFIX}(\\d+)`);
  const namespaces = ip(['netns', 'list']).split('\n').map((l) => l.split(' ')[0] ?? '');
  const links = ip(['-o', 'link', 'show']).split('\n').map((l) => (l.split(': ')[1] ?? '').split('@')[0] ?? '');
  for (const name of namespaces) {
    const pid = Number(owner.exec(name)?.[1]);
    if (!pid || isAlive(pid)) continue;
    killProcessesIn(name);
    ipQuiet(['netns', 'del', name]);
  }
  for (const name of links) {
    const pid = Number(owner.exec(name)?.[1]);
    if (pid && !isAlive(pid)) ipQuiet(['link', 'del', name]);
  }
}

/** A 10.77.X.0/24 that no address or route of the root namespace uses yet. */
function freeSubnetPrefix(): string {
  const used = ip(['-4', 'route', 'show']) + ip(['-4', 'addr', 'show']);
  for (let i = 0; i < 250; i++) {
    const prefix = `10.77.${(process.pid + i) % 250}`;
    if (!used.includes(`${prefix}.`)) return prefix;
  }
  throw new Error('no free 10.77.X.0/24 subnet for the virtual LAN: remove stale links (ip -4 addr show | grep 10.77.)');
}

/** Builds the LAN: one namespace per member name, addresses `<prefix>.1` … in the given order. */
export async function createVirtualLan(memberNames: string[]): Promise<VirtualLan> {
  if (memberNames.length === 0 || memberNames.length > 200) throw new Error(`a virtual LAN needs 1–200 members, got ${memberNames.length}`);
  removeStale();
  const tag = `${NAME_PREFIX}${process.pid}`;
  const switchNs = `${tag}-switch`;
  const rootLink = `${tag}h`; // interface names are limited to 15 characters
  const prefix = freeSubnetPrefix();
  const rootIp = `${prefix}.254`;
  const members = new Map<string, LanMember>();
  const children = new Set<ChildProcess>();
  const made: string[] = [];
  let destroyed: Promise<void> | null = null;

  const destroy = () =>
    (destroyed ??= (async () => {
      await Promise.all(
        [...children].map(async (c) => {
          if (c.exitCode !== null || c.signalCode !== null) return;
          const exited = once(c, 'exit');
          c.kill('SIGKILL');
          await exited;
        }),
      );
      // A namespace outlives its name while a process still runs in it: kill strays our children left behind.
      for (const ns of made.reverse()) {
        killProcessesIn(ns);
        ipQuiet(['netns', 'del', ns]);
      }
      ipQuiet(['link', 'del', rootLink]);
    })());

  try {
    ip(['netns', 'add', switchNs]);
    made.push(switchNs);
    ip(['-n', switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', switchNs, 'link', 'set', 'br0', 'up']);

    for (const [i, name] of memberNames.entries()) {
      const namespace = `${tag}-${name}`;
      const memberIp = `${prefix}.${i + 1}`;
      ip(['netns', 'add', namespace]);
      made.push(namespace);
      ip(['-n', switchNs, 'link', 'add', `port${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace]);
      ip(['-n', switchNs, 'link', 'set', `port${i}`, 'master', 'br0', 'up']);
      ip(['-n', namespace, 'addr', 'add', `${memberIp}/24`, 'dev', 'eth0']);
      ip(['-n', namespace, 'link', 'set', 'eth0', 'up']);
      ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
      members.set(name, { namespace, ip: memberIp });
    }

    ip(['link', 'add', rootLink, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', switchNs]);
    ip(['-n', switchNs, 'link', 'set', 'uplink', 'master', 'br0', 'up']);
    ip(['addr', 'add', `${rootIp}/24`, 'dev', rootLink]);
    ip(['link', 'set', rootLink, 'up']);
  } catch (e) {
    await destroy();
    throw e;
  }

  return {
    prefix,
    rootIp,
    members,
    spawn(member, command, args, opts = {}) {
      const m = members.get(member);
      if (!m) throw new Error(`no member "${member}" in the virtual LAN (members: ${[...members.keys()].join(', ')})`);
      // `ip netns exec` execs the command in place (no fork), so child.pid is the command's own pid.
      const child = spawn('ip', ['netns', 'exec', m.namespace, command, ...args], opts);
      children.add(child);
      return child;
    },
    destroy,
  };
}
