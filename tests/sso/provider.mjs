// A real OpenID Connect provider (panva/oidc-provider, a certified implementation) for the
// single sign-on tests: `node provider.mjs PORT` serves http://127.0.0.1:PORT.
//
// Clients: "google-client" and "microsoft-client" (secret "test-secret"), each allowed to
// redirect to http://127.0.0.1 or localhost:<any port>/accounts/sso/<google|microsoft>/login/callback/. PKCE is
// required, so a sign-in that does not send it fails.
//
// Test-only controls (this process never runs outside the tests):
//   POST /_test/accounts  {"<sub>": {claims...}, ...}   replaces the accounts
//   POST /_test/mode      {"mode": "..."}               misbehave in the next ID tokens:
//        "normal", "wrong_audience", "expired", "bad_signature" (signed with a key not in the
//        JWKS, under the published key id), "wrong_nonce"
// The login page (/interaction/<uid>) is an ordinary HTML form: "Account" (the sub) and
// "Sign in". Consent is granted without asking, as for a district's own app.
import http from "node:http";
import { URLSearchParams } from "node:url";

import * as jose from "jose";
import Provider, { interactionPolicy } from "oidc-provider";

const port = Number(process.argv[2] || 4455);
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = await jose.generateKeyPair("RS256", { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: "district-test-key", alg: "RS256", use: "sig" };
const { privateKey: strangerKey } = await jose.generateKeyPair("RS256", { extractable: true });

let accounts = {};
let mode = "normal";

const EXTRA_CLAIMS = [
  "hd", "tid", "xms_edov", "verified_primary_email", "verified_secondary_email", "employee_id",
];

// Google and Entra take prompt=select_account (the account chooser, for shared computers).
const policy = interactionPolicy.base();
policy.add(new interactionPolicy.Prompt({ name: "select_account", requestable: true }), 0);
// The clients are "native" only for their loopback redirects; the district's own app is not
// asked for consent.
policy.get("consent").checks.remove("native_client_prompt");

const configuration = {
  clients: ["google", "microsoft"].map((name) => ({
    client_id: `${name}-client`,
    // "native": a loopback redirect URI matches on any port (RFC 8252), so the live test
    // server's port need not be known in advance.
    application_type: "native",
    client_secret: "test-secret",
    redirect_uris: ["127.0.0.1", "localhost"].map(
      (host) => `http://${host}/accounts/sso/${name}/login/callback/`,
    ),
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_post",
  })),
  jwks: { keys: [signingJwk] },
  pkce: { required: () => true },
  // The ID token carries the claims (as Google's and Entra's do); the app reads nothing else.
  conformIdTokenClaims: false,
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name", ...EXTRA_CLAIMS],
  },
  features: { devInteractions: { enabled: false } },
  cookies: { keys: ["test-only-cookie-key"] },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { ...claims, sub: id } } };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 600, Interaction: 3600, Session: 3600, Grant: 3600 },
};

const provider = new Provider(issuer, configuration);
provider.proxy = false;

// Misbehaviour, on request: rewrite the ID token the token endpoint answers with.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== "/token" || mode === "normal" || !ctx.body?.id_token) return;
  const claims = jose.decodeJwt(ctx.body.id_token);
  const now = Math.floor(Date.now() / 1000);
  let key = privateKey;
  if (mode === "wrong_audience") claims.aud = "someone-elses-client";
  if (mode === "expired") Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  if (mode === "wrong_nonce") claims.nonce = "a-nonce-this-browser-never-sent";
  if (mode === "bad_signature") key = strangerKey;
  ctx.body = {
    ...ctx.body,
    id_token: await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: signingJwk.kid, typ: "JWT" })
      .sign(key),
  };
});

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function loginPage(uid, message = "") {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1>${message ? `<p role="alert">${escapeHtml(message)}</p>` : ""}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="login">Account</label> <input id="login" name="login" autocomplete="username" required>
<button type="submit">Sign in</button></form></main></body></html>`;
}

async function interaction(req, res, path) {
  const [, , uid, action] = path.split("/");
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error("interaction mismatch");
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(loginPage(uid));
    return;
  }
  if (req.method === "POST" && action === "login") {
    const login = new URLSearchParams(await readBody(req)).get("login") || "";
    if (!accounts[login]) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(loginPage(uid, `No account "${login}".`));
      return;
    }
    await provider.interactionFinished(req, res, { select_account: {}, login: { accountId: login } }, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(405).end();
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const path = new URL(req.url, issuer).pathname;
  try {
    if (path === "/_test/accounts" && req.method === "POST") {
      accounts = JSON.parse(await readBody(req));
      res.writeHead(204).end();
    } else if (path === "/_test/mode" && req.method === "POST") {
      mode = JSON.parse(await readBody(req)).mode;
      res.writeHead(204).end();
    } else if (path.startsWith("/interaction/")) {
      await interaction(req, res, path);
    } else {
      callback(req, res);
    }
  } catch (error) {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(error));
  }
});
server.listen(port, "127.0.0.1", () => {
  console.log(`test OpenID provider at ${issuer}`);
});
