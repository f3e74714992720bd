#!/usr/bin/env bash
# Build a single page of the book with warnings as errors, for checking one chapter quickly.
# Other pages are replaced by one-line stubs (so {doc} links to them resolve) and not executed.
# Usage: bash tools/build_one.sh chapters/05_momentum.ipynb   -> prints warnings; exit 1 on any
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
page="${1:?usage: tools/build_one.sh chapters/NAME.ipynb}"
name="$(basename "${page%.*}")"
scratch="$(mktemp -d /tmp/build_one.XXXXXX)"
cp "$repo/_config.yml" "$repo/_toc.yml" "$scratch/"
cp -r "$repo/_ext" "$scratch/_ext"
mkdir -p "$scratch/chapters"
cp "$repo/$page" "$scratch/chapters/"
[ -f "$repo/intro.md" ] && cp "$repo/intro.md" "$scratch/intro.md"
# stubs for every other page in the table of contents
grep -oE "file: [^ ]+" "$repo/_toc.yml" | awk '{print $2}' | while read -r f; do
  base="$(basename "$f")"
  if [ "$base" != "$name" ] && [ ! -e "$scratch/$f.ipynb" ] && [ ! -e "$scratch/$f.md" ]; then
    printf '# %s\n\nStub page for a single-page build.\n' "$base" > "$scratch/$f.md"
  fi
done
cd "$scratch"
"$repo/.venv/bin/jupyter-book" build . --all -W -n --keep-going --path-output "$scratch" \
  > "$scratch/build.log" 2>&1 && status=0 || status=$?
grep -E "WARNING|ERROR|Traceback" "$scratch/build.log" || true
echo "build log: $scratch/build.log ; html: $scratch/_build/html/chapters/$name.html ; exit $status"
exit $status
