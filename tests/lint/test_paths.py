"""Lint refuses spec-given paths that would leave their volume, as Kubernetes does."""

from __future__ import annotations

import textwrap

import pytest

from argosy.lint import lint_objects
from argosy.spec import load_text

HEAD = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: bad-\n"
P = "bad.yaml: Workflow bad-: "


def wf(spec: str) -> str:
    return HEAD + "spec:\n" + textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ") + "\n"


def mount(sub: str, kind: str = "container") -> str:
    return wf(f"""
        entrypoint: main
        volumes: [{{name: v, emptyDir: {{}}}}]
        templates:
        - name: main
          {kind}:
            image: alpine
            command: [sh]
            {"source: echo" if kind == "script" else ""}
            volumeMounts: [{{name: v, mountPath: /v, subPath: "{sub}"}}]
        """)


def volume(vol: str) -> str:
    return wf(f"""
        entrypoint: main
        templates:
        - name: main
          volumes: [{vol}]
          container: {{image: alpine, command: [sh]}}
        """)


CASES = [
    ("subpath-dotdot", mount("../../etc"),
     P + 'spec.templates[0].container.volumeMounts[0].subPath: Invalid value: "../../etc": must not contain \'..\''),
    ("subpath-inner-dotdot", mount("a/../../b", "script"),
     P + 'spec.templates[0].script.volumeMounts[0].subPath: Invalid value: "a/../../b": must not contain \'..\''),
    ("subpath-absolute", mount("/etc"),
     P + 'spec.templates[0].container.volumeMounts[0].subPath: Invalid value: "/etc": must be a relative path'),
    ("secret-item-dotdot", volume("{name: s, secret: {secretName: x, items: [{key: k, path: ../../x}]}}"),
     P + 'spec.templates[0].volumes[0].secret.items[0].path: Invalid value: "../../x": must not contain \'..\''),
    ("configmap-item-absolute", volume("{name: c, configMap: {name: x, items: [{key: k, path: /etc/x}]}}"),
     P + 'spec.templates[0].volumes[0].configMap.items[0].path: Invalid value: "/etc/x": must be a relative path'),
    ("claim-dotdot", volume("{name: p, persistentVolumeClaim: {claimName: ../../etc}}"),
     P + 'spec.templates[0].volumes[0].persistentVolumeClaim.claimName: Invalid value: "../../etc": '
         "must be a name, not a path (no '/', not '.' or '..')"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_path_leaving_its_volume_is_refused(text: str, expected: str) -> None:
    assert [str(p) for p in lint_objects(load_text(text, "bad.yaml"))] == [expected]


@pytest.mark.parametrize("text", [mount("a/b..c/./d"), mount("{{workflow.name}}"),
                                  volume("{name: p, persistentVolumeClaim: {claimName: my-claim}}")],
                         ids=["dots-in-a-name", "templated", "claim"])
def test_paths_inside_their_volume_pass(text: str) -> None:
    assert [str(p) for p in lint_objects(load_text(text, "bad.yaml"))] == []
