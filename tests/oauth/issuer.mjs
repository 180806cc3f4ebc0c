// A throwaway authorization server for the tests: node-oidc-provider on 127.0.0.1, client-credentials grant, resource
// indicators (RFC 8707) and JWT access tokens (RFC 9068). Prints its issuer URL on stdout once it listens.
// Arguments: resource=URL (the default resource), clients=a,b (client ids = agent names; secret "secret-<id>"), ttl=SECONDS.
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const args = Object.fromEntries(process.argv.slice(2).map(a => a.split(/=(.*)/s).slice(0, 2)));
const ttl = Number(args.ttl ?? 300);
const clients = (args.clients ?? 'refund-bot').split(',').map(id => ({
  client_id: id,
  client_secret: `secret-${id}`,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_post',
}));
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: args.kid ?? 'test-key-1', alg: 'RS256', use: 'sig' };

const server = http.createServer();
server.listen(Number(args.port ?? 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [jwk] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => args.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => ({
          scope: 'mcp',
          audience: resource,
          accessTokenTTL: ttl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
