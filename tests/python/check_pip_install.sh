#!/usr/bin/env bash
# `pip install .` into a fresh virtualenv (offline: Debian's setuptools and numpy through
# --system-site-packages), then README's "Use from Python" example run by that virtualenv's Python from
# outside the source tree. YAMLNET_BUILD_DIR points setup.py at the suite's build, so nothing is recompiled.
# Usage: check_pip_install.sh PYTHON BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
python=$1 build=$(realpath "$2") source=$(realpath "$3") work=$4
rm -rf "$work" && mkdir -p "$work"
"$python" -m venv --system-site-packages "$work/env"
# The install must leave the source tree as it found it (setuptools' folders go elsewhere).
tree_state() { git -C "$source" status --porcelain --untracked-files=all 2>/dev/null; }
before=$(tree_state)
YAMLNET_BUILD_DIR=$build "$work/env/bin/pip" install --no-build-isolation --no-index --quiet "$source"
if [ "$(tree_state)" != "$before" ]; then
  echo "pip install changed the source tree:" >&2
  diff <(echo "$before") <(tree_state) >&2 || true
  exit 1
fi
"$python" - "$source/README.md" "$work/example.py" <<'PY'
import re, sys
section = open(sys.argv[1]).read().split("## Use from Python", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```python\n(.*?)```", section, re.S)
assert len(blocks) == 1, len(blocks)
open(sys.argv[2], "w").write(blocks[0])
PY
"$build/yamlnet" init "$source/configs/ncf_neumf.yaml" -o "$work/neumf.weights.json" >/dev/null
cd "$work"
out=$("$work/env/bin/python" -c 'import yamlnet, sys; print(yamlnet.__file__)')
case "$out" in "$work/env/"*) ;; *) echo "yamlnet was imported from $out, not the virtualenv" >&2; exit 1 ;; esac
"$work/env/bin/python" example.py "$source/configs/ncf_neumf.yaml" "$work/neumf.weights.json" \
  "$source/../shared/data/ml-100k/u.data" | tee "$work/example.out"
grep -q "id 944 is outside" "$work/example.out"
test -f "$work/ncf_neumf.weights.json"
echo "pip install . into a virtualenv: the README example ran"
