/**
 * The wall-time overhead of orchestration for a command trainer: examples/pytorch/train.py run standalone and
 * through `sweep launch` (one local worker), side by side. Prints one summary line and writes
 * bench/results/command-overhead-<date>.json.
 *
 *   npm run bench:command -- [--epochs 3] [--train-size 60000] [--val-size 10000] [--repeats 3]
 *                            [--lr 0.03] [--dropout 0] [--seed 1] [--python PATH] [--from-source] [--keep]
 *
 * Both sides run the same argv (the example's `trainer.command` with the values substituted, `--threads 1`), with
 * the same python3 first on PATH (one that imports torch: `python3` on PATH, else /usr/bin/python3, or --python),
 * the same cwd (examples/pytorch) and PYTHONUNBUFFERED=1. Runs are interleaved, standalone first:
 * S W S W S W (--repeats pairs); each sweep run is a NEW sweep: `node bin/sweep.js launch <spec> --workers 1 --json
 * --no-export` in a fresh temporary directory (the embedded default: its own nats-server on a new `.sweep/`
 * store, and one local worker, which may run commands there). The spec is the example's sweep.yaml with an absolute
 * cwd and one trial (one learning rate, one dropout, one seed, the sizes and epochs above).
 *
 * Timing, both from the moment this process spawns the child (Date.now() just before spawn):
 * - standalone, "to the last epoch line": when the last JSON epoch line arrives on the program's stdout pipe here.
 * - through sweep, "to the last epoch line": the `at` of the trial's last `epoch` event (ISO time, ms), which the
 *   worker stamps once it has read that line from the program's stdout, packed $SWEEP_CHECKPOINT_DIR, stored the
 *   checkpoint and written the trial record (src/worker/attempt/epoch-recorder.ts): the moment sweep has the epoch,
 *   so at most a few ms later than the line itself (the pack and KV write of a <1 MB state). The events stream is
 *   on disk in the run's `.sweep/nats` store; after `sweep launch` exits this bench starts a nats-server on that
 *   store to read it, and the trial record (which must be COMPLETED with every epoch).
 * - "to exit": when the child exits. Through sweep that is `sweep launch` itself: after the last epoch it includes
 *   the program's ONNX export (train.py exports only when $SWEEP_OUTPUT_DIR is set: under sweep), the leaderboard,
 *   the worker's stop and the broker's shutdown; standalone it is python's exit. A second, more pessimistic number.
 * Overhead = median(sweep) / median(standalone) - 1, for each of the two.
 *
 * Where the time goes (medians over the sweep runs, seconds from the spawn of `sweep launch`): the coordinator's
 * "started embedded nats-server" log line (stderr), and from <state>/logs/worker-1.log (pino, `time` in ms):
 * the worker's first log line, "worker started", "trial started", "trainer command started" and the program's
 * first stderr line ("device cpu, N train / M val images", after torch is imported and the data loaded), then
 * "trial finished" and "worker stopped"; the coordinator's last "progress" line marks when it saw the trial end. The standalone program's stderr line is timed the same way (here, as it arrives). The epochs'
 * own `seconds` (train.py's time per epoch) on both sides show whether training itself slowed down under sweep.
 *
 * bin/sweep.js runs dist/ when dist/.build-stamp matches src/ and else the sources through tsx (slower to start),
 * and its worker decides the same way on its own; `npm run build` first. Each run records which one it got (the
 * stamp checked before and after); --from-source sets SWEEP_FROM_SOURCE=1 for both (as the tests do).
 */
import { spawn } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { startEmbeddedServer } from '../src/transport/embedded-server.js';
import { connectBroker } from '../src/transport/connection.js';
import { TrialStore } from '../src/transport/trial-store.js';
import { EVENTS_STREAM } from '../src/transport/names.js';
import { decodeEventBatch } from '../src/transport/events.js';
import { PYTORCH, exitIfMissing, natsServerProblem, pythonPeerProblem } from './peers.js';

