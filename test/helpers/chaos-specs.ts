/** Sweep specs (YAML text) for the fault-tolerance and chaos tests. */

export function sleepSpec(name: string, o: { sleepMs: number; epochs: number; maxDeliver: number; ackWaitS: number; repeats?: number; model?: 'sleep' | 'spin' }): string {
  return `name: ${name}
model: ${o.model ?? 'sleep'}
dataset: { name: synthetic, synthetic: { height: 4, width: 4, channels: 1, classes: 2, train_size: 4, validation_size: 4 } }
parameters:
  sleep_ms: ${o.sleepMs}
repeats: ${o.repeats ?? 1}
training: { epochs: ${o.epochs} }
objective: { metric: val_loss, goal: min }
execution: { max_deliver: ${o.maxDeliver}, ack_wait_s: ${o.ackWaitS} }
`;
}

/** A tiny VGG on 8×8×1 synthetic images: an epoch takes about a second on the pure-JS cpu backend. */
export function tinyVggSpec(name: string, o: { epochs: number; repeats: number; maxDeliver: number; ackWaitS: number }): string {
  return `name: ${name}
model: vgg
dataset:
  name: synthetic
  validation: test
  synthetic: { height: 8, width: 8, channels: 1, classes: 2, train_size: 128, validation_size: 32, noise: 0.3 }
parameters:
  regularizer: { values: [batchnorm, dropout] }
  depth: 1
  dense_units: 8
  optimizer: adam
  learning_rate: 0.003
  batch_size: 32
repeats: ${o.repeats}
training:
  epochs: ${o.epochs}
objective: { metric: val_accuracy, goal: max }
execution: { max_deliver: ${o.maxDeliver}, ack_wait_s: ${o.ackWaitS} }
`;
}

/** One tiny VGG trial (batchnorm, adam) on 8×8×1 synthetic images: about a second per epoch on the cpu backend. */
export function oneVggTrialSpec(name: string, o: { epochs: number; trainSize: number; maxDeliver: number; ackWaitS: number }): string {
  return `name: ${name}
model: vgg
dataset:
  name: synthetic
  validation: test
  synthetic: { height: 8, width: 8, channels: 1, classes: 2, train_size: ${o.trainSize}, validation_size: 32, noise: 0.3 }
parameters: { regularizer: batchnorm, depth: 1, dense_units: 8, optimizer: adam, learning_rate: 0.003, batch_size: 32 }
training: { epochs: ${o.epochs} }
objective: { metric: val_accuracy, goal: max }
execution: { max_deliver: ${o.maxDeliver}, ack_wait_s: ${o.ackWaitS} }
`;
}
