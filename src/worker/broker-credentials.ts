/**
 * The worker's environment without what lets a client into the broker (NATS_* credentials, TLS files, token
 * file). The processes a worker starts (command programs, trainer processes that may run a user's module) need
 * none of it, and the environment they are started with is readable from `/proc/<pid>/environ` by their uid.
 */
export function withoutBrokerCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('NATS_')));
}

/** Removes the NATS_* variables from `env` (the worker's own process.env, once its options were read from it). */
export function scrubBrokerCredentials(env: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(env)) if (name.startsWith('NATS_')) delete env[name];
}
