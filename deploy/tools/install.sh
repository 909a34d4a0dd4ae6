#!/usr/bin/env bash
# Installs the offline checkers of deploy/ into a cache outside the repository, once:
#   helm                 built from the Go module proxy (go install helm.sh/helm/v3/cmd/helm)
#   kubernetes-validate  from PyPI; bundles the Kubernetes JSON schemas (1.25 to 1.37)
#   check-jsonschema     from PyPI; bundles the compose-spec schema (vendor.compose-spec)
# Later runs only check that they are there. On success it prints, on stdout, one line per tool:
#   HELM=… KUBERNETES_VALIDATE=… CHECK_JSONSCHEMA=… PYTHON=…
# (progress goes to stderr). Used by .ci/run and by test/deploy/*.test.ts.
# Cache: $SA_BRIDGE_TOOLS_DIR, default ~/.cache/sa-bridge/tools.
set -euo pipefail

HELM_VERSION=v3.22.0
# The Kubernetes version helm assumes without --kube-version, as helm's own Makefile sets it: the
# minor of the k8s.io/client-go in its go.mod (v0.37 for helm 3.22.0). Without it, 1.20.
HELM_K8S_MINOR=37
KUBERNETES_VALIDATE_VERSION=1.37.0
CHECK_JSONSCHEMA_VERSION=0.39.0

tools_dir="${SA_BRIDGE_TOOLS_DIR:-$HOME/.cache/sa-bridge/tools}"
mkdir -p "$tools_dir"
log() { printf '[deploy-tools] %s\n' "$*" >&2; }
now() { date +%s; }

# One installer at a time (the test and a developer's shell may both ask).
exec 9>"$tools_dir/.lock"
if command -v flock >/dev/null; then flock -w 1800 9; fi

# --- helm ----------------------------------------------------------------------------------------
helm_bin="$tools_dir/helm-$HELM_VERSION/helm"
if [ ! -x "$helm_bin" ]; then
  command -v go >/dev/null || { log "go is not installed: helm is built with 'go install'"; exit 3; }
  log "building helm $HELM_VERSION with $(go version | awk '{print $3}') from the Go module proxy (once; several minutes)"
  started=$(now)
  # Own module and build caches (about 1.1 GB), removed afterwards: only the binary is kept.
  go_tmp="$tools_dir/.go-helm"
  rm -rf "$go_tmp"
  mkdir -p "$go_tmp/bin"
  GOFLAGS=-mod=mod GOMODCACHE="$go_tmp/mod" GOCACHE="$go_tmp/build" GOBIN="$go_tmp/bin" CGO_ENABLED=0 \
    go install -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$HELM_K8S_MINOR \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$HELM_K8S_MINOR" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
  mkdir -p "$(dirname "$helm_bin")"
  mv "$go_tmp/bin/helm" "$helm_bin"
  chmod -R u+w "$go_tmp" && rm -rf "$go_tmp"
  log "helm $HELM_VERSION built in $(( $(now) - started )) s"
fi

# --- Python validators in one virtualenv -----------------------------------------------------------
venv="$tools_dir/venv-kv$KUBERNETES_VALIDATE_VERSION-cj$CHECK_JSONSCHEMA_VERSION"
if [ ! -f "$venv/.complete" ]; then
  python=$(command -v python3 || true)
  [ -n "$python" ] || { log "python3 is not installed"; exit 3; }
  log "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION and check-jsonschema $CHECK_JSONSCHEMA_VERSION from PyPI (once)"
  started=$(now)
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" >&2
  touch "$venv/.complete"
  log "validators installed in $(( $(now) - started )) s"
fi

echo "HELM=$helm_bin"
echo "KUBERNETES_VALIDATE=$venv/bin/kubernetes-validate"
echo "CHECK_JSONSCHEMA=$venv/bin/check-jsonschema"
echo "PYTHON=$venv/bin/python"
