/**
 * The models the service serves, by name: the one seam the routes ask for a model. Today it
 * holds one; a model repository (several models and versions, loaded and unloaded while
 * serving) fills the same seam.
 */
import type { ServedModel } from './served-model.js';

export class ModelRegistry {
  private readonly byName: ReadonlyMap<string, ServedModel>;

  constructor(
    models: readonly ServedModel[],
    private readonly defaultName = models[0]?.ref.name,
  ) {
    this.byName = new Map(models.map((m) => [m.ref.name, m]));
    if (this.defaultName === undefined || !this.byName.has(this.defaultName)) throw new Error('the registry needs its default model');
  }

  /** The model a request without a model name gets. */
  get default(): ServedModel {
    return this.byName.get(this.defaultName!)!;
  }

  /** `name`'s model, undefined when there is none of that name. */
  find(name: string): ServedModel | undefined {
    return this.byName.get(name);
  }

  all(): ServedModel[] {
    return [...this.byName.values()];
  }
}
