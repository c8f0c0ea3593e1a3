#!/usr/bin/env bash
# Set up Docker (offline, see ../shared/tools/docker-offline) with the Node 26 base image the
# Dockerfile starts from, run the container end-to-end test, stop Docker.
set -euo pipefail
cd "$(dirname "$0")/../.."
setup=../shared/tools/docker-offline/setup.sh
DKO_NODE_VERSION="${DKO_NODE_VERSION:-26.12.1}" bash "$setup"
trap 'bash "$setup" stop >/dev/null 2>&1 || true' EXIT
npx tsx test/docker/e2e.ts
