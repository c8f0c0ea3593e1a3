/* global fetch, localStorage, FormData, DOMException, URLSearchParams */
/**
 * Calls to the service's own API, from the same origin. Every failure comes back as a
 * problem `{code, title, detail, status}`: the service's RFC 9457 body when it sent one,
 * otherwise one made up here (network down, a proxy's HTML error page...).
 */

const KEY_STORAGE = 'digit-serve.apiKey';

export function loadApiKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return ''; // storage disabled: the field still works for this page
  }
}

/** @param {string} key */
export function saveApiKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled
  }
}

/**
 * @typedef {{code: string, title: string, detail?: string, reason?: string, status: number, retryAfter?: string}} Problem
 * @typedef {{ok: true, data: any} | {ok: false, problem: Problem} | {ok: false, aborted: true}} ApiResult
 */

/**
 * @param {string} path
 * @param {{method?: string, body?: BodyInit, apiKey?: string, signal?: AbortSignal}} [options]
 * @returns {Promise<ApiResult>}
 */
export async function callApi(path, options = {}) {
  const headers = { accept: 'application/json, application/problem+json' };
  const key = options.apiKey?.trim();
  if (key) headers.authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch(path, { method: options.method ?? 'GET', body: options.body, headers, signal: options.signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') return { ok: false, aborted: true };
    return {
      ok: false,
      problem: { code: 'network_error', status: 0, title: 'Could not reach the service', detail: `${err?.message ?? err}` },
    };
  }
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') return { ok: false, aborted: true };
    // not JSON: an error page from something in between, or a truncated answer
  }
  if (response.ok && body !== null) return { ok: true, data: body };
  const problem =
    body !== null && typeof body === 'object' && typeof body.code === 'string'
      ? {
          code: body.code,
          title: typeof body.title === 'string' ? body.title : `Error ${response.status}`,
          detail: typeof body.detail === 'string' ? body.detail : undefined,
          reason: typeof body.reason === 'string' ? body.reason : undefined,
          status: response.status,
        }
      : {
          code: `http_${response.status}`,
          title: response.ok ? 'The service sent an answer this page cannot read' : `The service answered ${response.status}`,
          detail: response.statusText || undefined,
          status: response.status,
        };
  const retryAfter = response.headers.get('retry-after');
  if (retryAfter) problem.retryAfter = retryAfter;
  return { ok: false, problem };
}

/**
 * @typedef {{name: string, version: string}} ModelChoice a model and version the user picked; none: the server's default
 * @typedef {{apiKey?: string, signal?: AbortSignal, model?: ModelChoice}} CallOptions
 */

/** `path` with the picked model and version as query parameters, after any it has. */
function withModel(path, model) {
  if (!model) return path;
  const query = new URLSearchParams({ model: model.name, version: model.version });
  return `${path}${path.includes('?') ? '&' : '?'}${query}`;
}

/**
 * POST /predict?debug=1 with the picture as the multipart field `image`.
 * @param {Blob} image
 * @param {string} filename
 * @param {CallOptions} options
 */
export function predict(image, filename, { model, ...options }) {
  const form = new FormData();
  form.append('image', image, filename);
  return callApi(withModel('/predict?debug=1', model), { method: 'POST', body: form, ...options });
}

/**
 * POST /read with the picture as the multipart field `image`: a whole number, read digit by
 * digit (`text`, `confidence`, `digits` with their boxes, `image` the boxes' frame).
 * @param {Blob} image
 * @param {string} filename
 * @param {CallOptions} options
 */
export function readNumber(image, filename, { model, ...options }) {
  const form = new FormData();
  form.append('image', image, filename);
  return callApi(withModel('/read', model), { method: 'POST', body: form, ...options });
}

/** @param {CallOptions} options */
export function fetchEval({ model, ...options }) {
  return callApi(withModel('/eval', model), options);
}

/** GET /models: what the server serves. @param {CallOptions} options */
export function fetchModels(options) {
  return callApi('/models', options);
}

/** The server's detail as a sentence that another can follow: with its full stop. */
const sentence = (text) => (text && !/[.!?]$/.test(text) ? `${text}.` : text);

/**
 * A problem as words for people: a title and a sentence or two.
 * @param {Problem} problem
 * @param {{keySent?: boolean}} [context] whether the request carried an API key
 * @returns {{title: string, detail: string}}
 */
export function describeProblem(problem, context = {}) {
  const detail = problem.detail ?? '';
  switch (problem.code) {
    case 'unauthorized':
      return context.keySent
        ? { title: 'The API key was refused', detail: 'Check the key in the “API key” field at the top of the page.' }
        : { title: 'This server needs an API key', detail: 'Enter your key in the “API key” field at the top of the page.' };
    case 'rate_limited':
    case 'overloaded':
      return {
        title: problem.title,
        detail: [detail, problem.retryAfter ? `Try again in ${problem.retryAfter} s.` : 'Try again in a moment.'].filter(Boolean).join(' '),
      };
    case 'network_error':
      return { title: problem.title, detail: `Check that the service is running. (${detail})` };
    case 'several_lines':
      return {
        title: problem.title,
        detail: [sentence(detail), 'Write the number on one line, or upload a picture of one line of digits.'].filter(Boolean).join(' '),
      };
    case 'too_many_digits':
      return {
        title: problem.title,
        detail: [sentence(detail), 'Write fewer digits, or read the number in parts.'].filter(Boolean).join(' '),
      };
    default:
      return { title: problem.title, detail };
  }
}
