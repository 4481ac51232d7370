#!/usr/bin/env bash
# setup.sh installs what mediafleet needs and is missing, and skips what is there:
#   system packages (ffmpeg, redis-server; chromium with --browser),
#   ONNX Runtime 1.30 (from the npm package onnxruntime-node@1.30.0),
#   the face models (npm faceplugin-face-recognition-js@0.0.1),
#   the sample media (Debian opencv-doc and python3-skimage, only the files needed).
# Downloads go to a per-user cache (${XDG_CACHE_HOME:-$HOME/.cache}/mediafleet) that
# the project's .cache links to, so a fresh clone on the same machine fetches nothing.
set -euo pipefail

want_browser=0
for a in "$@"; do
  case "$a" in
    --browser) want_browser=1 ;;
    *) echo "setup.sh: unknown argument $a (known: --browser)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/mediafleet"
mkdir -p "$cache"
if [ ! -e "$root/.cache" ]; then ln -s "$cache" "$root/.cache"; fi

log() { printf 'setup: %s\n' "$*" >&2; }

apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "missing Debian packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})"; exit 1
  fi
  if [ $apt_updated = 0 ]; then apt-get update -qq; apt_updated=1; fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

apt_install ffmpeg redis-server
# numpy loads the .npy files the vlmPhotoHouse write-back writes, in its tests.
apt_install python3-numpy
if [ $want_browser = 1 ]; then apt_install chromium; fi

# npm_fetch NAME@VERSION DIR FILE...: npm pack + tar (no install scripts) into DIR, once.
npm_fetch() {
  local spec=$1 dir=$2; shift 2
  local ok=1
  for f in "$@"; do [ -s "$dir/$f" ] || ok=0; done
  [ $ok = 1 ] && return 0
  log "fetching $spec"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  mkdir -p "$dir"
  tar -xzf "$tmp"/*.tgz -C "$dir" --strip-components=1 "${@/#/package/}"
  rm -rf "$tmp"
}

npm_fetch onnxruntime-node@1.30.0 "$cache/onnxruntime" bin/napi-v6/linux/x64/libonnxruntime.so.1
for l in libonnxruntime.so libonnxruntime.so.1; do ln -sf bin/napi-v6/linux/x64/libonnxruntime.so.1 "$cache/onnxruntime/$l"; done
npm_fetch faceplugin-face-recognition-js@0.0.1 "$cache/faceplugin" model/fr_detect.onnx model/fr_landmark.onnx model/fr_feature.onnx
mkdir -p "$cache/models"
for m in fr_detect fr_landmark fr_feature; do ln -sf "../faceplugin/model/$m.onnx" "$cache/models/$m.onnx"; done

# Sample media: a few files out of two Debian packages, without installing them.
samples="$cache/samples"
if [ ! -s "$samples/Megamind.avi" ] || [ ! -s "$samples/vtest.avi" ] || [ ! -s "$samples/messi5.jpg" ] || [ ! -s "$samples/astronaut.png" ]; then
  if [ $apt_updated = 0 ] && [ "$(id -u)" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  log "fetching sample media (opencv-doc, python3-skimage)"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq opencv-doc python3-skimage >/dev/null)
  mkdir -p "$tmp/x" "$samples"
  for d in "$tmp"/*.deb; do dpkg -x "$d" "$tmp/x"; done
  od="$tmp/x/usr/share/doc/opencv-doc/examples/data"
  for f in Megamind.avi vtest.avi messi5.jpg lena.jpg; do
    if [ -e "$od/$f.gz" ]; then gunzip -c "$od/$f.gz" >"$samples/$f"; elif [ -e "$od/$f" ]; then cp "$od/$f" "$samples/$f"; fi
  done
  cp "$tmp"/x/usr/lib/python3/dist-packages/skimage/data/astronaut.png "$samples/"
  rm -rf "$tmp"
fi
# Group photos of 22 different people (the demo images of the npm package @vladmandic/face-api,
# MIT) for measuring how faces cluster into persons: persons/testdata/identities.csv labels them.
npm_fetch @vladmandic/face-api@1.7.15 "$cache/face-api" demo/sample1.jpg demo/sample2.jpg demo/sample3.jpg \
  demo/sample4.jpg demo/sample5.jpg demo/sample6.jpg

log "ready: $cache"
