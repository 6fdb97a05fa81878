/** The sweeps of a torture run, all on one pool: A (sleep trials, extended once), V (one real tfjs trial), B (spin). */

export const TORTURE_POOL = 'torture';
/** A's lease; B asks for a shorter or a longer one, which must not change A's jobs. */
export const A_ACK_WAIT_S = 4;
export const A_EPOCHS = 16;
export const V_EPOCHS = 6;
export const B_EPOCHS = 6;
export const A_REPEATS = 6;
/** `launch --extend` adds repeats. */
export const A_EXTENDED_REPEATS = 8;

const execution = (ackWaitS: number) => `execution: { max_deliver: 5, ack_wait_s: ${ackWaitS}, pool: ${TORTURE_POOL} }`;

export function sweepASpec(repeats: number): string {
  return `name: torture-a
model: sleep
dataset: { name: synthetic, synthetic: { height: 4, width: 4, channels: 1, classes: 2, train_size: 4, validation_size: 4 } }
parameters:
  sleep_ms: 800
  learning_rate: { values: [0.001, 0.01] }
repeats: ${repeats / 2}
training: { epochs: ${A_EPOCHS} }
objective: { metric: val_loss, goal: min }
${execution(A_ACK_WAIT_S)}
`;
}

/** One tiny VGG (real tfjs, cpu backend): about a second per epoch, its weights depend on every step. */
export function sweepVSpec(): string {
  return `name: torture-v
model: vgg
dataset:
  name: synthetic
  validation: test
  synthetic: { height: 8, width: 8, channels: 1, classes: 2, train_size: 128, validation_size: 32, noise: 0.3 }
parameters: { regularizer: batchnorm, depth: 1, dense_units: 8, optimizer: adam, learning_rate: 0.003, batch_size: 32 }
training: { epochs: ${V_EPOCHS} }
objective: { metric: val_accuracy, goal: max }
${execution(A_ACK_WAIT_S)}
`;
}

/** The second sweep on the pool, with its own lease (trial IDs do not depend on it). */
export function sweepBSpec(ackWaitS: number): string {
  return `name: torture-b
model: spin
dataset: { name: synthetic, synthetic: { height: 4, width: 4, channels: 1, classes: 2, train_size: 4, validation_size: 4 } }
parameters:
  sleep_ms: 300
repeats: 2
training: { epochs: ${B_EPOCHS} }
objective: { metric: val_loss, goal: min }
${execution(ackWaitS)}
`;
}
