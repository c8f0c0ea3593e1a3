/**
 * The models the service serves, by name and version: the one seam the routes ask for a model.
 * A model's default version is its highest; the default model is named by DEFAULT_MODEL, else
 * the first. Versions come and go while the service runs (repository-sync.ts): the registry only
 * says what is served now, and a request holds the version it resolved (ServedModel.use).
 */
import { HttpProblem } from '../http/problem.js';
import { listSome } from '../one-line.js';
import type { ServedModel } from './served-model.js';

/** Version order: numerically for a repository's versions, else as they came. */
const byVersion = (a: ServedModel, b: ServedModel) => Number(a.ref.version) - Number(b.ref.version) || 0;

export class ModelRegistry {
  /** each model's versions, oldest first: the last is its default */
  private readonly byName = new Map<string, ServedModel[]>();
  private readonly defaultName: string;

  constructor(models: readonly ServedModel[], defaultName?: string) {
    for (const model of models) this.put(model);
    const name = defaultName ?? models[0]?.ref.name;
    if (name === undefined || !this.byName.has(name)) {
      throw new Error(`the default model ${name ?? '(none)'} is not served; serving: ${[...this.byName.keys()].join(', ') || 'nothing'}`);
    }
    this.defaultName = name;
  }

  /** The model a request that names none gets: the default model's default version. */
  get default(): ServedModel {
    return this.byName.get(this.defaultName)!.at(-1)!;
  }

  get defaultModelName(): string {
    return this.defaultName;
  }

  /**
   * The model a request asks for: `name`'s `version`, its default version without one, the
   * default model without a name. A model or version not served is 404 model_not_found, naming
   * what is.
   */
  resolve(name?: string, version?: string): ServedModel {
    const versions = this.byName.get(name ?? this.defaultName);
    if (versions === undefined) {
      throw new HttpProblem('model_not_found', `no model '${name}' is served; the models: ${listSome([...this.byName.keys()], 10)}`, {
        models: [...this.byName.keys()],
      });
    }
    if (version === undefined) return versions.at(-1)!;
    const found = versions.find((m) => m.ref.version === version);
    if (found) return found;
    const known = versions.map((m) => m.ref.version);
    throw new HttpProblem(
      'model_not_found',
      `model '${versions[0]!.ref.name}' has no version '${version}'; its versions: ${listSome(known, 10)}`,
      {
        versions: known,
      },
    );
  }

  /** Every model's name, its versions oldest first. */
  models(): { readonly name: string; readonly versions: readonly ServedModel[] }[] {
    return [...this.byName].map(([name, versions]) => ({ name, versions }));
  }

  /** `name`'s versions, oldest first; none when it is not served. */
  versions(name: string): readonly ServedModel[] {
    return this.byName.get(name) ?? [];
  }

  all(): ServedModel[] {
    return [...this.byName.values()].flat();
  }

  /** Serve `model` from now on; returns the model it replaces (the same version's former file), to be retired. */
  put(model: ServedModel): ServedModel | undefined {
    const versions = this.byName.get(model.ref.name) ?? [];
    const at = versions.findIndex((m) => m.ref.version === model.ref.version);
    const replaced = at >= 0 ? versions.splice(at, 1)[0] : undefined;
    versions.push(model);
    versions.sort(byVersion);
    this.byName.set(model.ref.name, versions);
    return replaced;
  }

  /**
   * Stop serving `name`'s `version`, or every version without one; returns what was removed, to
   * be retired. The default model keeps at least one version: requests that name no model need it.
   */
  remove(name: string, version?: string): ServedModel[] {
    const versions = this.byName.get(name) ?? [];
    const removed = versions.filter((m) => version === undefined || m.ref.version === version);
    if (name === this.defaultName && removed.length === versions.length && removed.length > 0) {
      throw new HttpProblem('default_model', `'${name}' is the default model (DEFAULT_MODEL): its last version stays served`);
    }
    const kept = versions.filter((m) => !removed.includes(m));
    if (kept.length === 0) this.byName.delete(name);
    else this.byName.set(name, kept);
    return removed;
  }
}
