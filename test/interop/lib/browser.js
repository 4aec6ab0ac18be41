// A tiny user agent: a cookie jar for one origin (the Gatehouse server) and
// manual redirects that are followed only while they stay on that origin.
// The first redirect elsewhere (a client's redirect_uri or
// post_logout_redirect_uri) is where the browser "hands the URL to the app":
// it is returned, never fetched.

export class Browser {
  /** @param {string} base the server's origin, e.g. http://127.0.0.1:1234 */
  constructor(base) {
    this.origin = new URL(base).origin;
    /** @type {Map<string, {name: string, value: string, path: string}>} */
    this.cookies = new Map();
  }

  cookieHeader(url) {
    const path = new URL(url).pathname;
    const pairs = [];
    for (const c of this.cookies.values()) {
      if (path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/') {
        pairs.push(`${c.name}=${c.value}`);
      }
    }
    return pairs.join('; ');
  }

  /** Stores the Set-Cookie headers of a response from the server origin. */
  remember(res, url) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = defaultPath(url);
      let expired = false;
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        const key = k.trim().toLowerCase();
        if (key === 'path' && v.trim().startsWith('/')) path = v.trim();
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      const id = `${name};${path}`;
      if (expired || value === '') this.cookies.delete(id);
      else this.cookies.set(id, { name, value, path });
    }
  }

  /** fetch() on the server origin with the jar's cookies, no redirects. */
  async request(url, init = {}) {
    const u = new URL(url, this.origin);
    if (u.origin !== this.origin) throw new Error(`browser: refusing to call ${u} outside ${this.origin}`);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(u);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(u, { ...init, headers, redirect: 'manual' });
    this.remember(res, u);
    return res;
  }

  /**
   * GETs url and follows redirects on the server origin. Returns
   * {url, status, body} where url is the redirect target when the server
   * sent the browser elsewhere (status 3xx), or the last page otherwise.
   * A trace of every hop is kept for error messages.
   */
  async visit(url) {
    let current = new URL(url, this.origin);
    const trace = [];
    for (let hop = 0; hop < 20; hop++) {
      if (current.origin !== this.origin) {
        return { url: current.href, status: trace.at(-1)?.status, left: true, trace };
      }
      const res = await this.request(current);
      trace.push({ url: current.href, status: res.status });
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        current = new URL(location, current);
        continue;
      }
      const body = await res.text();
      return { url: current.href, status: res.status, body, left: false, trace, headers: res.headers };
    }
    throw new Error(`browser: too many redirects: ${JSON.stringify(trace)}`);
  }

  /**
   * Calls a JSON API on the server as the same-origin sign-in page would
   * (Origin header = server origin). Returns {status, body}.
   */
  async api(method, path, body) {
    const res = await this.request(path, {
      method,
      headers: { 'content-type': 'application/json', origin: this.origin, accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, body: json };
  }

  /** api() that throws unless the status is 2xx. */
  async mustApi(method, path, body) {
    const r = await this.api(method, path, body);
    if (r.status < 200 || r.status > 299) {
      throw new Error(`${method} ${path} ${JSON.stringify(body ?? null)} -> ${r.status} ${JSON.stringify(r.body)}`);
    }
    return r.body;
  }
}

function defaultPath(url) {
  const p = new URL(url).pathname;
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}
