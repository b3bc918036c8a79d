#!/usr/bin/env sh
# Create benchmarks/peers/.venv-prefect with Prefect 3 (kept out of Argosy's environment).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python3 -m venv "$here/.venv-prefect"
"$here/.venv-prefect/bin/pip" install --quiet --upgrade pip
# fastapi 0.150+ drops an argument Prefect 3.8 still passes (Body(min_items=...))
"$here/.venv-prefect/bin/pip" install --quiet "prefect>=3,<4" "fastapi>=0.139,<0.150"
"$here/.venv-prefect/bin/python" -c "import prefect; print('prefect', prefect.__version__)"
