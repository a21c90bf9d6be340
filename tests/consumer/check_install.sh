#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then README's "Use from C++" example built against it twice, as a
# consumer would: with find_package(yamlnet) and with pkg-config. Each build must score the three pairs, and
# a bad weights path must reach the example's catch of yamlnet::Error (thrown inside libyamlnet.so).
# Usage: check_install.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 source=$2 work=$3
rm -rf "$work" && mkdir -p "$work/prefix" "$work/consumer"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -x "$work/prefix/bin/yamlnet"
test -f "$work/prefix/include/yamlnet/yamlnet.hpp"

# The README's two blocks under "Use from C++": the CMake project and the program.
python3 - "$source/README.md" "$work/consumer" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
section = text.split("## Use from C++", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```(cmake|cpp)\n(.*?)```", section, re.S)
kinds = [k for k, _ in blocks]
assert kinds == ["cmake", "cpp"], kinds
open(sys.argv[2] + "/CMakeLists.txt", "w").write(blocks[0][1])
open(sys.argv[2] + "/score_pairs.cpp", "w").write(blocks[1][1])
PY

config=$source/configs/ncf_neumf.yaml
weights=$work/neumf.weights.json
"$work/prefix/bin/yamlnet" init "$config" -o "$weights" >/dev/null

check_program() {  # the three scores, then the error path
  local program=$1 out
  out=$("$program" "$config" "$weights")
  echo "$out"
  [ "$(echo "$out" | wc -l)" -eq 3 ]
  echo "$out" | awk '{ if ($3 <= 0 || $3 >= 1) exit 1 }'
  if "$program" "$config" "$work/missing.json" 2>"$work/error.txt"; then
    echo "a missing weights file did not fail" >&2
    exit 1
  fi
  grep -q "missing.json" "$work/error.txt"
}

cmake -S "$work/consumer" -B "$work/consumer/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer/build" >/dev/null
check_program "$work/consumer/build/score_pairs"

flags=$(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs yamlnet)
g++ "$work/consumer/score_pairs.cpp" $flags -Wl,-rpath,"$work/prefix/lib" -o "$work/score_pairs_pc"
check_program "$work/score_pairs_pc"
echo "installed package: CMake and pkg-config consumers built and ran"
