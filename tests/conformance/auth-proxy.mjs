// A loopback reverse proxy for the conformance run: it adds "Authorization: Bearer $KEYBRAKE_TOKEN" to every request
// and forwards it to keybrake-mcp unchanged otherwise (method, path, Host, Origin, body, streamed responses).
// The conformance CLI (@modelcontextprotocol/conformance 0.1.x) cannot send headers to the server under test, and
// keybrake-mcp refuses unauthenticated requests, so this stands in for the client's configured header.
// Usage: KEYBRAKE_TOKEN=kbk_... node auth-proxy.mjs TARGET_PORT   (prints "listening PORT" once it accepts)
import http from "node:http";

const targetPort = Number(process.argv[2]);
const token = process.env.KEYBRAKE_TOKEN;
if (!targetPort || !token) {
  console.error("usage: KEYBRAKE_TOKEN=kbk_... node auth-proxy.mjs TARGET_PORT");
  process.exit(2);
}

const agent = new http.Agent({ keepAlive: true });
const server = http.createServer((req, res) => {
  // Headers as sent, Host and Origin included: the server's DNS-rebinding checks must see what the client sent.
  const headers = { ...req.headers };
  if (!headers.authorization) headers.authorization = `Bearer ${token}`;
  const upstream = http.request(
    { host: "127.0.0.1", port: targetPort, method: req.method, path: req.url, headers, agent },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, up.rawHeaders);
      res.flushHeaders(); // an SSE stream's headers must not wait for its first event
      up.pipe(res);
    },
  );
  upstream.on("error", (err) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`auth-proxy: ${err.message}`);
  });
  // A client that goes away (an SSE stream it closes) closes the upstream request too.
  res.on("close", () => upstream.destroy());
  req.pipe(upstream);
});
server.listen(0, "127.0.0.1", () => console.log(`listening ${server.address().port}`));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
