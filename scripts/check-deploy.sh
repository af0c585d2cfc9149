#!/usr/bin/env bash
# Checks the deployment files without Docker, helm or a Kubernetes cluster (ctest: deploy.check):
#   1. the Helm chart helm/plexus, rendered by tools/helmlite (Go text/template + sprig, like
#      `helm template`) with its default values, with helm/plexus/ci/scaled-values.yaml and with
#      a whole-DSN database; every manifest validated against the Kubernetes schemas (npm
#      kubernetes-models) plus expectations on rendered fields (deploy/checks/expect-*.json);
#   2. every plexus.yaml key the deployment ships is one libs/config reads;
#   3. deploy/compose/docker-compose.yml with `docker-compose config -q`;
#   4. the Grafana dashboards: deploy/grafana/src type-checked by tsc against @grafana/schema,
#      deploy/grafana/dashboards/*.json equal to what the sources generate, every panel query
#      parsed by promtool;
#   5. every Dockerfile linted with dockerfile-utils;
#   6. deploy/prometheus: `promtool check config` and the alert rules' unit tests.
# Negative cases (a broken manifest, dashboard and Dockerfile, a missing serverName) must fail,
# so that a check that silently accepts everything is caught too.
# Needs go, the sprig/yaml Go packages, docker-compose and prometheus from scripts/packages.txt,
# and node + npm; npm packages (deploy/checks/package.json) are installed into
# deploy/checks/node_modules on first use and reused offline after that.
#
#   scripts/check-deploy.sh                     run every check; exit 1 on any failure
#   scripts/check-deploy.sh --write-dashboards  regenerate deploy/grafana/dashboards/*.json first
# PLEXUS_DEPLOY_CHECK_CACHE: where the helmlite binary is kept (default .cache/deploy-check).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1
checks=deploy/checks
bin="$checks/node_modules/.bin"
cache="${PLEXUS_DEPLOY_CHECK_CACHE:-$root/.cache/deploy-check}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
write_dashboards=0
[ "${1:-}" = "--write-dashboards" ] && write_dashboards=1

passed=0
failed=0
failures=()
# check NAME COMMAND...: runs the command, shows its output indented, records the result.
check() {
  local name=$1; shift
  local log="$work/log" status
  "$@" >"$log" 2>&1
  status=$?
  sed 's/^/    /' "$log"
  if [ $status -eq 0 ]; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "FAIL $name (exit $status)"
  fi
}
# must_fail NAME PATTERN COMMAND...: the command must fail and print PATTERN.
must_fail() {
  local name=$1 pattern=$2; shift 2
  local log="$work/log"
  if "$@" >"$log" 2>&1; then
    failed=$((failed + 1)); failures+=("$name"); echo "FAIL $name: accepted a broken input"
  elif ! grep -q -- "$pattern" "$log"; then
    sed 's/^/    /' "$log"
    failed=$((failed + 1)); failures+=("$name"); echo "FAIL $name: no '$pattern' in the output"
  else
    passed=$((passed + 1)); echo "ok   $name (rejected: $(grep -o -m1 -- "$pattern.\{0,80\}" "$log"))"
  fi
}

missing=()
for tool in go node npm docker-compose promtool; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
for dir in github.com/Masterminds/sprig gopkg.in/yaml.v2 gopkg.in/yaml.v3; do
  [ -d "/usr/share/gocode/src/$dir" ] || missing+=("$dir (Go package)")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "check-deploy: missing ${missing[*]}; run scripts/install-deps.sh (and install nodejs/npm)"
  echo "deploy checks: 0 passed, 1 failed"
  exit 1
fi

echo "== npm packages ($checks/package.json)"
install_npm() {
  # One install at a time (ctest may run several build dirs' checks at once).
  (
    flock 9
    if [ -f "$checks/node_modules/.package-lock.json" ] &&
       [ "$checks/node_modules/.package-lock.json" -nt "$checks/package-lock.json" ] &&
       [ "$checks/node_modules/.package-lock.json" -nt "$checks/package.json" ]; then
      echo "node_modules up to date"
      exit 0
    fi
    cd "$checks" && timeout 300 npm ci --no-audit --no-fund --loglevel=error
  ) 9>"${TMPDIR:-/tmp}/plexus-deploy-checks-npm.lock"
}
check "npm install into $checks/node_modules" install_npm

echo "== helmlite (tools/helmlite)"
helmlite="$cache/helmlite"
build_helmlite() {
  if [ -x "$helmlite" ] && [ "$helmlite" -nt tools/helmlite/main.go ] && [ "$helmlite" -nt tools/helmlite/go.mod ]; then
    echo "up to date: $helmlite"
    return 0
  fi
  mkdir -p "$cache"
  # GOPATH mode over Debian's Go sources (no module download): the importing package must sit
  # under GOPATH/src and have a go.mod for the /v3 import of sprig to resolve.
  local gopath="$work/gopath"
  mkdir -p "$gopath/src"
  ln -s "$root/tools/helmlite" "$gopath/src/helmlite"
  (cd "$gopath/src/helmlite" && GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOPROXY=off GOFLAGS="" \
    go build -o "$helmlite" .) && echo "built $helmlite"
}
check "build helmlite" build_helmlite

