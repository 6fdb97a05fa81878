/**
 * The two kinds of broker client, each with its own NATS user on a shared broker (docs/security.md): the
 * coordinator (launch, status, cancel, export, …) manages the resources; a worker only binds to them.
 */
export type BrokerRole = 'coordinator' | 'worker';

/**
 * Reply subjects (request replies, JetStream acks and deliveries) start with these, so each role's NATS user may
 * subscribe to its own replies only: a worker cannot read the replies the coordinator gets (sweep records,
 * stream listings). The permissions in deploy/k8s/base/nats/authorization.conf name the same prefixes.
 */
export const INBOX_PREFIXES: Readonly<Record<BrokerRole, string>> = {
  coordinator: '_INBOX_coordinator',
  worker: '_INBOX_worker',
};

/** Subject tokens separated by dots, without wildcards (NATS subject syntax). */
export const INBOX_PREFIX_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
