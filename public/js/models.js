/* global Option */
/**
 * The model picker: GET /models, and a choice of model and version shown only when the server
 * serves more than one. Its choice goes with every /predict, /read and /eval the page sends; the
 * server's default is sent as no choice at all, so the page asks exactly what a client that
 * names no model asks.
 */
import { fetchModels } from './api.js';

export class ModelPicker {
  /**
   * @param {HTMLSelectElement} select
   * @param {HTMLElement} field the select's label and box, hidden while there is nothing to choose
   * @param {() => string} apiKey
   * @param {() => void} onChange
   */
  constructor(select, field, apiKey, onChange) {
    this.select = select;
    this.field = field;
    this.apiKey = apiKey;
    /** @type {Map<string, string[]>} each choice's labels, by its option value */
    this.labelsOf = new Map();
    select.addEventListener('change', onChange);
  }

  /** Lists what the server serves; a server without /models, or one that refuses, leaves the picker hidden. */
  async load() {
    const answer = await fetchModels({ apiKey: this.apiKey() });
    if (!answer.ok) return;
    const { models } = answer.data;
    const options = models.flatMap((m) =>
      m.versions
        .slice()
        .reverse()
        .map((v) => {
          const isDefault = m.name === answer.data.default && v.version === m.defaultVersion;
          const option = new Option(`${m.name} ${v.version}${isDefault ? ' (default)' : ''}`, isDefault ? '' : `${m.name}@${v.version}`);
          option.selected = isDefault;
          this.labelsOf.set(option.value, v.labels);
          return option;
        }),
    );
    this.select.replaceChildren(...options);
    this.field.hidden = options.length < 2;
  }

  /** @returns {string[] | undefined} what the chosen model calls its classes; undefined before the list came */
  get labels() {
    return this.labelsOf.get(this.select.value);
  }

  /** @returns {import('./api.js').ModelChoice | undefined} */
  get choice() {
    const value = this.select.value;
    if (!value) return undefined;
    const at = value.lastIndexOf('@');
    return { name: value.slice(0, at), version: value.slice(at + 1) };
  }
}
