#!/usr/bin/env bash
# gpu-check.sh checks mediafleet's GPU path on a machine with an NVIDIA GPU, in a few minutes,
# and ends with one summary table. On a machine without a GPU it says so plainly and still
# checks what it can: the CPU build, the GPU build's core on the CPU, the fallback sentence and
# the require_gpu refusal. It exits 1 when a check fails.
#
#   bash scripts/gpu-check.sh                 # from a checkout with bin/mediafleet and the setup cache
#   bash scripts/gpu-check.sh pack DIR        # build machine: bundle everything into DIR/part-*
#   bash scripts/gpu-check.sh unpack DIR      # GPU machine: join DIR/part-* and unpack into DIR/x
#   bash DIR/x/gpu-check.sh                   # GPU machine: the checks, from the bundle
#
# What the checks use (each can be named by an environment variable):
#   BIN      the mediafleet binary                  (bundle: bin/mediafleet; checkout: bin/mediafleet)
#   MODELS   fr_detect/fr_landmark/fr_feature.onnx  (bundle: models; checkout: .cache/models)
#   ORT_CPU  the CPU build, libonnxruntime.so.1     (bundle: ort-cpu; checkout: .cache/onnxruntime)
#   ORT_GPU  the GPU build's libonnxruntime.so, with libonnxruntime_providers_cuda.so and
#            libonnxruntime_providers_shared.so beside it (bundle: ort-gpu; checkout: .cache/onnxruntime-gpu)
#   PHOTOS   photos to run faces on                 (bundle: photos; checkout: .cache/samples)
#   REPEAT   timed passes over the photos (default 40); CONCURRENCY photos in flight (default 8)
# The CUDA 13 and cuDNN 9 libraries are found where NVIDIA's pip packages put them in the python3
# on PATH (site-packages/nvidia/*/lib: nvidia-cuda-runtime, nvidia-cublas, nvidia-curand,
# nvidia-cudnn-cu13), which go on LD_LIBRARY_PATH; mediafleet also looks there by itself.
#
# Carrying the bundle to a machine that takes at most 64 MiB per call and keeps ignored folders
# between calls (no Go, no network there): `pack` writes a gzip'd tar of the pieces above (about
# 350 MB before compression, most of it the 230 MB CUDA provider; 234 MB after) split into parts
# of 60 MiB, part-aa to part-ad, and SHA256SUMS. Carry .gpu-carry/SHA256SUMS and one part per call into the
# ignored folder .gpu-carry/ (pack writes there by default), then in the last call run
#   bash scripts/gpu-check.sh unpack .gpu-carry && bash .gpu-carry/x/gpu-check.sh
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mode=${1:-check}

