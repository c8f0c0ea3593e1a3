/**
 * The models the service serves, by name and version: the one seam the routes ask for a model.
 * A model's default version is its highest (the last of its versions as given); the default
 * model is named by DEFAULT_MODEL, else the first.
 */
import { HttpProblem } from '../http/problem.js';
import { listSome } from '../one-line.js';
import type { ServedModel } from './served-model.js';

export class ModelRegistry {
  /** each model's versions, oldest first: the last is its default */
  private readonly byName = new Map<string, ServedModel[]>();
  private readonly defaultName: string;

  constructor(models: readonly ServedModel[], defaultName?: string) {
    for (const model of models) {
      const versions = this.byName.get(model.ref.name) ?? [];
      versions.push(model);
      this.byName.set(model.ref.name, versions);
    }
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

  get defaultModelName(): string {
    return this.defaultName;
  }

  all(): ServedModel[] {
    return [...this.byName.values()].flat();
  }
}
