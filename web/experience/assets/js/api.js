// A small client for the Experience API. Every call is same-origin JSON;
// the interaction cookie travels automatically.

export class ApiError extends Error {
  constructor(status, code, message, data) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.data = data;
  }
}

// api sends method + path with an optional JSON body and returns the parsed
// response (undefined for 201/204). It throws ApiError for error responses
// and for network failures (code "network").
export async function api(method, path, body) {
  const init = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
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
    throw new ApiError(response.status, json?.code || 'unknown', json?.message || '', json?.data);
  }
  return json;
}
