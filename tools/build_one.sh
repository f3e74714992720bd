#!/usr/bin/env bash
# Build a single page of the book with warnings as errors, for checking one chapter quickly.
# Other pages are replaced by one-line stubs (so {doc} links to them resolve) and not executed.
# Usage: bash tools/build_one.sh chapters/05_momentum.ipynb   -> prints warnings; exit 1 on any
#        bash tools/build_one.sh chapters/05_momentum.ipynb zh_TW   -> the page in that translation
#        too (from the same execution; locale/zh_TW/LC_MESSAGES/chapters/05_momentum.po)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
page="${1:?usage: tools/build_one.sh chapters/NAME.ipynb [LANGUAGE]}"
language="${2:-}"
name="$(basename "${page%.*}")"
scratch="$(mktemp -d /tmp/build_one.XXXXXX)"
cp "$repo/_config.yml" "$repo/_toc.yml" "$scratch/"
cp -r "$repo/_ext" "$scratch/_ext"
[ -n "$language" ] && cp -r "$repo/locale" "$scratch/locale"
# _ext/book_assets.py builds the lib wheel from the book's root when the build finishes
ln -s "$repo/lib" "$scratch/lib"
cp "$repo/pyproject.toml" "$repo/README.md" "$scratch/"
mkdir -p "$scratch/chapters"
cp "$repo/$page" "$scratch/chapters/"
[ -f "$repo/intro.md" ] && cp "$repo/intro.md" "$scratch/intro.md"
# stubs for every other page in the table of contents
grep -oE "file: [^ ]+" "$repo/_toc.yml" | awk '{print $2}' | while read -r f; do
  base="$(basename "$f")"
  if [ "$base" != "$name" ] && [ ! -e "$scratch/$f.ipynb" ] && [ ! -e "$scratch/$f.md" ]; then
    # the stub keeps the real page's (label)= targets, so {ref} links to them resolve
    { printf '# %s\n\nStub page for a single-page build.\n\n' "$base"
      cat "$repo/$f.ipynb" "$repo/$f.md" 2>/dev/null | grep -oE '\([a-z0-9-]+\)=' | sort -u |
        while read -r l; do printf '%s\n## %s\n\n' "$l" "${l:1:-2}"; done; } > "$scratch/$f.md"  || true
  fi
done
cd "$scratch"
"$repo/.venv/bin/jupyter-book" build . --all -W -n --keep-going --path-output "$scratch" \
  > "$scratch/build.log" 2>&1 && status=0 || status=$?
if [ -n "$language" ] && [ "$status" = 0 ]; then
  # from the execution cache the English build just filled, as `make book` does
  "$repo/.venv/bin/python" "$repo/tools/build_editions.py" --root "$scratch" --strict "$language" \
    >> "$scratch/build.log" 2>&1 && status=0 || status=$?
fi
grep -E "WARNING|ERROR|Traceback" "$scratch/build.log" || true
echo "build log: $scratch/build.log ; html: $scratch/_build/html/chapters/$name.html ; exit $status"
[ -n "$language" ] && echo "$language: $scratch/_build/html/$language/chapters/$name.html"
exit $status