const HELP = `npm run bench:command -- [options]

examples/pytorch/train.py standalone vs through \`sweep launch --workers 1\`, interleaved, medians.

  --epochs N        epochs of the one trial (default 3)
  --train-size N    first N training images (default 60000)
  --val-size N      first N test images, the validation split (default 10000)
  --repeats N       runs of each side, interleaved S W S W ... (default 3, at least 3 for the target)
  --lr X            learning rate (default 0.03)
  --dropout X       dropout (default 0)
  --seed N          seed (default 1)
  --python PATH     a python3 that imports torch (default: python3 on PATH, else /usr/bin/python3)
  --from-source     SWEEP_FROM_SOURCE=1: run the CLI and worker from src/ through tsx instead of dist/
  --keep            keep the temporary directories (printed)
  -h, --help        this text

Writes bench/results/command-overhead-<date>.json and prints one line:
COMMAND OVERHEAD: trial_s=… standalone_median_s=… sweep_median_s=… overhead_pct=… (to last epoch line) launch_exit_overhead_pct=… repeats=N`;

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    'train-size': { type: 'string', default: '60000' },
    'val-size': { type: 'string', default: '10000' },
    repeats: { type: 'string', default: '3' },
    lr: { type: 'string', default: '0.03' },
    dropout: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    python: { type: 'string' },
    'from-source': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}

const BENCH = 'bench:command';
// This process's own broker client logs its runtime patches at info; the children get SWEEP_LOG_LEVEL removed
// (baseEnv): the worker's info lines are what the breakdown reads.
process.env.SWEEP_LOG_LEVEL = 'warn';
function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`${BENCH}: --${name} must be a positive integer, not ${v}\n`);
    process.exit(2);
  }
  return n;
}
function finiteNumber(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) {
    process.stderr.write(`${BENCH}: --${name} must be a number, not ${v}\n`);
    process.exit(2);
  }
  return n;
}
const epochs = positiveInt('epochs', args.epochs);
const trainSize = positiveInt('train-size', args['train-size']);
const valSize = positiveInt('val-size', args['val-size']);
const repeats = positiveInt('repeats', args.repeats);
const lr = finiteNumber('lr', args.lr);
const dropout = finiteNumber('dropout', args.dropout);
const seed = positiveInt('seed', args.seed);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE_DIR = join(ROOT, 'examples', 'pytorch');
const EXAMPLE_SPEC = join(EXAMPLE_DIR, 'sweep.yaml');
const SWEEP_BIN = join(ROOT, 'bin', 'sweep.js');
const STAMP_MODULE: string = '../bin/build-stamp.js';
const stamp = (await import(STAMP_MODULE)) as { distIsFresh(root?: string): boolean };

// ---- peers: a python3 with torch (first on PATH for both sides), nats-server, the data files ----

/** The python to use: --python, else the first of python3 (PATH) and /usr/bin/python3 that imports torch and numpy. */
function findPython(): { executable: string; version: string; torch: string; numpy: string } {
  const candidates = args.python ? [args.python] : ['python3', '/usr/bin/python3'];
  const probe = 'import sys, torch, numpy; print(sys.executable); print(sys.version.split()[0]); print(torch.__version__); print(numpy.__version__)';
  for (const python of candidates) {
    const res = spawnSync(python, ['-c', probe], { encoding: 'utf8', timeout: 120_000 });
    if (res.status === 0) {
      const [executable, version, torch, numpy] = res.stdout.trim().split('\n');
      return { executable: executable!, version: version!, torch: torch!, numpy: numpy! };
    }
  }
  exitIfMissing(pythonPeerProblem(BENCH, candidates.at(-1)!, PYTORCH));
  exitIfMissing(`${BENCH} needs numpy beside PyTorch in ${candidates.at(-1)}: apt-get install -y python3-numpy`);
  throw new Error('unreachable');
}

exitIfMissing(natsServerProblem(BENCH));
const python = findPython();
const dataDir = process.env.SWEEP_DATA_DIR && existsSync(join(process.env.SWEEP_DATA_DIR, 'fashion-mnist')) ? join(process.env.SWEEP_DATA_DIR, 'fashion-mnist') : '/usr/share/datasets/fashion-mnist';
exitIfMissing(existsSync(join(dataDir, 'train-images-idx3-ubyte.gz')) ? null : `${BENCH} needs the Fashion-MNIST files in ${dataDir}: apt-get install -y dataset-fashion-mnist (or put them in $SWEEP_DATA_DIR/fashion-mnist/)`);

