#!/usr/bin/env sh
# Create benchmarks/peers/.venv-prefect with Prefect 3 (kept out of Argosy's environment).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python3 -m venv "$here/.venv-prefect"
"$here/.venv-prefect/bin/pip" install --quiet --upgrade pip
"$here/.venv-prefect/bin/pip" install --quiet "prefect>=3,<4"
"$here/.venv-prefect/bin/python" -c "import prefect; print('prefect', prefect.__version__)"
