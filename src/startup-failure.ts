/**
 * Why the service could not start, as one line for the operator: what went wrong and which
 * setting fixes it. Configuration and weights errors already say so; the listening socket's
 * errors are translated from their codes. Anything else keeps its own message (the stack only
 * at debug level), never a multi-line trace by default.
 */
import { ConfigError } from './config.js';
import { WeightsError } from './model/weights/types.js';

interface SystemError {
  code?: string;
  syscall?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

export interface ListenTarget {
  readonly HOST: string;
  readonly PORT: number;
}

function listenProblem(err: SystemError, target: ListenTarget): string | undefined {
  const host = err.address ?? err.hostname ?? target.HOST;
  const port = err.port ?? target.PORT;
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use on ${host} (EADDRINUSE); set PORT to a free port or stop the process that holds it`;
    case 'EACCES':
      return `no permission to listen on port ${port} (EACCES); set PORT to 1024 or above, or give the process CAP_NET_BIND_SERVICE`;
    case 'EADDRNOTAVAIL':
      return `HOST ${host} is not an address of this machine (EADDRNOTAVAIL); set HOST to one of its addresses, or 0.0.0.0 for all of them`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return err.syscall === 'getaddrinfo'
        ? `HOST ${host} does not resolve to an address (${err.code}); set HOST to an IP address (0.0.0.0 for all) or a name this machine resolves`
        : undefined;
    default:
      return undefined;
  }
}

/** The one line, without the program's name in front. */
export function describeStartupFailure(err: unknown, target: ListenTarget | undefined, withStack = false): string {
  if (err instanceof ConfigError || err instanceof WeightsError) return err.message;
  if (err instanceof Error) {
    const listen = target && listenProblem(err as SystemError, target);
    if (listen !== undefined) return listen;
    return `failed to start: ${withStack && err.stack ? err.stack : err.message}`;
  }
  return `failed to start: ${String(err)}`;
}