/** The environment of both sides: the torch python's directory first on PATH, unbuffered, no broker or state settings. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(python.executable)}:${process.env.PATH ?? ''}`, PYTHONUNBUFFERED: '1' };
  for (const k of ['NATS_URL', 'NATS_TOKEN', 'NATS_TOKEN_FILE', 'SWEEP_STATE_DIR', 'SWEEP_LOG_LEVEL', 'SWEEP_FROM_SOURCE']) delete env[k];
  for (const k of Object.keys(env)) if (/^SWEEP_(CHECKPOINT_DIR|RESUME_EPOCH|OUTPUT_DIR|METRICS|PARAMS|PARAM_)/.test(k)) delete env[k];
  if (args['from-source']) env.SWEEP_FROM_SOURCE = '1';
  return env;
}

// ---- the trial: the example's spec narrowed to one trial, and the same argv for the standalone run ----

interface ExampleSpec {
  name: string;
  trainer: { command: string[]; cwd?: string };
  parameters: Record<string, unknown>;
  seeds: number[];
  training: { epochs: number };
  quick?: unknown;
  [k: string]: unknown;
}
const example = YAML.parse(readFileSync(EXAMPLE_SPEC, 'utf8')) as ExampleSpec;
const values: Record<string, number> = { learning_rate: lr, dropout, train_size: trainSize, val_size: valSize, epochs, seed };

function trialSpec(): string {
  const spec: ExampleSpec = structuredClone(example);
  spec.name = 'command-overhead';
  spec.description = `bench:command: one trial of ${example.name}`;
  spec.trainer.cwd = EXAMPLE_DIR;
  spec.parameters = { ...spec.parameters, learning_rate: lr, dropout, train_size: trainSize, val_size: valSize };
  spec.seeds = [seed];
  spec.training = { ...spec.training, epochs };
  delete spec.quick;
  return YAML.stringify(spec);
}

/** The example's command with the trial's values in its placeholders (what the worker runs). */
const standaloneArgv = example.trainer.command.map((a) =>
  a.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`examples/pytorch/sweep.yaml: placeholder {${name}} this bench does not set`);
    return String(values[name]);
  }),
);

// ---- the runs ----

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
const rel = (t: number | null, t0: number): number | null => (t === null ? null : round((t - t0) / 1000));

/** Lines of a child's stream, each with the wall time (ms) it arrived at. */
function timedLines(stream: NodeJS.ReadableStream, onLine: (line: string, at: number) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (s: string) => {
    const at = Date.now();
    buf += s;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, nl), at);
      buf = buf.slice(nl + 1);
    }
  });
}

interface StandaloneRun {
  side: 'standalone';
  repeat: number;
  started_at: string;
  /** Seconds from spawn. */
  device_line_s: number | null;
  epoch_lines_s: number[];
  last_epoch_s: number;
  exit_s: number;
  /** train.py's own `seconds` per epoch. */
  epoch_seconds: number[];
  loadavg_1m: number;
}

async function runStandalone(repeat: number): Promise<StandaloneRun> {
  const [cmd, ...rest] = standaloneArgv;
  const loadavg = os.loadavg()[0]!;
  const t0 = Date.now();
  const child = spawn(cmd!, rest, { cwd: EXAMPLE_DIR, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let device: number | null = null;
  const lines: Array<{ at: number; metrics: Record<string, number> }> = [];
  let stderr = '';
  timedLines(child.stdout, (line, at) => {
    if (!line.startsWith('{')) return;
    const metrics = JSON.parse(line) as Record<string, number>;
    if (Number.isInteger(metrics.epoch)) lines.push({ at, metrics });
  });
  timedLines(child.stderr, (line, at) => {
    stderr += line + '\n';
    if (device === null && line.startsWith('device ')) device = at;
  });
  const code = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (c) => res(c));
  });
  const exitAt = Date.now();
  if (code !== 0 || lines.length !== epochs) throw new Error(`standalone run ${repeat}: exit ${code}, ${lines.length}/${epochs} epoch lines\n${stderr.slice(-2000)}`);
  return {
    side: 'standalone',
    repeat,
    started_at: new Date(t0).toISOString(),
    device_line_s: rel(device, t0),
    epoch_lines_s: lines.map((l) => rel(l.at, t0)!),
    last_epoch_s: rel(lines.at(-1)!.at, t0)!,
    exit_s: rel(exitAt, t0)!,
    epoch_seconds: lines.map((l) => l.metrics.seconds!),
    loadavg_1m: loadavg,
  };
}

