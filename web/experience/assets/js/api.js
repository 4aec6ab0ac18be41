// A small client for the Experience API. Every call is same-origin JSON;
// the interaction cookie travels automatically. Error responses follow
// Logto's shape {code, message, data?} and become ApiError.

export class ApiError extends Error {
  constructor(status, code, message, data) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.data = data;
  }
}

let language = 'en';

// setLanguage makes the server's own messages (Accept-Language aware in
// Logto) match the UI language.
export function setLanguage(lang) {
  language = lang;
}

// api sends method + path with an optional JSON body and returns the parsed
// response (undefined for 201/204 without a body). It throws ApiError for
// error responses and for network failures (code "network").
export async function api(method, path, body) {
  const init = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'Accept-Language': language },
    cache: 'no-store',
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', '');
  }
  const text = await response.text();
  let json;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!response.ok) {
    const code = json?.code || (response.status === 429 ? 'request.too_many_requests' : 'unknown');
    const err = new ApiError(response.status, code, json?.message || '', json?.data);
    const retry = Number(response.headers.get('Retry-After'));
    if (retry > 0) err.retryAfter = retry;
    throw err;
  }
  return json;
}
