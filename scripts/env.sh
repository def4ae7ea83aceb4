# Sourced by the start and test scripts: keep Reflex offline and quiet (see REFLEX_NOTES.md).
export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=false
export REFLEX_HTTP_CLIENT_BIND_ADDRESS=0.0.0.0
if command -v npm >/dev/null 2>&1; then
  NPM_CONFIG_REGISTRY="$(npm config get registry 2>/dev/null || true)"
  export NPM_CONFIG_REGISTRY
fi
export PATH="$PWD/.venv/bin:$PATH"
