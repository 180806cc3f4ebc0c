#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios) against
# `keybrake-mcp serve --http`, compared with expected-failures.txt.
#
# - installs Node 22 (the npm package `node`) and the suite into tests/conformance/.tools (gitignored, pinned);
# - builds keybrake-mcp (Release), issues a token for refund-bot in a throwaway ledger, serves the shipped
#   tool-manifests/ on a free loopback port, with fake restricted keys and Stripe pointed at a dead address
#   (no tool call can reach Stripe; the protocol is what is tested);
# - runs the suite through auth-proxy.mjs, which adds the bearer token: the suite cannot send headers itself;
# - exits 1 only if a scenario fails that expected-failures.txt does not list, or a listed one passes or is gone.
set -euo pipefail

NODE_VERSION=22.23.3          # npm package `node`: the suite needs Node >= 22
CONFORMANCE_VERSION=0.1.16    # @modelcontextprotocol/conformance

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tools=$here/.tools
started=$SECONDS

# --- tools -----------------------------------------------------------------------------------------------------
stamp="node@$NODE_VERSION @modelcontextprotocol/conformance@$CONFORMANCE_VERSION"
if [ "$(cat "$tools/.installed" 2>/dev/null || true)" != "$stamp" ]; then
  echo "conformance: installing $stamp into tests/conformance/.tools"
  rm -rf "$tools"
  mkdir -p "$tools"
  npm install --prefix "$tools" --save-exact --no-audit --no-fund --loglevel=error \
    "node@$NODE_VERSION" "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION"
  echo "$stamp" > "$tools/.installed"
fi
node22=$tools/node_modules/node/bin/node
suite=$tools/node_modules/@modelcontextprotocol/conformance/dist/index.js
if ! "$node22" --version 2>/dev/null | grep -q "^v${NODE_VERSION}$"; then
  echo "conformance: $node22 is not Node $NODE_VERSION (the npm package 'node' installs its binary in a preinstall script; are install scripts disabled?)" >&2
  rm -f "$tools/.installed"
  exit 1
fi

# --- server ----------------------------------------------------------------------------------------------------
work=$(mktemp -d)
server_pid="" proxy_pid=""
stop() {
  local pid
  for pid in $proxy_pid $server_pid; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $proxy_pid $server_pid; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  server_pid="" proxy_pid=""
}
trap 'stop; rm -rf "$work"' EXIT

dotnet build "$root/src/Keybrake.Mcp" -c Release -nologo >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; echo "conformance: building keybrake-mcp failed" >&2; exit 1; }
dll=$root/src/Keybrake.Mcp/bin/Release/net10.0/keybrake-mcp.dll

export KEYBRAKE_MANIFESTS=$root/tool-manifests KEYBRAKE_DB=$work/keybrake.db
export KEYBRAKE_STRIPE_API_BASE=http://127.0.0.1:9 KEYBRAKE_STRIPE_MAX_RETRIES=0 KEYBRAKE_LOG_LEVEL=Warning
# Every role of the shipped manifests gets a fake restricted key (also overriding real ones in the environment).
for key_env in $(sed -nE 's/.*"keyEnv" *: *"([A-Z0-9_]+)".*/\1/p' "$KEYBRAKE_MANIFESTS"/*.json | sort -u); do
  export "$key_env=rk_test_conformance"
done

token=$(dotnet "$dll" token issue refund-bot 2>"$work/token.err") \
  || { cat "$work/token.err" >&2; echo "conformance: could not issue a token" >&2; exit 1; }

free_port() { "$node22" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port=$(free_port)
dotnet "$dll" serve --http --urls "http://127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 150); do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "conformance: the server exited" >&2; exit 1; }
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null \
  || { cat "$work/server.log" >&2; echo "conformance: the server did not listen on $port within 30 s" >&2; exit 1; }

KEYBRAKE_TOKEN=$token "$node22" "$here/auth-proxy.mjs" "$port" >"$work/proxy.log" 2>&1 &
proxy_pid=$!
proxy_port=""
for _ in $(seq 50); do
  proxy_port=$(sed -nE 's/^listening ([0-9]+)$/\1/p' "$work/proxy.log")
  [ -n "$proxy_port" ] && break
  kill -0 "$proxy_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$proxy_port" ] || { cat "$work/proxy.log" >&2; echo "conformance: the auth proxy did not start" >&2; exit 1; }

# --- suite -----------------------------------------------------------------------------------------------------
url=http://127.0.0.1:$proxy_port/mcp
echo "conformance: @modelcontextprotocol/conformance@$CONFORMANCE_VERSION (active server suite) against keybrake-mcp serve --http (via auth-proxy.mjs)"
# The CLI exits 1 whenever a scenario fails; the verdict is compare.mjs's, against expected-failures.txt.
(cd "$work" && timeout 120 "$node22" "$suite" server --url "$url" --suite active -o "$work/results") >"$work/suite.log" 2>&1 || true
stop

set +e
"$node22" "$here/compare.mjs" "$work/results" "$work/suite.log" "$here/expected-failures.txt"
verdict=$?
set -e
if [ "$verdict" -ne 0 ]; then
  echo "--- conformance CLI output" >&2; cat "$work/suite.log" >&2
  echo "--- server log" >&2; cat "$work/server.log" >&2
fi
echo "conformance: finished in $((SECONDS - started)) s"
exit "$verdict"
