#!/usr/bin/env bash
# setup.sh installs what mediafleet needs and is missing, and skips what is there:
#   system packages (ffmpeg, redis-server, libturbojpeg0-dev for JPEG decoding; chromium with --browser),
#   ONNX Runtime 1.30 (from the npm package onnxruntime-node@1.30.0),
#   the face models (npm faceplugin-face-recognition-js@0.0.1),
#   the sample media (Debian opencv-doc and python3-skimage, only the files needed),
#   with --gpu the GPU build of ONNX Runtime (see install_gpu_build below).
# Downloads go to a per-user cache (${XDG_CACHE_HOME:-$HOME/.cache}/mediafleet) that
# the project's .cache links to, so a fresh clone on the same machine fetches nothing.
set -euo pipefail

want_browser=0
want_gpu=0
for a in "$@"; do
  case "$a" in
    --browser) want_browser=1 ;;
    --gpu) want_gpu=1 ;;
    *) echo "setup.sh: unknown argument $a (known: --browser, --gpu)" >&2; exit 2 ;;
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

apt_install ffmpeg redis-server libturbojpeg0-dev
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
# Group photos with 22 faces of 21 people (the demo images of the npm package @vladmandic/face-api,
# MIT) for measuring how faces cluster into persons: persons/testdata/identities.csv labels them.
npm_fetch @vladmandic/face-api@1.7.15 "$cache/face-api" demo/sample1.jpg demo/sample2.jpg demo/sample3.jpg \
  demo/sample4.jpg demo/sample5.jpg demo/sample6.jpg

# The faces evaluation set: photos of people, animals and objects that Debian packages ship
# (labels: inference/faces/faceeval/labels.json). Each line: target name, package, path in it.
evalset="$cache/evalset"
eval_files='
people-2011_000003.jpg labelme-examples usr/share/doc/labelme-examples/examples/bbox_detection/data_annotated/2011_000003.jpg
people-2011_000006.jpg labelme-examples usr/share/doc/labelme-examples/examples/bbox_detection/data_annotated/2011_000006.jpg
people-messi5.jpg opencv-doc usr/share/doc/opencv-doc/examples/data/messi5.jpg
people-astronaut.png python3-skimage usr/lib/python3/dist-packages/skimage/data/astronaut.png
people-camera.png python3-skimage usr/lib/python3/dist-packages/skimage/data/camera.png
people-basketball1.png opencv-doc usr/share/doc/opencv-doc/examples/data/basketball1.png
animal-cat-0001.jpg labelme-examples usr/share/doc/labelme-examples/examples/classification/data_annotated/0001.jpg
animal-dog-0002.jpg labelme-examples usr/share/doc/labelme-examples/examples/classification/data_annotated/0002.jpg
animal-chelsea.png python3-skimage usr/lib/python3/dist-packages/skimage/data/chelsea.png
animal-chicky_512.png opencv-doc usr/share/doc/opencv-doc/examples/data/chicky_512.png
animal-baboon.jpg opencv-doc usr/share/doc/opencv-doc/examples/data/baboon.jpg
animal-squirrel_cls.jpg opencv-doc usr/share/doc/opencv-doc/examples/data/squirrel_cls.jpg
animal-butterfly.jpg opencv-doc usr/share/doc/opencv-doc/examples/data/butterfly.jpg
animal-HappyFish.jpg opencv-doc usr/share/doc/opencv-doc/examples/data/HappyFish.jpg
object-2011_000025.jpg labelme-examples usr/share/doc/labelme-examples/examples/bbox_detection/data_annotated/2011_000025.jpg
object-Blender_Suzanne1.jpg opencv-doc usr/share/doc/opencv-doc/examples/data/Blender_Suzanne1.jpg
object-apc2016_obj3.jpg labelme-examples usr/share/doc/labelme-examples/examples/tutorial/apc2016_obj3.jpg
object-fruits.jpg opencv-doc usr/share/doc/opencv-doc/examples/data/fruits.jpg
object-coffee.png python3-skimage usr/lib/python3/dist-packages/skimage/data/coffee.png
object-home.jpg opencv-doc usr/share/doc/opencv-doc/examples/data/home.jpg
object-rocket.jpg python3-skimage usr/lib/python3/dist-packages/skimage/data/rocket.jpg
object-motorcycle_left.png python3-skimage usr/lib/python3/dist-packages/skimage/data/motorcycle_left.png
object-starry_night.jpg opencv-doc usr/share/doc/opencv-doc/examples/data/starry_night.jpg
object-street-00000100.jpg labelme-examples usr/share/doc/labelme-examples/examples/video_annotation/data_annotated/00000100.jpg
'
missing_eval=0
while read -r name pkg path; do
  [ -n "$name" ] && [ ! -s "$evalset/$name" ] && missing_eval=1
