import { z } from 'zod';
import type { TrialConfig } from '../spec/types.js';
import type { EpochMetrics } from '../training/types.js';
import type { OnnxCheck } from '../report/types.js';
import { ATTEMPT_OUTCOMES, TRIAL_STATUSES, type TrialStateFields, type TrialStatus } from '../domain/trial-state.js';

export { isTerminal, TERMINAL_STATUSES } from '../domain/trial-state.js';
export type { AttemptRecord } from '../domain/trial-state.js';

/**
 * Versioned wire formats. Everything read from the broker is validated on receipt; a message that fails
 * validation is a MalformedMessageError (logged and terminated by the worker, never a crash).
 */
export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError';
}

const epochMetrics = z.object({
  epoch: z.number().int(),
  loss: z.number(),
  accuracy: z.number(),
  val_loss: z.number(),
  val_accuracy: z.number(),
  val_auc: z.number(),
  lr: z.number(),
  seconds: z.number(),
  images_per_sec: z.number(),
});

export const jobMessageSchema = z.object({
  v: z.literal(1),
  sweepId: z.string().min(1),
  trialId: z.string().min(1),
  index: z.number().int().nonnegative(),
  maxDeliver: z.number().int().positive(),
  checkpointEvery: z.number().int().nonnegative().optional(),
  publishedAt: z.number().optional(),
  fresh: z.boolean().optional(),
  // The config is validated structurally by the spec layer before it was published; here we check its envelope.
  config: z.object({ version: z.literal(1), model: z.object({ family: z.string() }).passthrough() }).passthrough(),
});
export interface JobMessage {
  v: 1;
  sweepId: string;
  trialId: string;
  index: number;
  maxDeliver: number;
  /** Save the training state every N epochs (0 = never); default 1. */
  checkpointEvery?: number;
  /** Epoch ms when the coordinator published it (queue-latency metrics). */
  publishedAt?: number;
  /** No record of this trial existed when it was published: its first delivery may defer the claim. */
  fresh?: boolean;
  config: TrialConfig;
}

export interface TrialResultRecord {
  stopReason: string;
  bestEpoch: number;
  weightsSha256: string;
  backend: string;
  classNames: string[];
  confusionMatrix: number[][];
  perClassAccuracy: number[];
  samples: { index: number; label: number; predicted: number; probabilities: number[] }[];
  sampleImages?: { shape: [number, number, number]; pixels: number[][] };
}

/** A trial's record: the state machine's fields (status, attempt, worker, times, history, jobSeq), and what it trained. */
export interface TrialRecord extends TrialStateFields {
  v: 1;
  sweepId: string;
  trialId: string;
  index: number;
  params: Record<string, string | number | boolean>;
  seed: number;
  epochs: EpochMetrics[];
  /** Newest first; at most KEEP_CHECKPOINTS. */
  checkpoints: CheckpointRefRecord[];
  result: TrialResultRecord | null;
  /** The resolved config, so export and reports need no spec file. */
  config: TrialConfig | null;
  /** Final trained weights in the sweep-models store. */
  model: BlobRefRecord | null;
  onnx: OnnxRecord | null;
}

export interface BlobRefRecord {
  name: string;
  sha256: string;
  bytes: number;
}

export interface CheckpointRefRecord extends BlobRefRecord {
  epoch: number;
}

export interface OnnxRecord extends OnnxCheck {
  ref: BlobRefRecord;
}

const attemptRecord = z.object({
  attempt: z.number(),
  worker: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  outcome: z.enum(ATTEMPT_OUTCOMES),
  resumeEpoch: z.number(),
  error: z.string().optional(),
  queueLatencyMs: z.number().optional(),
});

export const trialRecordSchema = z.object({
  v: z.literal(1),
  sweepId: z.string(),
  trialId: z.string(),
  index: z.number(),
  status: z.enum(TRIAL_STATUSES),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  seed: z.number(),
  attempt: z.number(),
  worker: z.string().nullable(),
  epochs: z.array(epochMetrics),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  heartbeatAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  error: z.string().nullable(),
  history: z.array(attemptRecord),
  checkpoints: z.array(z.object({ name: z.string(), epoch: z.number(), sha256: z.string(), bytes: z.number() })),
  jobSeq: z.number().int().optional(),
  result: z.any().nullable(),
  config: z.any().nullable(),
  model: z.object({ name: z.string(), sha256: z.string(), bytes: z.number() }).nullable(),
  onnx: z.any().nullable(),
});

export type SweepStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLED';

export interface SweepRecord {
  v: 1;
  id: string;
  name: string;
  specHash: string;
  specFile: string;
  /** The validated spec, so a relaunch with a changed spec can be shown what changed. */
  spec?: unknown;
  objective: { metric: string; goal: 'max' | 'min' };
  export: { top: number; format: 'onnx' } | null;
  trialCount: number;
  status: SweepStatus;
  createdAt: string;
  updatedAt: string;
  /** Canonical resolved trial list (id + swept params), for `leaderboard` and `status` without the spec file. */
  trials: { id: string; index: number }[] | null;
}

export const sweepRecordSchema = z.object({
  v: z.literal(1),
  id: z.string(),
  name: z.string(),
  specHash: z.string(),
  specFile: z.string(),
  spec: z.unknown().optional(),
  objective: z.object({ metric: z.string(), goal: z.enum(['max', 'min']) }),
  export: z.object({ top: z.number(), format: z.literal('onnx') }).nullable(),
  trialCount: z.number(),
  status: z.enum(['RUNNING', 'COMPLETED', 'CANCELLED']),
  createdAt: z.string(),
  updatedAt: z.string(),
  trials: z.array(z.object({ id: z.string(), index: z.number() })).nullable(),
});

export type TrialEvent =
  | { v: 1; type: 'started'; sweepId: string; trialId: string; worker: string; attempt: number; resumeEpoch: number; at: string; queueLatencyMs?: number }
  | { v: 1; type: 'epoch'; sweepId: string; trialId: string; worker: string; attempt?: number; metrics: EpochMetrics; totalEpochs: number; at: string }
  | { v: 1; type: 'finished'; sweepId: string; trialId: string; worker: string; status: TrialStatus; at: string; error?: string };

export const trialEventSchema = z.discriminatedUnion('type', [
  z.object({ v: z.literal(1), type: z.literal('started'), sweepId: z.string(), trialId: z.string(), worker: z.string(), attempt: z.number(), resumeEpoch: z.number(), at: z.string(), queueLatencyMs: z.number().optional() }),
  z.object({ v: z.literal(1), type: z.literal('epoch'), sweepId: z.string(), trialId: z.string(), worker: z.string(), attempt: z.number().optional(), metrics: epochMetrics, totalEpochs: z.number(), at: z.string() }),
  z.object({ v: z.literal(1), type: z.literal('finished'), sweepId: z.string(), trialId: z.string(), worker: z.string(), status: z.enum(TRIAL_STATUSES), at: z.string(), error: z.string().optional() }),
]);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Parses and validates; throws MalformedMessageError naming what was expected and what was wrong. */
export function decodeJson<T>(bytes: Uint8Array, schema: z.ZodType, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch (e) {
    throw new MalformedMessageError(`${what}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    throw new MalformedMessageError(`${what}: ${path}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data as T;
}

