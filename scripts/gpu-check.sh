#!/usr/bin/env bash
# gpu-check.sh checks mediafleet on a machine with an NVIDIA GPU, in under five minutes.
# Such a machine may have no Go toolchain and no network: build on an x86-64 machine
# (`go tool task build`) and bring bin/mediafleet; a redis-server binary is used when one is
# on PATH or given as REDIS_SERVER, for the worker pinning step.
#
#   BIN=bin/mediafleet bash scripts/gpu-check.sh
#
# It prints what it finds and exits non-zero on the first check that fails:
#   1. `mediafleet gpus --json` lists at least one GPU;
#   2. the first GPU resolves to the same card by UUID and by index (`gpus --resolve`);
#   3. a worker started with --gpu <uuid> and one with --gpu <index> pin the same card;
#   4. VRAM admission against the real free memory: tasks of a third of the free memory each
#      are admitted while they fit, the next is refused, and admitted once one ends.
set -euo pipefail
BIN=${BIN:-bin/mediafleet}
fail() { echo "FAIL: $*" >&2; exit 1; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
[ -x "$BIN" ] || fail "$BIN is not an executable mediafleet binary (build it with go tool task build)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.free --format=csv

echo "== 1. gpus"
gpus=$("$BIN" gpus --json --log-level warn)
echo "$gpus"
n=$(echo "$gpus" | field "len(d['devices'])")
[ "$n" -ge 1 ] || fail "no GPU listed"
uuid=$(echo "$gpus" | field "d['devices'][0]['uuid']")
index=$(echo "$gpus" | field "d['devices'][0]['index']")
free=$(echo "$gpus" | field "d['devices'][0]['memory_free_bytes']//(1<<20)")

echo "== 2. resolve by UUID and by index"
by_uuid=$("$BIN" gpus --json --resolve "$uuid" --log-level warn | field "d['uuid']")
by_index=$("$BIN" gpus --json --resolve "$index" --log-level warn | field "d['uuid']")
echo "uuid $uuid -> $by_uuid; index $index -> $by_index"
[ "$by_uuid" = "$uuid" ] && [ "$by_index" = "$uuid" ] || fail "UUID and index resolve to different cards"
if command -v nvidia-smi >/dev/null; then
  smi=$(nvidia-smi --query-gpu=uuid --format=csv,noheader -i "$index")
  [ "$smi" = "$uuid" ] || fail "nvidia-smi calls GPU $index $smi, mediafleet $uuid"
  echo "nvidia-smi agrees: GPU $index is $smi"
fi

echo "== 3. workers pinned by UUID and by index"
redis=${REDIS_SERVER:-$(command -v redis-server || true)}
if [ -n "$redis" ]; then
  dir=$(mktemp -d)
  port=$((20000 + RANDOM % 20000))
  "$redis" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize no >/dev/null &
  rpid=$!
  trap 'kill $rpid 2>/dev/null || true; rm -rf "$dir"' EXIT
  sleep 1
  pins=()
  for spec in "$uuid" "$index"; do
    log="$dir/worker-$spec.log"
    MEDIAFLEET_REDIS_URL="redis://127.0.0.1:$port/0" MEDIAFLEET_DATA_DIR="$dir/data" \
      timeout 30 "$BIN" worker --gpu "$spec" --queues keyframes=1 --until-empty --log-format json >"$log" 2>&1 || true
    pinned=$(grep -o '"gpu":"[^"]*"' "$log" | head -1 || true)
    echo "--gpu $spec: $pinned"
    pins+=("$pinned")
  done
  [ -n "${pins[0]}" ] && [ "${pins[0]}" = "${pins[1]}" ] || fail "workers pinned by UUID and by index report different cards"
else
  echo "skipped: no redis-server here (set REDIS_SERVER to a redis-server binary to run it)"
fi

echo "== 4. admission against $free MiB free"
need=$(( free / 3 ))
adm=$("$BIN" gpus admit --gpu "$uuid" --mib "$need" --tasks 4 --headroom 256 --log-level warn)
echo "$adm"
admitted=$(echo "$adm" | field "sum(1 for s in d['steps'][:4] if s['admitted'])")
last=$(echo "$adm" | field "d['steps'][-1]['admitted']")
[ "$admitted" -ge 1 ] && [ "$admitted" -le 3 ] || fail "expected 1 to 3 of 4 tasks of $need MiB admitted, got $admitted"
[ "$last" = "True" ] || fail "a refused task was not admitted after one finished"
echo "OK: $admitted of 4 tasks of $need MiB admitted on $uuid, the refused one admitted once one ended"
