#!/usr/bin/env bash
# Usage: tools/new-project.sh <dir> <name> <projectType> <tags,comma,separated>
set -euo pipefail
dir=$1; name=$2; type=$3; tags=$4
mkdir -p "$dir/src"
up=$(realpath --relative-to="$dir" .)
tagsJson=$(printf '%s' "$tags" | awk -F, '{for(i=1;i<=NF;i++) printf "%s\"%s\"", (i>1?", ":""), $i}')
cat > "$dir/project.json" <<JSON
{
  "name": "$name",
  "\$schema": "$up/node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "$dir/src",
  "projectType": "$type",
  "tags": [$tagsJson]
}
JSON
echo "export { default } from '$up/eslint.config.mjs';" > "$dir/eslint.config.mjs"
cat > "$dir/jest.config.js" <<JS
module.exports = require('$up/jest.preset.js')(__dirname);
JS
