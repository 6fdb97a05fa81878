import type { NatsConnection } from 'nats';
import { MODELS_BUCKET } from './names.js';
import { BlobStore } from './blob-store.js';
import type { BlobRef } from '../domain/blobs.js';

/** Carries the attempt: a zombie attempt (lease lost) can never overwrite the weights of the one that owns the trial. */
export const weightsName = (sweepId: string, trialId: string, attempt: number) => `${sweepId}/${trialId}/a${attempt}/weights`;
export const onnxName = (sweepId: string, trialId: string) => `${sweepId}/${trialId}/model.onnx`;

/** Final trained weights and exported ONNX models in the `sweep-models` object store. */
export class ModelStore {
  private constructor(private readonly blobs: BlobStore) {}

  static async open(nc: NatsConnection): Promise<ModelStore> {
    return new ModelStore(await BlobStore.open(nc, MODELS_BUCKET));
  }

  putWeights(sweepId: string, trialId: string, attempt: number, bytes: Uint8Array): Promise<BlobRef> {
    return this.blobs.put(weightsName(sweepId, trialId, attempt), bytes);
  }

  /** A model module's bundle (spec/module-bundle.ts), by the sha256 that trial configs name. */
  putModule(sha256: string, code: string): Promise<BlobRef> {
    return this.blobs.put(`modules/${sha256}.mjs`, new TextEncoder().encode(code));
  }

  /** The bundle, verified against its sha256; null when it is not stored. */
  async getModule(sha256: string): Promise<string | null> {
    const bytes = await this.blobs.get(`modules/${sha256}.mjs`, sha256);
    return bytes ? new TextDecoder().decode(bytes) : null;
  }

  /** The model.onnx a command trial's program wrote, by attempt like weights. */
  putProgramModel(sweepId: string, trialId: string, attempt: number, bytes: Uint8Array): Promise<BlobRef> {
    return this.blobs.put(`${sweepId}/${trialId}/a${attempt}/model.onnx`, bytes);
  }

  /** Removes a stored model object (an attempt whose fenced write was refused drops the weights no record names). */
  delete(ref: BlobRef): Promise<void> {
    return this.blobs.delete(ref.name);
  }

  /** Final weights, or a command trial's model.onnx: whatever the record's `model` names. */
  getWeights(ref: BlobRef): Promise<Uint8Array | null> {
    return this.blobs.get(ref.name, ref.sha256);
  }

  putOnnx(sweepId: string, trialId: string, bytes: Uint8Array): Promise<BlobRef> {
    return this.blobs.put(onnxName(sweepId, trialId), bytes);
  }

  getOnnx(ref: BlobRef): Promise<Uint8Array | null> {
    return this.blobs.get(ref.name, ref.sha256);
  }
}
