// What interop_test.go seeded, read from the environment it sets.

function need(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: run these tests through \`go test ./test/interop\`, which starts Gatehouse and seeds it`);
  }
  return v;
}

export const config = {
  url: need('GATEHOUSE_URL'),
  get issuer() {
    return `${this.url}/oidc`;
  },
  resource: need('INTEROP_RESOURCE'),
  resourceUserScopes: need('INTEROP_RESOURCE_USER_SCOPES').split(' '),
  resourceOtherScopes: need('INTEROP_RESOURCE_OTHER_SCOPES').split(' '),
  m2mScopes: need('INTEROP_M2M_SCOPES').split(' '),
  spa: {
    id: need('INTEROP_SPA_ID'),
    redirectUri: need('INTEROP_SPA_REDIRECT'),
    postLogoutRedirectUri: need('INTEROP_SPA_POST_LOGOUT'),
  },
  web: {
    id: need('INTEROP_WEB_ID'),
    secret: need('INTEROP_WEB_SECRET'),
    redirectUri: need('INTEROP_WEB_REDIRECT'),
    postLogoutRedirectUri: need('INTEROP_WEB_POST_LOGOUT'),
  },
  m2m: {
    id: need('INTEROP_M2M_ID'),
    secret: need('INTEROP_M2M_SECRET'),
  },
  oidcUser: need('INTEROP_OIDC_USER'),
  oidcUserId: need('INTEROP_OIDC_USER_ID'),
  logtoUser: need('INTEROP_LOGTO_USER'),
  logtoUserId: need('INTEROP_LOGTO_USER_ID'),
  password: need('INTEROP_PASSWORD'),
};