done <<<"$eval_files"
if [ $missing_eval = 1 ]; then
  if [ $apt_updated = 0 ] && [ "$(id -u)" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  log "fetching the faces evaluation set (labelme-examples, opencv-doc, python3-skimage)"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq labelme-examples opencv-doc python3-skimage >/dev/null)
  mkdir -p "$evalset"
  for pkg in labelme-examples opencv-doc python3-skimage; do mkdir -p "$tmp/$pkg"; dpkg -x "$tmp"/${pkg}_*.deb "$tmp/$pkg"; done
  while read -r name pkg path; do
    [ -z "$name" ] && continue
    src="$tmp/$pkg/$path"
    if [ -e "$src.gz" ]; then gunzip -c "$src.gz" >"$evalset/$name"; else cp "$src" "$evalset/$name"; fi
  done <<<"$eval_files"
  rm -rf "$tmp"
fi

# install_gpu_build puts the GPU build of ONNX Runtime 1.29.0 into $cache/onnxruntime-gpu, flat:
#   libonnxruntime.so                  the core (also runs on the CPU), npm com.github.asus4.onnxruntime@0.4.9
#   libonnxruntime_providers_shared.so the provider bridge, same package
#   libonnxruntime_providers_cuda.so   the CUDA execution provider (230 MB), npm
#                                      com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9; built for CUDA 13:
#                                      it needs libcudart.so.13, libcublas(Lt).so.13, libcurand.so.10 and
#                                      the driver's libcuda.so.1, and loads cuDNN 9 (libcudnn.so.9) at run time.
# None of the CUDA libraries are installed here: they come with the driver and NVIDIA's packages
# (see the README's GPU section). The files are checked by size and the packages' version is
# kept in .version, so a second run fetches nothing. The TensorRT provider is left out.
install_gpu_build() {
  local dir="$cache/onnxruntime-gpu" stamp="com.github.asus4.onnxruntime@0.4.9"
  local -A want=([libonnxruntime.so]=28497752 [libonnxruntime_providers_shared.so]=14632
    [libonnxruntime_providers_cuda.so]=229780440)
  local ok=1 f
  [ "$(cat "$dir/.version" 2>/dev/null)" = "$stamp" ] || ok=0
  for f in "${!want[@]}"; do
    [ "$(stat -c %s "$dir/$f" 2>/dev/null)" = "${want[$f]}" ] || ok=0
  done
  [ $ok = 1 ] && return 0
  log "fetching the GPU build of ONNX Runtime (about 330 MB from npm, 258 MB kept)"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent --cache "$tmp/npm-cache" com.github.asus4.onnxruntime@0.4.9 com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 >/dev/null)
  rm -rf "$dir.new"; mkdir -p "$dir.new"
  tar --no-same-owner -xzf "$tmp"/com.github.asus4.onnxruntime-0.4.9.tgz -C "$dir.new" --strip-components=4 \
    package/Plugins/Linux/x64/libonnxruntime.so package/Plugins/Linux/x64/libonnxruntime_providers_shared.so
  tar --no-same-owner -xzf "$tmp"/com.github.asus4.onnxruntime.linux-x64-gpu-0.4.9.tgz -C "$dir.new" --strip-components=4 \
    package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so
  tar -xzf "$tmp"/com.github.asus4.onnxruntime-0.4.9.tgz -O package/LICENSE >"$dir.new/LICENSE"
  rm -rf "$tmp"
  for f in "${!want[@]}"; do
    local got; got=$(stat -c %s "$dir.new/$f")
    [ "$got" = "${want[$f]}" ] || { log "$f from npm has $got bytes, expected ${want[$f]}"; exit 1; }
  done
  ln -sf libonnxruntime.so "$dir.new/libonnxruntime.so.1"
  echo "$stamp" >"$dir.new/.version"
  rm -rf "$dir"; mv "$dir.new" "$dir"
}
if [ $want_gpu = 1 ]; then install_gpu_build; fi

log "ready: $cache"
