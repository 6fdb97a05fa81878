import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates } from '../helpers/certificates.js';
import { REPO, describeObject, parseManifests, renderKustomization, validateAll, type K8sObject } from './deploy-k8s-helpers.js';
import { JOBS_STREAM, consumerName } from '../../src/transport/names.js';
import { parseSpec } from '../../src/spec/load.js';

// Loose views of the rendered objects: they were validated against the schemas first.
interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }
interface Probe { httpGet?: { path: string; port: number | string } }
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  volumes?: {
    name: string;
    emptyDir?: { medium?: string };
    configMap?: { name: string };
    secret?: { secretName: string; items?: { key: string; path: string }[] };
  }[];
  tolerations?: { key?: string }[];
  nodeSelector?: Record<string, string>;
}
interface Workload extends K8sObject { spec: { template: { spec: PodSpec } } }

const OVERLAYS = ['gpu', 'cpu', 'cpu-tls'] as const;
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job']);

const rendered = new Map<string, K8sObject[]>();
function objectsOf(overlay: string): K8sObject[] {
  let objs = rendered.get(overlay);
  if (!objs) {
    objs = renderKustomization(join(REPO, 'deploy', 'k8s', 'overlays', overlay));
    rendered.set(overlay, objs);
  }
  return objs;
}
function find<T extends K8sObject = K8sObject>(objs: K8sObject[], kind: string, name: string): T {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind} ${name} missing from the rendered manifests`);
  return o as T;
}
const env = (c: Container, name: string) => c.env?.find((e) => e.name === name);
const workerContainer = (objs: K8sObject[]) => {
  const c = find<Workload>(objs, 'Deployment', 'sweep-worker').spec.template.spec.containers[0];
  assert.ok(c, 'worker Deployment has no container');
  return c;
};

/** Value following a flag in an argv list. */
function flagValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The image entrypoint (Dockerfile ENTRYPOINT + CMD) as exec-form arrays. */
function dockerfileExec(file: string, instruction: 'ENTRYPOINT' | 'CMD'): string[] {
  const line = readFileSync(join(REPO, file), 'utf8').split('\n').find((l) => l.startsWith(`${instruction} `));
  assert.ok(line, `${file} has no ${instruction}`);
  return JSON.parse(line.slice(instruction.length + 1)) as string[];
}

const helpCache = new Map<string, string>();
function sweepHelp(command: string | null): string {
  const key = command ?? '';
  let text = helpCache.get(key);
  if (text === undefined) {
    text = execFileSync(process.execPath, [join(REPO, 'bin', 'sweep.js'), ...(command ? [command] : []), '--help'], {
      encoding: 'utf8',
      env: { ...process.env, SWEEP_FROM_SOURCE: '1' },
    });
    helpCache.set(key, text);
  }
  return text;
}

/** Flags and environment variables a `sweep <command>` accepts, from its --help plus the global --help. */
function acceptedBy(command: string): { flags: Set<string>; envs: Set<string> } {
  const text = `${sweepHelp(null)}\n${sweepHelp(command)}`;
  return {
    flags: new Set([...text.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1]!)),
    envs: new Set([...text.matchAll(/env:\s+([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!)),
  };
}

/** sweep subcommand + its argv for a container, falling back on the image's ENTRYPOINT/CMD. */
function sweepInvocation(c: Container): { command: string; args: string[] } | null {
  const image = /^sweep-(gpu|cpu):/.exec(c.image)?.[1];
  if (!image && !c.command) return null;
  const dockerfile = `deploy/docker/Dockerfile.${image ?? 'cpu'}`;
  const entry = c.command ?? dockerfileExec(dockerfile, 'ENTRYPOINT');
  const argv = [...entry, ...(c.args ?? (c.command ? [] : dockerfileExec(dockerfile, 'CMD')))];
  const bin = argv.findIndex((a) => a.endsWith('bin/sweep.js'));
  if (bin < 0) return null;
  const command = argv[bin + 1];
  assert.ok(command, `${c.name}: no sweep subcommand in ${JSON.stringify(argv)}`);
  return { command, args: argv.slice(bin + 2) };
}

describe('deploy/k8s overlays', () => {
  test('every rendered object validates against the Kubernetes and KEDA schemas and types', async () => {
    for (const overlay of OVERLAYS) {
      const objs = objectsOf(overlay);
      const kinds = new Set(objs.map((o) => o.kind));
      for (const kind of ['StatefulSet', 'Service', 'Deployment', 'PodDisruptionBudget', 'ScaledObject', 'Job', 'NetworkPolicy', 'ConfigMap']) {
        assert.ok(kinds.has(kind), `${overlay}: no ${kind} rendered`);
      }
      const { models, types } = await validateAll(objs, overlay);
      objs.forEach((o, i) => {
        assert.deepEqual(models[i], [], `${overlay}: ${describeObject(o)} fails its schema`);
        assert.deepEqual(types[i], [], `${overlay}: ${describeObject(o)} fails its kubernetes-types check`);
      });
    }
  });

  test('the broken fixture fails validation, each defect by the checker expected to catch it', async () => {
    const objs = parseManifests(readFileSync(join(REPO, 'test', 'fixtures', 'k8s-broken', 'broken.yaml'), 'utf8'), 'broken.yaml');
    assert.ok(objs.length >= 5);
    const { models, types } = await validateAll(objs, 'broken');
    objs.forEach((o, i) => {
      const by = o.metadata.annotations?.['sweep.test/caught-by'];
      const what = `${describeObject(o)} (${o.metadata.annotations?.['sweep.test/defect']})`;
      if (by === 'models' || by === 'both') assert.notDeepEqual(models[i], [], `the schema check missed ${what}`);
      if (by === 'types' || by === 'both') assert.notDeepEqual(types[i], [], `the type check missed ${what}`);
      assert.ok(by, `${what}: annotate sweep.test/caught-by`);
    });
  });

  test('every pod (init containers too) runs non-root on a read-only root filesystem, without privileges, with resources', () => {
    for (const overlay of OVERLAYS) {
      for (const w of objectsOf(overlay).filter((o) => WORKLOAD_KINDS.has(o.kind)) as Workload[]) {
        const pod = w.spec.template.spec;
        const where = `${overlay}: ${describeObject(w)}`;
        assert.equal(pod.securityContext?.runAsNonRoot, true, `${where}: runAsNonRoot`);
        for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
          const isInit = !pod.containers.includes(c);
          assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${where}/${c.name}: allowPrivilegeEscalation`);
          assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${where}/${c.name}: readOnlyRootFilesystem`);
          assert.ok(c.securityContext?.capabilities?.drop?.includes('ALL'), `${where}/${c.name}: capabilities drop ALL`);
          assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${where}/${c.name}: cpu and memory requests`);
          assert.ok(c.resources?.limits?.memory, `${where}/${c.name}: memory limit`);
          const emptyDirs = new Set((pod.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
          const writable = (c.volumeMounts ?? []).filter((m) => emptyDirs.has(m.name)).map((m) => m.mountPath);
          if (c.image.startsWith('sweep-') && !isInit) assert.ok(writable.includes('/tmp'), `${where}/${c.name}: /tmp must be a writable emptyDir`);
        }
      }
    }
  });

  test('worker: probes on the --health-port, long drain grace, data dir on a volume; worker and coordinator creds from a Secret per role', () => {
    for (const overlay of OVERLAYS) {
      const objs = objectsOf(overlay);
      const pod = find<Workload>(objs, 'Deployment', 'sweep-worker').spec.template.spec;
      const c = workerContainer(objs);
      const healthPort = Number(flagValue(c.args ?? [], '--health-port'));
      assert.ok(healthPort > 0, `${overlay}: worker args need --health-port`);
      // These images have no interpreter for command trainers, and user code runs only where allowed on purpose.
      assert.ok(!(c.args ?? []).some((a) => a.startsWith('--allow-command') || a.startsWith('--allow-module')), `${overlay}: user code is allowed explicitly, not by default`);
      assert.ok(!c.env?.some((e) => e.name === 'SWEEP_ALLOW_COMMAND' || e.name === 'SWEEP_ALLOW_MODULE'), `${overlay}: no allow-* by environment either`);
      const portNumber = (p: number | string | undefined) => (typeof p === 'number' ? p : c.ports?.find((x) => x.name === p)?.containerPort);
      assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
      assert.equal(portNumber(c.livenessProbe?.httpGet?.port), healthPort, `${overlay}: liveness probe port`);
      assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
      assert.equal(portNumber(c.readinessProbe?.httpGet?.port), healthPort, `${overlay}: readiness probe port`);
      assert.ok((pod.terminationGracePeriodSeconds ?? 30) >= 600, `${overlay}: grace period must cover an epoch's drain`);
      const dataDir = env(c, 'SWEEP_DATA_DIR')?.value;
      assert.ok(dataDir && c.volumeMounts?.some((m) => m.mountPath === dataDir), `${overlay}: SWEEP_DATA_DIR must be a mounted volume`);
      const natsEnv = find<Workload>(objs, 'StatefulSet', 'nats').spec.template.spec.containers[0]?.env;
      // Each role has its own NATS user and Secret; the server reads both Secrets (authorization.conf).
      const secretKeys = (role: string) => [['NATS_USER', `SWEEP_${role.toUpperCase()}_USER`], ['NATS_PASSWORD', `SWEEP_${role.toUpperCase()}_PASSWORD`]] as const;
      const coordinator = find<Workload>(objs, 'Job', 'sweep-coordinator').spec.template.spec.containers[0]!;
      for (const [name, serverName] of secretKeys('coordinator')) {
        const ref = env(coordinator, name)?.valueFrom?.secretKeyRef;
        assert.ok(ref, `${overlay}: coordinator ${name} must come from a Secret`);
        assert.equal(ref.name, 'sweep-nats-coordinator', `${overlay}: the coordinator has a Secret of its own`);
        assert.deepEqual(ref, natsEnv?.find((e) => e.name === serverName)?.valueFrom?.secretKeyRef, `${overlay}: coordinator ${name} and NATS's ${serverName} must be the same Secret key`);
      }
      // The worker runs trial programs as its uid: its credentials are files it deletes once connected (docs/security.md).
      const credentialsDir = env(c, 'SWEEP_CREDENTIALS_DIR')?.value;
      assert.ok(credentialsDir, `${overlay}: the worker reads its credentials from --credentials-dir`);
      for (const name of ['NATS_USER', 'NATS_PASSWORD', 'NATS_TOKEN', 'NATS_CREDS', 'NATS_KEY']) assert.equal(env(c, name), undefined, `${overlay}: no ${name} in the worker's environment`);
      const volume = (name: string) => pod.volumes?.find((v) => v.name === name);
      const mountOf = (container: Container, path: string) => container.volumeMounts?.find((m) => m.mountPath === path);
      const credentialsMount = mountOf(c, credentialsDir);
      assert.equal(volume(credentialsMount?.name ?? '')?.emptyDir?.medium, 'Memory', `${overlay}: ${credentialsDir} is an in-memory emptyDir`);
      const secretVolumes = (pod.volumes ?? []).filter((v) => v.secret?.secretName === 'sweep-nats-worker');
      assert.equal(secretVolumes.length, 1, `${overlay}: the worker Secret is one volume`);
      assert.ok(!c.volumeMounts?.some((m) => m.name === secretVolumes[0]!.name), `${overlay}: the worker container does not mount the Secret`);
      const init = pod.initContainers?.find((i) => i.volumeMounts?.some((m) => m.name === secretVolumes[0]!.name));
      assert.ok(init, `${overlay}: an init container copies the Secret`);
      assert.ok(init.volumeMounts?.some((m) => m.name === credentialsMount!.name), `${overlay}: the init container fills the worker's credentials folder`);
      const secretMount = init.volumeMounts!.find((m) => m.name === secretVolumes[0]!.name)!.mountPath;
      const copyTo = credentialsMount!.mountPath;
      for (const [name, serverName] of secretKeys('worker')) {
        const item = secretVolumes[0]!.secret!.items?.find((i) => i.path === name);
        assert.deepEqual({ name: 'sweep-nats-worker', key: item?.key }, natsEnv?.find((e) => e.name === serverName)?.valueFrom?.secretKeyRef, `${overlay}: worker ${name} and NATS's ${serverName} must be the same Secret key`);
        assert.ok(init.command?.includes(`${secretMount}/${name}`), `${overlay}: the init container copies ${name}`);
      }
      assert.equal(init.command?.at(-1)?.replace(/\/$/, ''), copyTo, `${overlay}: into the worker's credentials folder`);
      const url = new URL(env(c, 'NATS_URL')?.value ?? 'missing://');
      const svc = find<K8sObject & { spec: { ports: { port: number }[] } }>(objs, 'Service', url.hostname);
      assert.ok(svc.spec.ports.some((p) => p.port === Number(url.port)), `${overlay}: NATS_URL port ${url.port} not on Service ${url.hostname}`);
    }
  });

  test('gpu overlay asks for one NVIDIA GPU per worker; cpu overlay for none', () => {
    const gpu = objectsOf('gpu');
    const c = workerContainer(gpu);
    assert.equal(c.resources?.limits?.['nvidia.com/gpu'], '1');
    const pod = find<Workload>(gpu, 'Deployment', 'sweep-worker').spec.template.spec;
    assert.ok(pod.tolerations?.some((t) => t.key === 'nvidia.com/gpu'), 'gpu workers tolerate the nvidia.com/gpu taint');
    assert.ok(pod.nodeSelector && Object.keys(pod.nodeSelector).length > 0, 'gpu workers select GPU nodes');
    assert.equal(env(c, 'SWEEP_BACKEND')?.value, 'tensorflow');
    assert.match(c.image, /^sweep-gpu:/);
    assert.doesNotMatch(JSON.stringify(objectsOf('cpu')), /nvidia\.com\/gpu/);
    assert.equal(env(workerContainer(objectsOf('cpu')), 'SWEEP_BACKEND')?.value, 'wasm');
  });

  test('KEDA scales the worker Deployment from 0 on the pool consumer of SWEEP_JOBS', () => {
    for (const overlay of OVERLAYS) {
      const objs = objectsOf(overlay);
      type Scaled = K8sObject & {
        spec: { scaleTargetRef: { name: string }; minReplicaCount: number; maxReplicaCount: number; triggers: { type: string; metadata: Record<string, string> }[] };
      };
      const so = find<Scaled>(objs, 'ScaledObject', 'sweep-worker');
      assert.equal(so.spec.minReplicaCount, 0, `${overlay}: scale to zero`);
      assert.ok(so.spec.maxReplicaCount >= 1);
      find(objs, 'Deployment', so.spec.scaleTargetRef.name);
      const trigger = so.spec.triggers.find((t) => t.type === 'nats-jetstream');
      assert.ok(trigger, `${overlay}: nats-jetstream trigger`);
      const pool = env(workerContainer(objs), 'SWEEP_POOL')?.value ?? 'default';
      assert.equal(trigger.metadata['stream'], JOBS_STREAM);
      assert.equal(trigger.metadata['consumer'], consumerName(pool));
      assert.equal(trigger.metadata['account'], '$G');
      assert.ok(Number(trigger.metadata['lagThreshold']) >= 1);
      const [host, port] = (trigger.metadata['natsServerMonitoringEndpoint'] ?? '').split(':');
      const [svcName, namespace] = (host ?? '').split('.');
      const svc = find<K8sObject & { spec: { ports: { port: number }[] } }>(objs, 'Service', svcName ?? '');
      assert.equal(namespace, svc.metadata.namespace, 'monitoring endpoint names the Service namespace (KEDA runs elsewhere)');
      assert.ok(svc.spec.ports.some((p) => p.port === Number(port)), `monitoring port ${port} on Service ${svcName}`);
    }
  });

  test('NetworkPolicies: default deny, clients egress to NATS only, NATS ingress only from clients and KEDA', () => {
    for (const overlay of OVERLAYS) {
      type Policy = K8sObject & { spec: { podSelector: Record<string, unknown>; policyTypes: string[]; egress?: unknown[]; ingress?: unknown[] } };
      const objs = objectsOf(overlay);
      const deny = find<Policy>(objs, 'NetworkPolicy', 'default-deny');
      assert.deepEqual(deny.spec.podSelector, {});
      assert.deepEqual([...deny.spec.policyTypes].sort(), ['Egress', 'Ingress']);
      assert.equal(deny.spec.ingress, undefined);
      assert.equal(deny.spec.egress, undefined);
      const egress = JSON.stringify(find<Policy>(objs, 'NetworkPolicy', 'sweep-clients-egress').spec);
      assert.match(egress, /"worker","coordinator"/);
      assert.doesNotMatch(egress, /ipBlock/, 'clients reach no addresses outside the cluster');
      const ingress = find<Policy>(objs, 'NetworkPolicy', 'nats-ingress');
      assert.equal(ingress.spec.ingress?.length, 3);
      assert.match(JSON.stringify(ingress.spec.ingress?.[1]), /"kubernetes.io\/metadata.name":"keda".*"port":8222/);
      assert.match(JSON.stringify(ingress.spec.ingress?.[2]), /"app.kubernetes.io\/name":"nats".*"port":6222/, 'routes only between NATS pods');
      const routes = JSON.stringify(find<Policy>(objs, 'NetworkPolicy', 'nats-routes-egress').spec);
      assert.doesNotMatch(routes, /ipBlock/);
    }
  });

  test('NATS is a 3-node cluster: routes over the headless Service, one pod per node, at most one down at a time', () => {
    for (const overlay of OVERLAYS) {
      const objs = objectsOf(overlay);
      const sts = find<Workload & { spec: { replicas?: number; podManagementPolicy?: string; serviceName?: string } }>(objs, 'StatefulSet', 'nats');
      assert.equal(sts.spec.replicas, 3);
      assert.equal(sts.spec.podManagementPolicy, 'Parallel', 'the pods need each other to form the cluster');
      const pod = sts.spec.template.spec as { affinity?: { podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: Array<{ topologyKey: string }> } } };
      assert.equal(pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0]?.topologyKey, 'kubernetes.io/hostname');
      const pdb = find<K8sObject & { spec: { maxUnavailable?: number; selector: { matchLabels: Record<string, string> } } }>(objs, 'PodDisruptionBudget', 'nats');
      assert.equal(pdb.spec.maxUnavailable, 1);
      const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nats-config')) as K8sObject & { data: Record<string, string> };
      const routes = [...(cm.data['nats.conf'] ?? '').matchAll(/nats-route:\/\/(nats-\d)\.([a-z-]+):6222/g)];
      assert.deepEqual(routes.map((m) => m[1]), ['nats-0', 'nats-1', 'nats-2']);
      assert.ok(routes.every((m) => m[2] === sts.spec.serviceName), 'routes name the StatefulSet\'s headless Service');
      const headless = find<K8sObject & { spec: { clusterIP?: string; ports: { port: number }[] } }>(objs, 'Service', sts.spec.serviceName ?? '');
      assert.equal(headless.spec.clusterIP, 'None');
      assert.ok(headless.spec.ports.some((p) => p.port === 6222));
      assert.match(cm.data['nats.conf'] ?? '', /lame_duck_duration/);
    }
  });

  test('coordinator Job launches the ConfigMap spec with --workers 0, and that spec is valid', () => {
    for (const overlay of OVERLAYS) {
      const objs = objectsOf(overlay);
      const job = find<Workload>(objs, 'Job', 'sweep-coordinator');
      const c = job.spec.template.spec.containers[0];
      assert.ok(c);
      const inv = sweepInvocation(c);
      assert.equal(inv?.command, 'launch');
      assert.equal(flagValue(inv.args, '--workers'), '0');
      const specPath = inv.args[0] ?? '';
      const mount = c.volumeMounts?.find((m) => specPath.startsWith(`${m.mountPath}/`));
      assert.ok(mount, `${overlay}: spec ${specPath} is not on a mounted volume`);
      const cmName = job.spec.template.spec.volumes?.find((v) => v.name === mount.name)?.configMap?.name ?? '';
      const cm = find<K8sObject & { data: Record<string, string> }>(objs, 'ConfigMap', cmName);
      const text = cm.data[specPath.slice(mount.mountPath.length + 1)];
      assert.ok(text, `${overlay}: ConfigMap ${cmName} lacks ${specPath}`);
      assert.ok(parseSpec(text, specPath).trials.length > 0);
    }
  });

  test('every sweep flag and environment variable in the manifests and images exists in the CLI', () => {
    const invocations: { where: string; command: string; args: string[]; env: string[] }[] = [];
    for (const overlay of OVERLAYS) {
      for (const w of objectsOf(overlay).filter((o) => WORKLOAD_KINDS.has(o.kind)) as Workload[]) {
        for (const c of w.spec.template.spec.containers) {
          const inv = sweepInvocation(c);
          if (inv) invocations.push({ where: `${overlay}: ${describeObject(w)}`, ...inv, env: (c.env ?? []).map((e) => e.name) });
        }
      }
    }
    for (const file of ['deploy/docker/Dockerfile.gpu', 'deploy/docker/Dockerfile.cpu', 'deploy/docker/command-worker.Dockerfile']) {
      const argv = [...dockerfileExec(file, 'ENTRYPOINT'), ...dockerfileExec(file, 'CMD')];
      const envs = [...readFileSync(join(REPO, file), 'utf8').matchAll(/\b(SWEEP_[A-Z_]+|NATS_[A-Z_]+)=/g)].map((m) => m[1]!);
      invocations.push({ where: file, command: argv[2] ?? '', args: argv.slice(3), env: envs });
    }
    assert.ok(invocations.length >= 4);
    for (const inv of invocations) {
      const accepted = acceptedBy(inv.command);
      for (const flag of inv.args.filter((a) => a.startsWith('--'))) {
        assert.ok(accepted.flags.has(flag), `${inv.where}: \`sweep ${inv.command} ${flag}\` is not in \`sweep ${inv.command} --help\``);
      }
      for (const name of inv.env.filter((n) => /^(SWEEP|NATS)_/.test(n))) {
        assert.ok(accepted.envs.has(name), `${inv.where}: env ${name} is read by no option of \`sweep ${inv.command}\``);
      }
    }
  });
});