interface SweepRun {
  side: 'sweep';
  repeat: number;
  started_at: string;
  /** Which code bin/sweep.js ran: dist/ (fresh stamp before and after the run), source, or mixed. */
  cli: 'dist' | 'source' | 'mixed';
  sweep_id: string;
  /** Seconds from the spawn of `sweep launch`. */
  broker_started_s: number | null;
  worker_first_log_s: number | null;
  worker_started_s: number | null;
  trial_started_s: number | null;
  command_started_s: number | null;
  device_line_s: number | null;
  epoch_events_s: number[];
  last_epoch_s: number;
  trial_finished_s: number | null;
  /** The coordinator's last progress line: it saw the trial terminal (then the leaderboard, the worker's stop). */
  follow_done_s: number | null;
  worker_stopped_s: number | null;
  exit_s: number;
  epoch_seconds: number[];
  trial_duration_ms: number | null;
  loadavg_1m: number;
  dir?: string;
}

interface LogLine {
  time: number;
  msg: string;
  stream?: string;
}
function logLines(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const l = JSON.parse(line) as LogLine;
      if (typeof l.time === 'number' && typeof l.msg === 'string') out.push(l);
    } catch {
      // not a log line
    }
  }
  return out;
}

/** The trial's record and epoch events, read back from the run's store with a nats-server of our own. */
async function readBack(dir: string, sweepId: string): Promise<{ epochAts: number[]; epochSeconds: number[]; durationMs: number | null; status: string; epochs: number }> {
  const server = await startEmbeddedServer({ storeDir: join(dir, '.sweep', 'nats') });
  try {
    const nc = await connectBroker({ url: server.url }, 'bench-command-overhead');
    try {
      const records = [...(await (await TrialStore.open(nc)).snapshot(sweepId)).values()];
      if (records.length !== 1) throw new Error(`sweep ${sweepId}: ${records.length} trial records, expected 1`);
      const record = records[0]!;
      const jsm = await nc.jetstreamManager();
      const info = await jsm.streams.info(EVENTS_STREAM);
      const epochAts = new Map<number, number>();
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq }).catch(() => null);
        if (!m) continue;
        for (const ev of decodeEventBatch(m.data, `events #${seq}`)) {
          if (ev.sweepId === sweepId && ev.type === 'epoch') epochAts.set(ev.metrics.epoch, Date.parse(ev.at));
        }
      }
      return {
        epochAts: [...epochAts.entries()].sort((a, b) => a[0] - b[0]).map(([, at]) => at),
        epochSeconds: record.epochs.map((e) => e.seconds ?? NaN),
        durationMs: record.durationMs,
        status: record.status,
        epochs: record.epochs.length,
      };
    } finally {
      await nc.close();
    }
  } finally {
    await server.stop();
  }
}

