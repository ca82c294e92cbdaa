// The service's API as the page uses it: the key kept for this tab only, every call on the page's own origin.

const KEY_NAME = 'mms-media.api-key';

/** sessionStorage: gone when the tab closes, never written to localStorage, never put in a URL. */
export const apiKey = {
  get: () => sessionStorage.getItem(KEY_NAME) ?? '',
  set: (value) => (value ? sessionStorage.setItem(KEY_NAME, value) : sessionStorage.removeItem(KEY_NAME)),
};

/** Headers every /v1 call carries: the key, when one was entered (a service without API_KEYS needs none). */
export function authHeaders() {
  const key = apiKey.get();
  return key ? { 'X-API-Key': key } : {};
}

/** One JSON call; the reply's status and body (the service's error envelope included), or a network failure or a reply that is not JSON as an envelope of the page's own (with `code`, as the service's). */
export async function callApi(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { ...authHeaders(), ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { status: 0, body: { success: false, code: 'unreachable', error: 'The service could not be reached: check the connection and try again.' } };
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: { success: false, code: 'not_json', error: `The service answered HTTP ${res.status} with something that is not JSON.` } };
  }
}

/** The console's settings from the service (the delivery budget). */
export async function loadSettings() {
  const res = await fetch('/console/settings.json');
  return res.json();
}