describe('deploy/docker images', () => {
  const dockerfiles = ['deploy/docker/Dockerfile.gpu', 'deploy/docker/Dockerfile.cpu', 'deploy/docker/command-worker.Dockerfile'];

  test('Node major in every image = package.json engines = this Node', () => {
    const engines = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const major = /(\d+)/.exec(engines)?.[1];
    assert.equal(major, '20');
    assert.equal(process.versions.node.split('.')[0], major);
    for (const file of dockerfiles) {
      const text = readFileSync(join(REPO, file), 'utf8');
      const nodeImages = [...text.matchAll(/node:(\d+)[.\d]*-/g)].map((m) => m[1]);
      assert.ok(nodeImages.length > 0, `${file}: no node:<version> image`);
      for (const m of nodeImages) assert.equal(m, major, `${file}: node:${m} ≠ engines ${engines}`);
    }
    assert.match(readFileSync(join(REPO, dockerfiles[0]!), 'utf8'), /nvidia\/cuda:11\.2\.\d+-cudnn8-runtime/);
  });

  test('images run as the pods\' non-root UID, start `sweep worker`, and COPY only what .dockerignore lets in', () => {
    const allowed = readFileSync(join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/\*\*$/, ''));
    const workerUid = (find<Workload>(objectsOf('cpu'), 'Deployment', 'sweep-worker').spec.template.spec.securityContext?.runAsUser);
    for (const file of dockerfiles) {
      const text = readFileSync(join(REPO, file), 'utf8');
      assert.deepEqual(dockerfileExec(file, 'ENTRYPOINT'), ['node', 'bin/sweep.js', 'worker']);
      const users = [...text.matchAll(/^USER (\d+)(?::\d+)?$/gm)].map((m) => Number(m[1]));
      assert.equal(users.length, 1, `${file}: one numeric USER`);
      assert.ok(users[0]! > 0);
      assert.equal(users[0], workerUid, `${file}: USER matches the pods' runAsUser`);
      for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
        for (const src of m[1]!.split(/\s+/)) {
          assert.ok(existsSync(join(REPO, src)), `${file}: COPY ${src} does not exist`);
          assert.ok(allowed.includes(src), `${file}: COPY ${src} is excluded by .dockerignore`);
        }
      }
    }
  });
});

