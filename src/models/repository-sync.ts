/**
 * Keeps the registry in step with the model repository while the service runs, as TF Serving's
 * file-system polling does: a new version folder, or a new copy of a version's file, is loaded,
 * checked, warmed up and scored before it is served (and a new highest version becomes the
 * default only then); a version whose folder is gone stops being served. A version replaced or
 * removed drains: requests that chose it finish on it, then its weights are freed. A file that
 * cannot be served is refused, and keeps being refused until it changes; whatever served before
 * goes on serving. Passes run one at a time, whoever asks (the poll, SIGHUP, the repository API).
 */
import { HttpProblem } from '../http/problem.js';
import type { ModelRegistry } from './registry.js';
import { scanRepository, type VersionFile } from './repository.js';
import type { ServedModel } from './served-model.js';

/** What a pass tells the rest of the service (logs, metrics). */
export interface SyncEvents {
  loaded(model: ServedModel, replaced: ServedModel | undefined): void;
  refused(version: VersionFile, reason: string): void;
  /** a refused version's folder is gone, or it is to be tried again */
  cleared(name: string, version: string): void;
  unloaded(model: ServedModel): void;
  /** a version whose folder is gone stays served: it is the default model's last */
  kept(model: ServedModel, reason: string): void;
  scanFailed(err: unknown): void;
}

/** A version as the repository index reports it (the Open Inference Protocol's states). */
export interface VersionState {
  readonly name: string;
  readonly version: string;
  readonly state: 'READY' | 'UNAVAILABLE';
  readonly reason: string;
}

/** A version that could not be served, and why. */
export interface Refusal {
  readonly version: VersionFile;
  readonly reason: string;
}

const keyOf = (name: string, version: string) => `${name}/${version}`;

/** Every version the registry serves, READY: the whole index of a service without a repository. */
export const servedStates = (registry: ModelRegistry): VersionState[] =>
  registry.all().map((m) => ({ name: m.ref.name, version: m.ref.version, state: 'READY', reason: '' }));

export class RepositorySync {
  /** the fingerprint of the file each served version was loaded from */
  private readonly served = new Map<string, string>();
  private readonly refused = new Map<string, Refusal>();
  /** models unloaded through the API: the passes leave them alone until they are loaded again */
  private readonly unloaded = new Set<string>();
  /** versions kept though their folder is gone, said once */
  private readonly kept = new Set<string>();
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly registry: ModelRegistry,
    /** load, check, warm up and score one version; throws when it cannot be served */
    private readonly load: (version: VersionFile) => Promise<ServedModel>,
    private readonly events: SyncEvents,
    /** what the service started with, and what it refused at start */
    started: readonly VersionFile[],
    refusedAtStart: readonly Refusal[] = [],
  ) {
    for (const v of started) this.served.set(keyOf(v.name, v.version), v.fingerprint);
    for (const refusal of refusedAtStart) {
      this.refused.set(keyOf(refusal.version.name, refusal.version.version), refusal);
      events.refused(refusal.version, refusal.reason);
    }
  }

  /** One pass over the whole repository. */
  sync(): Promise<void> {
    return this.serially(() => this.pass());
  }

  /**
   * Serve `name` again after an unload, or at once after a new copy: a pass over its folder.
   * Throws model_load_failed when none of its versions can be served.
   */
  loadModel(name: string): Promise<void> {
    return this.serially(async () => {
      this.unloaded.delete(name);
      // an explicit load tries a refused file again
      for (const [key, { version }] of this.refused) if (version.name === name) this.clear(key, version);
      await this.pass(name);
      if (this.registry.versions(name).length > 0) return;
      const reasons = [...this.refused.values()]
        .filter((r) => r.version.name === name)
        .map((r) => `version ${r.version.version}: ${r.reason}`);
      throw new HttpProblem(
        'model_load_failed',
        reasons.length > 0
          ? `model '${name}' could not be loaded: ${reasons.join('; ')}`
          : `the repository holds no version of model '${name}'`,
      );
    });
  }

  /** Stop serving every version of `name` until it is loaded again; they drain, then are freed. */
  unloadModel(name: string): Promise<void> {
    return this.serially(async () => {
      const removed = this.registry.remove(name);
      if (removed.length === 0 && !this.unloaded.has(name)) {
        throw new HttpProblem('model_not_found', `no model '${name}' is served`);
      }
      this.unloaded.add(name);
      for (const model of removed) this.retire(model);
    });
  }

  /** Every version served, refused or unloaded, by name then version. */
  states(): VersionState[] {
    const ready = servedStates(this.registry);
    const refused = [...this.refused.values()].map(({ version, reason }) => ({
      name: version.name,
      version: version.version,
      state: 'UNAVAILABLE' as const,
      reason,
    }));
    const unloaded = [...this.unloaded].map((name) => ({ name, version: '', state: 'UNAVAILABLE' as const, reason: 'unloaded' }));
    return [...ready, ...refused, ...unloaded].sort((a, b) => a.name.localeCompare(b.name) || Number(a.version) - Number(b.version));
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.last.then(work, work);
    this.last = run.catch(() => undefined);
    return run;
  }

  private async pass(only?: string): Promise<void> {
    let found: VersionFile[];
    try {
      found = await scanRepository(this.dir, only);
    } catch (err) {
      this.events.scanFailed(err);
      return;
    }
    for (const version of found) {
      if (this.unloaded.has(version.name)) continue;
      const key = keyOf(version.name, version.version);
      if (this.served.get(key) === version.fingerprint || this.refused.get(key)?.version.fingerprint === version.fingerprint) continue;
      let model: ServedModel;
      try {
        model = await this.load(version);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        this.refused.set(key, { version, reason });
        this.events.refused(version, reason);
        continue;
      }
      if (this.refused.has(key)) this.clear(key, version);
      this.served.set(key, version.fingerprint);
      const replaced = this.registry.put(model);
      this.events.loaded(model, replaced);
      if (replaced) void replaced.retire();
    }
    const present = new Set(found.map((v) => keyOf(v.name, v.version)));
    for (const [key, { version }] of this.refused)
      if ((only === undefined || version.name === only) && !present.has(key)) this.clear(key, version);
    for (const model of this.registry.all()) {
      const key = keyOf(model.ref.name, model.ref.version);
      if ((only !== undefined && model.ref.name !== only) || present.has(key)) continue;
      try {
        this.registry.remove(model.ref.name, model.ref.version);
      } catch (err) {
        if (!(err instanceof HttpProblem)) throw err;
        if (!this.kept.has(key)) this.events.kept(model, err.detail ?? err.message);
        this.kept.add(key);
        continue;
      }
      this.retire(model);
    }
  }

  private clear(key: string, version: VersionFile): void {
    this.refused.delete(key);
    this.events.cleared(version.name, version.version);
  }

  private retire(model: ServedModel): void {
    this.served.delete(keyOf(model.ref.name, model.ref.version));
    this.events.unloaded(model);
    void model.retire();
  }
}
