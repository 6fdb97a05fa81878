// Offline checks of Kubernetes manifests: kustomize rendering, kubernetes-models schema validation and a
// kubernetes-types check by tsc (which also catches misspelled fields: the schemas allow unknown ones).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const REPO = resolve(import.meta.dirname, '..', '..');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export function renderKustomization(dir: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseManifests(out, dir);
}

export function parseManifests(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text).map((doc, i) => {
    if (doc.errors.length) throw new Error(`${source}: document ${i}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const obj = doc.toJS() as K8sObject | null;
    if (!obj || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
      throw new Error(`${source}: document ${i} is not a Kubernetes object (apiVersion and kind needed)`);
    }
    return obj;
  });
}

export const describeObject = (o: K8sObject) => `${o.apiVersion} ${o.kind} ${o.metadata?.name ?? '?'}`;

type ModelClass = (new (data: unknown) => { validate(): void }) & { apiVersion: string; kind: string };

/** kubernetes-models module of an apiVersion (KEDA from @kubernetes-models/keda). */
function modelModule(apiVersion: string): string {
  if (apiVersion.startsWith('keda.sh/')) return `@kubernetes-models/keda/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

/** Schema errors of one object by its kubernetes-models class; an unknown apiVersion/kind is an error too. */
export async function modelErrors(obj: K8sObject): Promise<string[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(modelModule(obj.apiVersion))) as Record<string, unknown>;
  } catch {
    return [`unknown apiVersion "${obj.apiVersion}"`];
  }
  const Model = mod[obj.kind] as ModelClass | undefined;
  if (typeof Model !== 'function' || Model.kind !== obj.kind || Model.apiVersion !== obj.apiVersion) {
    return [`no kind "${obj.kind}" in apiVersion "${obj.apiVersion}"`];
  }
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [e instanceof Error ? e.message : String(e)];
  }
}

/** Type of each kind in kubernetes-types (KEDA's from @kubernetes-models/keda), chosen by kind only so a
 *  wrong apiVersion shows up as a type error. */
const TYPE_OF_KIND: Record<string, string> = {
  Namespace: `import('kubernetes-types/core/v1.js').Namespace`,
  ConfigMap: `import('kubernetes-types/core/v1.js').ConfigMap`,
  Secret: `import('kubernetes-types/core/v1.js').Secret`,
  Service: `import('kubernetes-types/core/v1.js').Service`,
  Deployment: `import('kubernetes-types/apps/v1.js').Deployment`,
  StatefulSet: `import('kubernetes-types/apps/v1.js').StatefulSet`,
  Job: `import('kubernetes-types/batch/v1.js').Job`,
  PodDisruptionBudget: `import('kubernetes-types/policy/v1.js').PodDisruptionBudget`,
  NetworkPolicy: `import('kubernetes-types/networking/v1.js').NetworkPolicy`,
  ScaledObject: `import('@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject').IScaledObject`,
};

/**
 * Type-checks each object as a typed literal (`{...} satisfies Deployment`) with one tsc run; returns the
 * tsc errors per object (empty arrays for objects that check).
 */
export function typeErrors(objects: K8sObject[], label: string): string[][] {
  const dir = join(REPO, 'test-output', 'k8s-types', label);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = objects.map((o, i) => {
    const type = TYPE_OF_KIND[o.kind];
    const file = join(dir, `object-${i}.ts`);
    const body = type
      ? `export const object = ${JSON.stringify(o, null, 2)} satisfies ${type};\n`
      : `// no type known for kind ${o.kind}\nexport const object: never = ${JSON.stringify(o.kind)};\n`;
    writeFileSync(file, body);
    return file;
  });
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const res = spawnSync(
    process.execPath,
    [tsc, '--noEmit', '--strict', '--pretty', 'false', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', ...files],
    { cwd: REPO, encoding: 'utf8' },
  );
  const output = `${res.stdout}${res.stderr}`;
  if (res.status !== 0 && !/error TS/.test(output)) throw new Error(`tsc did not run: ${output}`);
  const lines = output.split('\n').filter((l) => /error TS/.test(l));
  return files.map((file) => {
    const name = file.slice(REPO.length + 1);
    return lines.filter((l) => l.startsWith(name + '(') || l.startsWith(file + '('));
  });
}

/** Every problem of every object: schema (kubernetes-models) and types (kubernetes-types via tsc). */
export async function validateAll(objects: K8sObject[], label: string): Promise<{ models: string[][]; types: string[][] }> {
  const models = await Promise.all(objects.map(modelErrors));
  return { models, types: typeErrors(objects, label) };
}
