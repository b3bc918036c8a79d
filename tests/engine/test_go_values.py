"""Parameter values written as YAML numbers and booleans print as Argo prints them.

Argo reads a parameter's ``value``/``default`` as ``AnyString``: a YAML float goes through
JSON and Go's ``strconv.FormatFloat(v, 'f', -1, 64)``, so ``2.0`` is ``"2"``, never ``"2.0"``.
"""

from __future__ import annotations

import pytest
from harness import run_workflow

WORKFLOW = """
metadata: {name: go-values}
spec:
  entrypoint: main
  arguments:
    parameters: [{name: global, value: GLOBAL}]
  templates:
  - name: main
    steps:
    - - name: defaulted
        template: show
      - name: passed
        template: show
        arguments: {parameters: [{name: x, value: PASSED}]}
  - name: show
    inputs: {parameters: [{name: x, default: DEFAULT}]}
    container: {image: busybox, command: [echo, "{{inputs.parameters.x}} {{workflow.parameters.global}}"]}
"""

CASES = [
    ("2.0", "2"),
    ("2.50", "2.5"),
    ("-0.5", "-0.5"),
    ("1.0e+21", "1000000000000000000000"),
    ("0.000001", "0.000001"),
    ("5", "5"),
    ("true", "true"),
    ("'2.0'", "2.0"),  # a YAML string stays as written
]


@pytest.mark.parametrize(("yaml_value", "printed"), CASES, ids=[c[0] for c in CASES])
def test_numbers_print_as_argo_prints_them(yaml_value: str, printed: str) -> None:
    text = (WORKFLOW.replace("DEFAULT", yaml_value).replace("PASSED", yaml_value)
            .replace("GLOBAL", yaml_value))
    engine = run_workflow(text)
    for step in ("defaulted", "passed"):
        node = engine.nodes.by_name(f"go-values[0].{step}")
        assert node.inputs["parameters"][0]["value"] == printed
        assert node.outputs["result"] == f"{printed} {printed}"