async function runSweep(repeat: number): Promise<SweepRun> {
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-command-'));
  const specFile = join(dir, 'command-overhead.yaml');
  writeFileSync(specFile, trialSpec());
  const freshBefore = stamp.distIsFresh(ROOT);
  const loadavg = os.loadavg()[0]!;
  const t0 = Date.now();
  const child = spawn(process.execPath, [SWEEP_BIN, 'launch', specFile, '--workers', '1', '--json', '--no-export'], { cwd: dir, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const code = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (c) => res(c));
  });
  const exitAt = Date.now();
  const freshAfter = stamp.distIsFresh(ROOT);
  try {
    if (code !== 0) throw new Error(`sweep run ${repeat}: sweep launch exited ${code} (kept ${dir})\n${stderr.slice(-3000)}`);
    const sweepId = (JSON.parse(stdout) as { sweepId: string }).sweepId;
    const coordinator = logLines(stderr);
    const workerLog = logLines(readFileSync(join(dir, '.sweep', 'logs', 'worker-1.log'), 'utf8'));
    const at = (lines: LogLine[], test: (l: LogLine) => boolean): number | null => lines.find(test)?.time ?? null;
    const back = await readBack(dir, sweepId);
    if (back.status !== 'COMPLETED' || back.epochs !== epochs || back.epochAts.length !== epochs) {
      throw new Error(`sweep run ${repeat}: trial ${back.status} with ${back.epochs}/${epochs} epochs and ${back.epochAts.length} epoch events (kept ${dir})`);
    }
    const fromSource = Boolean(args['from-source']);
    return {
      side: 'sweep',
      repeat,
      started_at: new Date(t0).toISOString(),
      cli: fromSource || (!freshBefore && !freshAfter) ? 'source' : freshBefore && freshAfter ? 'dist' : 'mixed',
      sweep_id: sweepId,
      broker_started_s: rel(at(coordinator, (l) => l.msg === 'started embedded nats-server'), t0),
      worker_first_log_s: rel(workerLog[0]?.time ?? null, t0),
      worker_started_s: rel(at(workerLog, (l) => l.msg === 'worker started'), t0),
      trial_started_s: rel(at(workerLog, (l) => l.msg === 'trial started' || l.msg === 'trial resumed from checkpoint'), t0),
      command_started_s: rel(at(workerLog, (l) => l.msg === 'trainer command started'), t0),
      device_line_s: rel(at(workerLog, (l) => l.stream === 'stderr' && l.msg.startsWith('device ')), t0),
      epoch_events_s: back.epochAts.map((a) => rel(a, t0)!),
      last_epoch_s: rel(back.epochAts.at(-1)!, t0)!,
      trial_finished_s: rel(at(workerLog, (l) => l.msg === 'trial finished'), t0),
      follow_done_s: rel(coordinator.filter((l) => l.msg === 'progress').at(-1)?.time ?? null, t0),
      worker_stopped_s: rel(at(workerLog, (l) => l.msg === 'worker stopped'), t0),
      exit_s: rel(exitAt, t0)!,
      epoch_seconds: back.epochSeconds,
      trial_duration_ms: back.durationMs,
      loadavg_1m: loadavg,
      ...(args.keep ? { dir } : {}),
    };
  } finally {
    if (!args.keep && code === 0) rmSync(dir, { recursive: true, force: true });
  }
}

// ---- main ----

const loadStart = os.loadavg();
const uptimeStart = spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
process.stderr.write(
  `${BENCH}: ${repeats} × (standalone, sweep) interleaved; ${epochs} epochs on ${trainSize}/${valSize} images, ${python.executable} (torch ${python.torch}); ` +
    `load ${loadStart.map((l) => l.toFixed(2)).join(' ')}; dist/ ${args['from-source'] ? 'not used (--from-source)' : stamp.distIsFresh(ROOT) ? 'fresh' : 'STALE: sources run through tsx (npm run build first)'}\n`,
);
const standalone: StandaloneRun[] = [];
const swept: SweepRun[] = [];
for (let i = 1; i <= repeats; i++) {
  const s = await runStandalone(i);
  standalone.push(s);
  process.stderr.write(`  standalone #${i}: last epoch line ${s.last_epoch_s.toFixed(2)} s, exit ${s.exit_s.toFixed(2)} s (load ${s.loadavg_1m.toFixed(2)})\n`);
  const w = await runSweep(i);
  swept.push(w);
  process.stderr.write(`  sweep      #${i}: last epoch event ${w.last_epoch_s.toFixed(2)} s, launch exit ${w.exit_s.toFixed(2)} s, command started ${w.command_started_s} s, cli ${w.cli} (load ${w.loadavg_1m.toFixed(2)})\n`);
}
const loadEnd = os.loadavg();
const uptimeEnd = spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();

const med = <T>(runs: readonly T[], f: (r: T) => number | null): number | null => {
  const xs = runs.map(f).filter((x): x is number => x !== null && Number.isFinite(x));
  return xs.length === runs.length ? round(median(xs)) : null;
};
const standaloneLast = med(standalone, (r) => r.last_epoch_s)!;
const sweepLast = med(swept, (r) => r.last_epoch_s)!;
const standaloneExit = med(standalone, (r) => r.exit_s)!;
const sweepExit = med(swept, (r) => r.exit_s)!;
const overheadPct = round((sweepLast / standaloneLast - 1) * 100, 2);
const exitOverheadPct = round((sweepExit / standaloneExit - 1) * 100, 2);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const clis = [...new Set(swept.map((r) => r.cli))];

