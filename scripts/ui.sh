#!/usr/bin/env bash
# ui.sh: build the pages (web/ui) into web/ui/dist, which the binary embeds.
# It installs the npm packages from the committed lockfile when they are
# missing or older than it, and Node.js itself with apt-get when it is
# missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/../web/ui"

log() { echo "ui: $*" >&2; }

if ! command -v npm >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		log "installing nodejs and npm with apt-get"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >&2
		apt-get install -y -qq nodejs npm >&2
	else
		log "Node.js and npm are needed to build the pages; install them with:"
		log "    sudo apt-get install -y nodejs npm"
		exit 1
	fi
fi

# npm ci installs exactly the lockfile; it runs again when the lockfile
# changes. Install scripts are not needed (esbuild's binary comes as an
# optional dependency).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	log "installing npm packages (package-lock.json)"
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

# Rebuild only when a source is newer than the last build.
if [ ! -f dist/screen.js ] || [ -n "$(find src build.mjs map.mjs package-lock.json -newer dist/screen.js -print -quit)" ]; then
	node build.mjs
fi