/** The rendered nats-config ConfigMap's files, written to a temp folder (as the StatefulSet mounts them at /etc/nats). */
/** What the StatefulSet puts in the NATS container's environment (the downward API and the two role Secrets). */
const SERVER_ENV = {
  POD_NAME: 'nats-0',
  SWEEP_COORDINATOR_USER: 'c',
  SWEEP_COORDINATOR_PASSWORD: 'cp',
  SWEEP_WORKER_USER: 'w',
  SWEEP_WORKER_PASSWORD: 'wp',
};

function writeNatsConfig(overlay: (typeof OVERLAYS)[number], dir: string, rewrite: (text: string) => string = (t) => t): { conf: string; data: Record<string, string> } {
  const cm = objectsOf(overlay).find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nats-config')) as (K8sObject & { data: Record<string, string> }) | undefined;
  assert.ok(cm?.data['nats.conf']);
  for (const [name, text] of Object.entries(cm.data)) writeFileSync(join(dir, name), rewrite(text));
  return { conf: join(dir, 'nats.conf'), data: cm.data };
}

describe('deploy/k8s nats.conf', () => {
  test('nats-server accepts the rendered config with the env the StatefulSet provides, and rejects it without', (t) => {
    const server = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p));
    if (!server) return t.skip('nats-server not installed (apt-get install -y nats-server)');
    const dir = mkdtempSync(join(tmpdir(), 'nats-conf-'));
    try {
      const { conf, data } = writeNatsConfig('cpu', dir);
      const cm = { data };
      const baseEnv = { PATH: process.env.PATH ?? '' };
      const ok = spawnSync(server, ['-t', '-c', conf], { env: { ...baseEnv, ...SERVER_ENV }, encoding: 'utf8' });
      assert.equal(ok.status, 0, `${ok.stdout}${ok.stderr}`);
      const bad = spawnSync(server, ['-t', '-c', conf], { env: baseEnv, encoding: 'utf8' });
      assert.notEqual(bad.status, 0);
      assert.match(`${bad.stdout}${bad.stderr}`, /can not be found/);
      assert.match(cm.data['nats.conf'] ?? '', /listen: 0\.0\.0\.0:4222/);
      assert.match(cm.data['nats.conf'] ?? '', /http: 0\.0\.0\.0:8222/);
      assert.match(cm.data['nats.conf'] ?? '', /^include \.\/authorization\.conf$/m, 'the per-role users come from the file the permissions test runs');
      assert.equal(cm.data['authorization.conf'], readFileSync(join(REPO, 'deploy', 'k8s', 'base', 'nats', 'authorization.conf'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with components/tls, nats-server accepts client and route TLS with certificates at the mounted paths', (t) => {
    const server = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p));
    if (!server) return t.skip('nats-server not installed (apt-get install -y nats-server)');
    const dir = mkdtempSync(join(tmpdir(), 'nats-tls-conf-'));
    try {
      const certs = makeCertificates(dir);
      const { conf, data } = writeNatsConfig('cpu-tls', dir, (text) =>
        text.replaceAll('/etc/nats/tls/tls.crt', certs.cert).replaceAll('/etc/nats/tls/tls.key', certs.key).replaceAll('/etc/nats/tls/ca.crt', certs.ca),
      );
      assert.match(data['tls.conf'] ?? '', /tls \{[^}]*cert_file: \/etc\/nats\/tls\/tls\.crt/);
      assert.match(data['cluster-tls.conf'] ?? '', /verify: true/, 'routes verify each other');
      const ok = spawnSync(server, ['-t', '-c', conf], { env: { PATH: process.env.PATH ?? '', ...SERVER_ENV }, encoding: 'utf8' });
      assert.equal(ok.status, 0, `${ok.stdout}${ok.stderr}`);
      // The certificate paths are where the StatefulSet mounts the Secret; clients verify with its ca.crt.
      const objs = objectsOf('cpu-tls');
      const nats = find<Workload>(objs, 'StatefulSet', 'nats').spec.template.spec;
      const mount = nats.containers[0]?.volumeMounts?.find((m) => m.mountPath === '/etc/nats/tls');
      assert.equal(nats.volumes?.find((v) => v.name === mount?.name)?.secret?.secretName, 'sweep-nats-tls');
      for (const [kind, name] of [['Deployment', 'sweep-worker'], ['Job', 'sweep-coordinator']] as const) {
        const pod = find<Workload>(objs, kind, name).spec.template.spec;
        const c = pod.containers[0]!;
        assert.match(env(c, 'NATS_URL')?.value ?? '', /^tls:\/\//, `${name} connects with TLS`);
        const ca = env(c, 'NATS_CA')?.value ?? '';
        const caMount = c.volumeMounts?.find((m) => ca.startsWith(`${m.mountPath}/`));
        assert.equal(pod.volumes?.find((v) => v.name === caMount?.name)?.secret?.secretName, 'sweep-nats-tls', `${name}: NATS_CA from the Secret`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('components/cert-manager issues sweep-nats-tls for the client Service and every route name', () => {
    const objs = renderKustomization(join(REPO, 'test', 'fixtures', 'k8s-cert-manager'));
    const cert = objs.find((o) => o.kind === 'Certificate' && o.metadata.name === 'sweep-nats-tls') as (K8sObject & { spec: { secretName: string; dnsNames: string[] } }) | undefined;
    assert.ok(cert, 'a Certificate sweep-nats-tls');
    assert.equal(cert.spec.secretName, 'sweep-nats-tls');
    for (const name of ['nats', 'nats.sweep.svc', '*.nats-headless']) assert.ok(cert.spec.dnsNames.includes(name), `dnsNames has ${name}`);
  });
});