echo "== Helm chart (helm/plexus)"
render() {  # render OUT ARGS...
  local out=$1; shift
  "$helmlite" -name plexus -namespace matrix "$@" helm/plexus >"$out" &&
    echo "$(grep -c '^kind:' "$out") objects rendered to $(basename "$out")"
}
check "render chart with default values" render "$work/default.yaml"
check "validate default render (kubernetes-models + expect-default.json)" \
  node "$checks/validate-k8s.mjs" "$work/default.yaml" "$checks/expect-default.json"
check "render chart with ci/scaled-values.yaml (3 shards, 4 client-api replicas, ServiceMonitor)" \
  render "$work/scaled.yaml" -f helm/plexus/ci/scaled-values.yaml -a monitoring.coreos.com/v1
check "validate scaled render (kubernetes-models + expect-scaled.json)" \
  node "$checks/validate-k8s.mjs" "$work/scaled.yaml" "$checks/expect-scaled.json"
check "render chart with a whole-DSN database secret and a Redis URL" \
  render "$work/dsn.yaml" -set "postgresql.dsn=host=db user=u password=p dbname=plexus" \
  -set redis.url=redis://:pw@cache:6379/1 -set metrics.serviceMonitor.enabled=true
check "validate whole-DSN render" node "$checks/validate-k8s.mjs" "$work/dsn.yaml"
check "render NOTES.txt" render "$work/notes.txt" -notes
must_fail "chart refuses an empty serverName" "serverName is required" \
  "$helmlite" -set serverName= helm/plexus
sed 's/^  replicas: 2$/  replicas: "2"/' "$work/default.yaml" >"$work/broken.yaml"
must_fail "validator rejects replicas given as a string" "FAIL StatefulSet/plexus-roomserver" \
  node "$checks/validate-k8s.mjs" "$work/broken.yaml"

echo "== plexus.yaml keys (libs/config/src/load.cc)"
check "config keys of compose and rendered ConfigMaps" node "$checks/config-keys.mjs" \
  libs/config/src/load.cc deploy/compose/plexus.yaml "$work/default.yaml" "$work/scaled.yaml" "$work/dsn.yaml"

echo "== docker-compose (deploy/compose)"
compose_check() {
  docker-compose -f deploy/compose/docker-compose.yml config -q &&
    echo "services: $(docker-compose -f deploy/compose/docker-compose.yml config --services | sort | tr '\n' ' ')"
}
check "docker-compose config -q" compose_check

echo "== Grafana dashboards (deploy/grafana)"
check "tsc: deploy/grafana/src against @grafana/schema" \
  "$bin/tsc" -p deploy/grafana --outDir "$work/dashboards-js"
if [ $write_dashboards -eq 1 ]; then
  check "write dashboards JSON" node "$checks/gen-dashboards.mjs" "$work/dashboards-js" --write
fi
check "dashboards JSON equals the typed sources" \
  node "$checks/gen-dashboards.mjs" "$work/dashboards-js" --check --rules "$work/panel-queries.yml"
check "promtool parses every panel query" promtool check rules "$work/panel-queries.yml"
must_fail "tsc rejects a dashboard with wrong field types" "error TS2322" \
  "$bin/tsc" -p "$checks/fixtures" --noEmit

echo "== Dockerfiles"
mapfile -t dockerfiles < <(find . \( -name node_modules -o -name 'build*' -o -name .git -o -path ./deploy/checks/fixtures \) \
  -prune -o -type f \( -name Dockerfile -o -name 'Dockerfile.*' -o -name '*.Dockerfile' \) -print | sort)
if [ ${#dockerfiles[@]} -eq 0 ]; then
  failed=$((failed + 1)); failures+=("Dockerfiles"); echo "FAIL no Dockerfile found"
fi
for f in "${dockerfiles[@]}"; do
  check "dockerfile-utils lint ${f#./}" "$bin/dockerfile-utils" lint "$f"
done
must_fail "dockerfile-utils rejects a broken Dockerfile" "Invalid proto" \
  "$bin/dockerfile-utils" lint "$checks/fixtures/bad.Dockerfile"

echo "== Prometheus (deploy/prometheus)"
check "promtool check config deploy/prometheus/prometheus.yml" promtool check config deploy/prometheus/prometheus.yml
check "promtool test rules (alerts)" promtool test rules deploy/prometheus/tests/plexus-alerts_test.yml

echo
if [ ${#failures[@]} -gt 0 ]; then printf 'failed: %s\n' "${failures[@]}"; fi
echo "deploy checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