case "$mode" in
pack)
  out=${2:-$root/.gpu-carry}
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/mediafleet"
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  mkdir -p "$stage/bin" "$stage/models" "$stage/ort-cpu" "$stage/ort-gpu" "$stage/photos" "$out"
  if command -v go >/dev/null; then
    (cd "$root" && go build -trimpath -ldflags='-s -w' -o "$stage/bin/mediafleet" ./cmd/mediafleet 2>"$stage/build.log") ||
      { cat "$stage/build.log" >&2; exit 1; }
    rm "$stage/build.log"
  else
    cp "${BIN:-$root/bin/mediafleet}" "$stage/bin/mediafleet" || exit 1
  fi
  cp -L "$cache"/models/fr_{detect,landmark,feature}.onnx "$stage/models/" || exit 1
  cp -L "$cache/onnxruntime/libonnxruntime.so.1" "$stage/ort-cpu/" || exit 1
  for f in libonnxruntime.so libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so; do
    cp -L "$cache/onnxruntime-gpu/$f" "$stage/ort-gpu/" || { echo "run go tool task setup:gpu first" >&2; exit 1; }
  done
  for f in "${PHOTOS:-$cache/samples}"/*; do
    case "${f,,}" in *.jpg|*.jpeg|*.png|*.webp) cp -L "$f" "$stage/photos/" ;; esac
  done
  cp "$here/gpu-check.sh" "$stage/"
  rm -f "$out"/part-* "$out/SHA256SUMS"
  tar -C "$stage" -cf - . | gzip -1 | split -b 60M - "$out/part-"
  (cd "$out" && cat part-* | sha256sum | sed 's/-$/bundle.tar.gz/' >SHA256SUMS)
  ls -l "$out"
  echo "carry $out/SHA256SUMS and each $out/part-* (one per call), then: bash scripts/gpu-check.sh unpack $out && bash $out/x/gpu-check.sh"
  exit 0
  ;;
unpack)
  dir=${2:?unpack needs the folder that holds the parts}
  cat "$dir"/part-* >"$dir/bundle.tar.gz"
  (cd "$dir" && sha256sum -c SHA256SUMS) || { echo "the parts do not add up to the packed bundle: carry them again" >&2; exit 1; }
  rm -rf "$dir/x" && mkdir -p "$dir/x" && tar -C "$dir/x" -xzf "$dir/bundle.tar.gz" && rm "$dir/bundle.tar.gz"
  echo "unpacked into $dir/x: bash $dir/x/gpu-check.sh"
  exit 0
  ;;
check) ;;
*) echo "usage: gpu-check.sh [check | pack [DIR] | unpack DIR]" >&2; exit 2 ;;
esac

# Pieces: the bundle's layout when this script sits in one, else the checkout's.
if [ -x "$here/bin/mediafleet" ]; then base=$here; lay=bundle; else base=$root; lay=checkout; fi
cache="${XDG_CACHE_HOME:-$HOME/.cache}/mediafleet"
pick() { if [ $lay = bundle ]; then echo "$base/$1"; else echo "$2"; fi; }
BIN=${BIN:-$base/bin/mediafleet}
MODELS=${MODELS:-$(pick models "$cache/models")}
ORT_CPU=${ORT_CPU:-$(pick ort-cpu/libonnxruntime.so.1 "$cache/onnxruntime/libonnxruntime.so.1")}
ORT_GPU=${ORT_GPU:-$(pick ort-gpu/libonnxruntime.so "$cache/onnxruntime-gpu/libonnxruntime.so")}
PHOTOS=${PHOTOS:-$(pick photos "$cache/samples")}
REPEAT=${REPEAT:-40}
CONCURRENCY=${CONCURRENCY:-8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MEDIAFLEET_MODELS_DIR=$MODELS MEDIAFLEET_ORT_LIB=$ORT_CPU MEDIAFLEET_ORT_GPU_LIB=$ORT_GPU
export MEDIAFLEET_DATA_DIR=$work/data MEDIAFLEET_LOG_FORMAT=json

rows=()
failed=0
row() { # row CHECK RESULT DETAIL
  rows+=("$1"$'\t'"$2"$'\t'"$3")
  [ "$2" = FAIL ] && failed=1
  printf '%-28s %-6s %s\n' "$1" "$2" "$3" >&2
}
py() { python3 -c "$1" "${@:2}"; }

for f in "$BIN" "$MODELS/fr_feature.onnx" "$ORT_CPU" "$ORT_GPU" "$(dirname "$ORT_GPU")/libonnxruntime_providers_cuda.so"; do
  [ -e "$f" ] || { echo "gpu-check: $f is missing (see the header of this script for what to bring)" >&2; exit 1; }
done
photos=$(find "$PHOTOS" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.webp' \) | sort)
[ -n "$photos" ] || { echo "gpu-check: no photos in $PHOTOS" >&2; exit 1; }
mapfile -t photos <<<"$photos"

# 1. The GPU, as NVML (mediafleet) and nvidia-smi see it.
gpus=$("$BIN" gpus --json --log-level error 2>/dev/null || echo '{"driver":false,"message":"mediafleet gpus failed","devices":[]}')
ngpu=$(echo "$gpus" | py 'import json,sys; print(len(json.load(sys.stdin)["devices"]))')
if [ "$ngpu" -ge 1 ]; then
  read -r uuid index name free < <(echo "$gpus" | py 'import json,sys; d=json.load(sys.stdin)["devices"][0]; print(d["uuid"], d["index"], d["name"].replace(" ","_"), d["memory_free_bytes"]>>20)')
  smi=$(command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=driver_version --format=csv,noheader -i "$index" 2>/dev/null)
  cuda=$(command -v nvidia-smi >/dev/null && nvidia-smi 2>/dev/null | grep -o 'CUDA Version: [0-9.]*' | cut -d' ' -f3)
  row "GPU" ok "$ngpu found; GPU $index $name $uuid, $free MiB free; driver ${smi:-?}, CUDA ${cuda:-?}"
else
  msg=$(echo "$gpus" | py 'import json,sys; print(json.load(sys.stdin)["message"])')
  row "GPU" none "no GPU on this machine: $msg; nvidia-smi: $(command -v nvidia-smi || echo absent). The GPU checks below say what they could check"
fi

# 2. The CUDA and cuDNN libraries the CUDA provider needs, with NVIDIA's pip folders on the path.
piplibs=$(python3 - <<'EOF' 2>/dev/null
import glob, os
try:
    import nvidia
    roots = list(nvidia.__path__)
except Exception:
    roots = []
print(":".join(sorted(p for r in roots for p in glob.glob(os.path.join(r, "*", "lib")))))
EOF
)
[ -n "$piplibs" ] && export LD_LIBRARY_PATH=$piplibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
provider=$(dirname "$ORT_GPU")/libonnxruntime_providers_cuda.so
missing=$(ldd "$provider" | awk '/not found/ {printf "%s ", $1}')
cudnn=$(for d in ${LD_LIBRARY_PATH//:/ }; do [ -e "$d/libcudnn.so.9" ] && echo "$d/libcudnn.so.9"; done | head -1)
[ -z "$cudnn" ] && cudnn=$(/sbin/ldconfig -p 2>/dev/null | awk '/libcudnn.so.9 / {print $NF; exit}')
[ -z "$cudnn" ] && missing="${missing}libcudnn.so.9"
if [ -z "${missing// /}" ]; then
  row "CUDA 13 + cuDNN 9 libraries" ok "ldd finds every one; cuDNN $cudnn; pip folders: ${piplibs:-none}"
elif [ "$ngpu" -ge 1 ]; then
  row "CUDA 13 + cuDNN 9 libraries" FAIL "missing: $missing(pip folders: ${piplibs:-none})"
else
  row "CUDA 13 + cuDNN 9 libraries" none "missing here, as expected without a GPU: $missing"
fi

# 3. Faces through the CPU build and through the GPU build, the same photos.
faces_run() { # faces_run OUT [ENV=V...] -- ARGS...
  local out=$1; shift
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" "$BIN" faces run --json --embeddings --repeat "$REPEAT" --concurrency "$CONCURRENCY" "$@" "${photos[@]}" \
    >"$out.json" 2>"$out.log"
}
summary() { py '
import json, os, sys
d = json.load(open(sys.argv[1]))
lib = os.path.join(os.path.basename(os.path.dirname(d["library"])), os.path.basename(d["library"]))
print("ONNX Runtime %s (%s) on %s: %d photos, %d faces, %d images in %.1fs, %.1f images/s" % (
    d["onnxruntime"], lib, d["provider"], d["photos"], d["faces"], d["images"], d["seconds"], d["images_per_second"]))' "$1.json"; }
if faces_run "$work/cpu" -- --device cpu; then
  row "faces, CPU build" ok "$(summary "$work/cpu")"
else
  row "faces, CPU build" FAIL "$(tail -c 400 "$work/cpu.log")"
fi
gpuargs=(--device gpu)
[ "$ngpu" -ge 1 ] && gpuargs+=(--gpu "$uuid")
if faces_run "$work/gpu" -- "${gpuargs[@]}"; then
  prov=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["provider"])' "$work/gpu.json")
  fallback=$(py 'import json,sys; print(json.load(open(sys.argv[1])).get("fallback",""))' "$work/gpu.json")
  line=$(grep -o '"message":"ONNX Runtime [^"]*"' "$work/gpu.log" | head -1 | cut -d'"' -f4)
  if [ "$ngpu" -ge 1 ] && [[ "$prov" == CUDA* ]]; then
    row "faces, GPU build" ok "$(summary "$work/gpu")"
  elif [ "$ngpu" -ge 1 ]; then
    row "faces, GPU build" FAIL "ran on $prov: ${fallback:-$line}"
  else
    row "faces, GPU asked, no GPU" ok "ran on the CPU and said why: ${fallback:-$line}"
  fi
else
  row "faces, GPU build" FAIL "$(tail -c 400 "$work/gpu.log")"
fi
if [ "$ngpu" -lt 1 ]; then
  # Without a GPU the GPU build's core still runs, on the CPU: compare it with the CPU build.
  if faces_run "$work/gpu" MEDIAFLEET_ORT_LIB="$ORT_GPU" -- --device cpu; then
    row "faces, GPU core on CPU" ok "$(summary "$work/gpu")"
  else
    row "faces, GPU core on CPU" FAIL "$(tail -c 400 "$work/gpu.log")"
  fi
fi

# 4. Embedding agreement: every face of the CPU run against its counterpart of the other run.
if [ -s "$work/cpu.json" ] && [ -s "$work/gpu.json" ]; then
  agree=$(py '
import json, math, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
cos, bad = [], []
for ra, rb in zip(a["results"], b["results"]):
    if len(ra["faces"]) != len(rb["faces"]):
        bad.append("%s: %d vs %d faces" % (ra["path"], len(ra["faces"]), len(rb["faces"])))
        continue
    for fa, fb in zip(ra["faces"], rb["faces"]):
        x, y = fa["embedding"], fb["embedding"]
        cos.append(sum(p * q for p, q in zip(x, y)) / math.sqrt(sum(p * p for p in x) * sum(q * q for q in y)))
ok = not bad and cos and min(cos) >= 1 - 1e-3
name = lambda d: "ONNX Runtime %s on %s" % (d["onnxruntime"], d["provider"])
print("ok" if ok else "FAIL", "%d faces, %s vs %s: cosine min %.6f, mean %.6f %s" % (len(cos), name(a), name(b), min(cos or [0]), sum(cos) / max(len(cos), 1), "; ".join(bad)))
' "$work/cpu.json" "$work/gpu.json")
  row "embeddings agree to 1e-3" "${agree%% *}" "${agree#* }"
fi

# 5. require_gpu: on the GPU it runs there; without one it refuses with a sentence.
if "$BIN" faces run --device gpu --require-gpu --json "${photos[0]}" >"$work/req.json" 2>"$work/req.log"; then
  prov=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["provider"])' "$work/req.json")
  if [ "$ngpu" -ge 1 ] && [[ "$prov" == CUDA* ]]; then row "require_gpu" ok "ran on $prov"; else row "require_gpu" FAIL "ran on $prov"; fi
else
  why=$(grep -v '^{' "$work/req.log" | tail -1)
  if [ "$ngpu" -ge 1 ]; then row "require_gpu" FAIL "$why"; else row "require_gpu" ok "refused: $why"; fi
fi

if [ "$ngpu" -ge 1 ]; then
  # 6. Pinning: by UUID and by index, the faces process runs on that card as nvidia-smi sees it:
  # listed there with its pid or, where nvidia-smi cannot see this process (a container's own PID
  # namespace), by the card's used memory rising while it runs.
  used() { nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i "$uuid" 2>/dev/null | tr -d ' '; }
  for spec in "$uuid" "$index"; do
    by=$("$BIN" gpus --json --resolve "$spec" --log-level error | py 'import json,sys; print(json.load(sys.stdin)["uuid"])')
    before=$(used)
    "$BIN" faces run --device gpu --gpu "$spec" --require-gpu --repeat 100000 --concurrency 2 "${photos[@]}" >/dev/null 2>"$work/pin.log" &
    pid=$!
    seen="" during=$before
    for _ in $(seq 120); do
      seen=$(nvidia-smi --query-compute-apps=pid,gpu_uuid --format=csv,noheader 2>/dev/null | awk -F', ' -v p="$pid" '$1 == p {print $2}')
      during=$(used)
      [ -n "$seen" ] && break
      grep -q '"message":"ONNX Runtime gpu build' "$work/pin.log" && [ $((during - before)) -ge 100 ] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    if [ "$by" = "$uuid" ] && [ "$seen" = "$uuid" ]; then
      row "pinning --gpu $spec" ok "resolves to $by; nvidia-smi shows pid $pid on $seen"
    elif [ "$by" = "$uuid" ] && [ -z "$seen" ] && [ $((during - before)) -ge 100 ]; then
      row "pinning --gpu $spec" ok "resolves to $by; nvidia-smi lists no pid here, but $uuid went from $before to $during MiB used while it ran"
    else
      row "pinning --gpu $spec" FAIL "resolves to $by; nvidia-smi shows pid $pid on '${seen:-nothing}', $uuid used $before then $during MiB; $(tail -c 300 "$work/pin.log")"
    fi
  done
  # 7. VRAM admission against the card's real free memory: tasks of a third of it each.
  need=$(( free / 3 ))
  if adm=$("$BIN" gpus admit --gpu "$uuid" --mib "$need" --tasks 4 --headroom 256 --log-level error); then
    res=$(echo "$adm" | py '
import json, sys
d = json.load(sys.stdin); s = d["steps"]
n = sum(1 for x in s[:4] if x["admitted"])
ok = 1 <= n <= 3 and s[-1]["admitted"]
print("ok" if ok else "FAIL", "%d of 4 tasks of %d MiB admitted with %d MiB free; the refused one admitted once one ended: %s" % (n, s[0]["need_mib"], s[0]["free_mib"], s[-1]["admitted"]))')
    row "VRAM admission" "${res%% *}" "${res#* }"
  else
    row "VRAM admission" FAIL "gpus admit failed"
  fi
else
  row "pinning, VRAM admission" none "need a GPU"
fi

echo
printf '%s\n' "${rows[@]}" | awk -F'\t' 'BEGIN { printf "%-28s  %-6s  %s\n", "CHECK", "RESULT", "DETAIL"; printf "%-28s  %-6s  %s\n", "-----", "------", "------" } { printf "%-28s  %-6s  %s\n", $1, $2, $3 }'
exit $failed
