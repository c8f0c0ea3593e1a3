/** Sending to a worker from the primary. */
import type { Worker } from 'node:cluster';
import type { PrimaryMessage } from './messages.js';

/**
 * Send, or call `failed` if the worker's channel is closed. Always with a callback: without
 * one, node reports a closed channel as an 'error' event, which would throw in the primary.
 */
export function sendTo(worker: Worker, message: PrimaryMessage, failed: () => void = () => {}): void {
  if (!worker.isConnected()) return failed();
  worker.send(message, undefined, {}, (err: Error | null) => {
    if (err) failed();
  });
}
