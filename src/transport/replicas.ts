import type { JetStreamManager, NatsConnection } from 'nats';
import { SweepError } from '../domain/errors.js';

/** How many copies JetStream keeps of each stream and bucket: 3 on a cluster of 3 or more servers, else 1. */
export const CLUSTER_REPLICAS = 3;

/** The replicas asked for cannot be had on this broker: nothing is created or published. */
export class ReplicasUnavailableError extends SweepError {}

/** JetStream refused to change a resource's replicas in place. */
export class ReplicasUpdateError extends SweepError {}

/**
 * The servers of the broker's JetStream cluster, as the server this client is connected to reports them: its
 * INFO names a cluster and lists every member's client URL (itself included); a single server names none.
 */
export function clusterSize(nc: NatsConnection): number {
  const info = nc.info;
  if (!info?.cluster) return 1;
  return Math.max(1, new Set(info.connect_urls ?? []).size);
}

/** What ensureResources asks for: replicas to create with, and whether existing resources are brought to them. */
export interface ReplicaPlan {
  replicas: number;
  /** Given explicitly (--replicas): existing resources with other replicas are updated in place. */
  enforce: boolean;
}

/**
 * `requested` (--replicas) when the cluster has that many servers, else a ReplicasUnavailableError that says how
 * to fix it; without a request, 3 on a cluster of 3 or more and 1 otherwise, for new resources only.
 */
export function replicaPlan(nc: NatsConnection, requested?: number): ReplicaPlan {
  const size = clusterSize(nc);
  if (requested === undefined) return { replicas: size >= CLUSTER_REPLICAS ? CLUSTER_REPLICAS : 1, enforce: false };
  if (!Number.isInteger(requested) || requested < 1 || requested > 5) {
    throw new ReplicasUnavailableError(`--replicas ${requested}: JetStream keeps 1 to 5 replicas; use 1, or 3 on a cluster of three servers`);
  }
  if (requested > size) {
    const what = size === 1 ? `a single server (${nc.info?.server_name ?? 'no cluster'})` : `a cluster of ${size} servers (${nc.info?.cluster ?? ''})`;
    throw new ReplicasUnavailableError(
      `--replicas ${requested} needs a JetStream cluster of at least ${requested} servers, but the broker is ${what}: ` +
        `connect to a cluster (see deploy/k8s), or use --replicas ${size === 1 ? 1 : Math.min(size, requested)}`,
    );
  }
  return { replicas: requested, enforce: true };
}

/** Brings an existing stream (or a bucket's stream, KV_<name> / OBJ_<name>) to the plan's replicas when enforced. */
export async function updateReplicas(jsm: JetStreamManager, stream: string, plan: ReplicaPlan): Promise<void> {
  if (!plan.enforce) return;
  const info = await jsm.streams.info(stream);
  if (info.config.num_replicas === plan.replicas) return;
  try {
    await jsm.streams.update(stream, { ...info.config, num_replicas: plan.replicas });
  } catch (e) {
    throw new ReplicasUpdateError(
      `stream ${stream} has ${info.config.num_replicas} replica(s) and JetStream refused to change it to ${plan.replicas}: ${(e as Error).message}. ` +
        'Its data stays as it is; back it up and recreate it, or launch with the replicas it has',
      { cause: e },
    );
  }
}
