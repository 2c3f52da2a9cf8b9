#!/usr/bin/env bash
# Publishes the programs for their container images: the Dockerfile runs this, and so do the tests.
# Usage: scripts/publish.sh OUTPUT_DIR
set -euo pipefail
out=${1:?usage: scripts/publish.sh OUTPUT_DIR}
dotnet publish src/Webhook/Resorcerer.Webhook.csproj -c Release -o "$out/webhook" --nologo -v quiet -clp:ErrorsOnly
dotnet publish src/Profiler/Resorcerer.Profiler.csproj -c Release -o "$out/profiler" --nologo -v quiet -clp:ErrorsOnly
dotnet publish src/Updater/Resorcerer.Updater.csproj -c Release -o "$out/updater" --nologo -v quiet -clp:ErrorsOnly