const line =
  `COMMAND OVERHEAD: trial_s=${standaloneLast.toFixed(1)} standalone_median_s=${standaloneLast.toFixed(2)} sweep_median_s=${sweepLast.toFixed(2)} ` +
  `overhead_pct=${overheadPct.toFixed(2)} (to last epoch line) launch_exit_overhead_pct=${exitOverheadPct.toFixed(2)} repeats=${repeats} cli=${clis.join('+')}`;

const result = {
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    node: process.version,
    loadavg_start: loadStart,
    loadavg_end: loadEnd,
    uptime_start: uptimeStart,
    uptime_end: uptimeEnd,
  },
  python,
  settings: { epochs, train_size: trainSize, val_size: valSize, repeats, lr, dropout, seed, threads: 1, from_source: args['from-source'], argv: standaloneArgv, cwd: EXAMPLE_DIR },
  line,
  definition:
    'seconds from spawning the child to the last epoch line: standalone, when it arrives on the pipe; through sweep, the `at` of the last epoch event (after the checkpoint is stored and the record written). launch_exit: to the exit of python / of `sweep launch`.',
  trial_s: standaloneLast,
  standalone_median_s: standaloneLast,
  sweep_median_s: sweepLast,
  ratio: round(sweepLast / standaloneLast, 4),
  overhead_pct: overheadPct,
  overhead_s: round(sweepLast - standaloneLast),
  standalone_exit_median_s: standaloneExit,
  launch_exit_median_s: sweepExit,
  launch_exit_overhead_pct: exitOverheadPct,
  targets: { trial_at_least_60_s: standaloneLast >= 60, repeats_at_least_3: repeats >= 3, overhead_under_3_pct: overheadPct < 3 },
  cli: clis,
  /** Medians, seconds from spawn, of where the time goes. */
  breakdown: {
    standalone: {
      device_line_s: med(standalone, (r) => r.device_line_s),
      training_s: med(standalone, (r) => (r.device_line_s === null ? null : r.last_epoch_s - r.device_line_s)),
      epoch_seconds_sum: med(standalone, (r) => sum(r.epoch_seconds)),
      last_epoch_to_exit_s: med(standalone, (r) => r.exit_s - r.last_epoch_s),
    },
    sweep: {
      broker_started_s: med(swept, (r) => r.broker_started_s),
      worker_first_log_s: med(swept, (r) => r.worker_first_log_s),
      worker_started_s: med(swept, (r) => r.worker_started_s),
      trial_started_s: med(swept, (r) => r.trial_started_s),
      command_started_s: med(swept, (r) => r.command_started_s),
      device_line_s: med(swept, (r) => r.device_line_s),
      python_start_to_device_line_s: med(swept, (r) => (r.device_line_s === null || r.command_started_s === null ? null : r.device_line_s - r.command_started_s)),
      training_s: med(swept, (r) => (r.device_line_s === null ? null : r.last_epoch_s - r.device_line_s)),
      epoch_seconds_sum: med(swept, (r) => sum(r.epoch_seconds)),
      last_epoch_to_trial_finished_s: med(swept, (r) => (r.trial_finished_s === null ? null : r.trial_finished_s - r.last_epoch_s)),
      trial_finished_to_follow_done_s: med(swept, (r) => (r.trial_finished_s === null || r.follow_done_s === null ? null : r.follow_done_s - r.trial_finished_s)),
      follow_done_to_worker_stopped_s: med(swept, (r) => (r.follow_done_s === null || r.worker_stopped_s === null ? null : r.worker_stopped_s - r.follow_done_s)),
      worker_stopped_to_exit_s: med(swept, (r) => (r.worker_stopped_s === null ? null : r.exit_s - r.worker_stopped_s)),
      last_epoch_to_exit_s: med(swept, (r) => r.exit_s - r.last_epoch_s),
    },
  },
  runs: [...standalone, ...swept].sort((a, b) => a.started_at.localeCompare(b.started_at)),
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
const out = join('bench', 'results', `command-overhead-${result.date.slice(0, 19).replace(/[:T]/g, '-')}.json`);
writeFileSync(join(ROOT, out), JSON.stringify(result, null, 2) + '\n');
console.log(line);
console.log(`written ${out}`);
