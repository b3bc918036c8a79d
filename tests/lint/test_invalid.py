"""A table of invalid specs, each with the exact problem ``argosy lint`` must report."""

from __future__ import annotations

import json
import textwrap

import pytest

from argosy.lint import format_problems, lint_objects
from argosy.spec import load_text

HEAD = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: bad-\n"
P = "bad.yaml: Workflow bad-: "


def wf(spec: str) -> str:
    """A Workflow with ``spec`` (YAML, indented as under ``spec:``)."""
    return HEAD + "spec:\n" + textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ") + "\n"


STEPS_MAIN = """
entrypoint: main
templates:
- name: main
  steps:
  - - name: a
      template: print
  - - name: b
      template: prnt
- name: print
  container: {image: alpine}
"""

CASES: list[tuple[str, str, str]] = [
    ("unknown-step-template", wf(STEPS_MAIN),
     P + 'templates.main.steps[1][0]: template "prnt" not found (did you mean "print"?)'),
    ("missing-entrypoint", wf("templates:\n- name: main\n  container: {image: alpine}"),
     P + "spec.entrypoint: spec.entrypoint is required"),
    ("unknown-entrypoint", wf("entrypoint: mian\ntemplates:\n- name: main\n  container: {image: alpine}"),
     P + 'spec.entrypoint: template "mian" not found (did you mean "main"?)'),
    ("unknown-onexit", wf("entrypoint: main\nonExit: cleanup\ntemplates:\n- name: main\n  container: {image: a}"),
     P + 'spec.onExit: template "cleanup" not found'),
    ("hook-unknown-template", wf("""
        entrypoint: main
        hooks:
          exit: {template: nope}
        templates:
        - name: main
          container: {image: a}"""),
     P + 'spec.hooks.exit: template "nope" not found'),
    ("hook-without-expression", wf("""
        entrypoint: main
        hooks:
          running: {template: main}
        templates:
        - name: main
          container: {image: a}"""),
     P + "spec.hooks.running: Expression required"),
    ("unknown-templateref", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: a
              templateRef: {name: missing-wft, template: t}"""),
     P + 'templates.main.steps[0][0].templateRef.name: workflowtemplates.argoproj.io "missing-wft" not found'),
    ("unknown-cluster-templateref", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: a
              templateRef: {name: missing, template: t, clusterScope: true}"""),
     P + 'templates.main.steps[0][0].templateRef.name: clusterworkflowtemplates.argoproj.io "missing" not found'),
    ("unknown-workflowtemplateref", wf("workflowTemplateRef: {name: nowhere}"),
     P + 'spec.workflowTemplateRef.name: workflowtemplates.argoproj.io "nowhere" not found'),
    ("templateref-missing-template-field", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: a
              templateRef: {name: x}"""),
     P + "templates.main.steps[0][0].templateRef.template: template name is required"),
    ("template-and-templateref", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: a
              template: main
              templateRef: {name: x, template: y}"""),
     P + "templates.main.steps[0][0]: only one of template, templateRef or inline may be set, "
     "got template and templateRef"),
    ("step-without-template", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: a"""),
     P + "templates.main.steps[0][0]: one of template, templateRef or inline is required"),
    ("dag-cycle", wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: w, dependencies: [c]}
            - {name: b, template: w, dependencies: [a]}
            - {name: c, template: w, dependencies: [b]}
        - name: w
          container: {image: a}"""),
     P + "templates.main.dag.tasks: dependency cycle detected: a->c->b->a"),
    ("dag-self-cycle", wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: w, depends: a}
        - name: w
          container: {image: a}"""),
     P + "templates.main.dag.tasks: dependency cycle detected: a->a"),
    ("dag-unknown-dependency", wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: build, template: w}
            - {name: test, template: w, dependencies: [biuld]}
        - name: w
          container: {image: a}"""),
     P + "templates.main.tasks.test.dependencies: dependency 'biuld' not defined (did you mean \"build\"?)"),
    ("dag-unknown-depends", wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: build, template: w}
            - {name: test, template: w, depends: "build && lint.Succeeded"}
        - name: w
          container: {image: a}"""),
     P + "templates.main.tasks.test.depends: dependency 'lint' not defined"),
    ("dag-depends-and-dependencies", wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: w}
            - {name: b, template: w, depends: a, dependencies: [a]}
        - name: w
          container: {image: a}"""),
     P + "templates.main.tasks.b: cannot use both 'depends' and 'dependencies' on one task"),
    ("dag-mixed-depends-dependencies", wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: w}
            - {name: b, template: w, depends: a}
            - {name: c, template: w, dependencies: [a]}
        - name: w
          container: {image: a}"""),
     P + "templates.main.dag: cannot use both 'depends' and 'dependencies' in the same DAG template"),
    ("dag-items-condition-without-items", wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: w}
            - {name: b, template: w, depends: a.AnySucceeded}
        - name: w
          container: {image: a}"""),
     P + "templates.main.tasks.b.depends: dependency 'a' uses an items-based condition such as "
     ".AnySucceeded or .AllFailed but does not contain any items"),
    ("dag-continueon-with-depends", wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: w, continueOn: {failed: true}}
            - {name: b, template: w, depends: a}
        - name: w
          container: {image: a}"""),
     P + "templates.main.tasks.a.continueOn: cannot use 'continueOn' when using 'depends'. "
     "Instead use 'dep-task.Failed'/'dep-task.Errored'"),
    ("dag-digit-name-with-depends", wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: 1st, template: w}
            - {name: b, template: w, depends: 1st}
        - name: w
          container: {image: a}"""),
     P + "templates.main.tasks.1st: name cannot begin with a digit when using either 'depends' or 'dependencies'"),
    ("dag-unknown-target", wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            target: b
            tasks:
            - {name: a, template: w}
        - name: w
          container: {image: a}"""),
     P + "templates.main.dag.target: target 'b' is not defined"),
    ("dag-empty", wf("entrypoint: main\ntemplates:\n- name: main\n  dag: {tasks: []}"),
     P + "templates.main.dag.tasks: must have at least one task"),
    ("dag-duplicate-task", wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: w}
            - {name: a, template: w}
        - name: w
          container: {image: a}"""),
     P + "templates.main.dag.tasks[1].name: 'a' is not unique"),
    ("duplicate-template", wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: a}
        - name: main
          container: {image: b}"""),
     P + "spec.templates[1].name: 'main' is not unique"),
    ("duplicate-step", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: a, template: w}
          - - {name: a, template: w}
        - name: w
          container: {image: a}"""),
     P + "templates.main.steps[1][0].name: 'a' is not unique"),
    ("invalid-template-name", wf("entrypoint: my_main\ntemplates:\n- name: my_main\n  container: {image: a}"),
     P + "spec.templates[0].name: 'my_main' is invalid: name must consist of alpha-numeric characters or '-', "
     "and must start with an alpha-numeric character (e.g. My-name1-2, 123-NAME)"),
    ("invalid-step-name", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: -a, template: w}
        - name: w
          container: {image: a}"""),
     P + "templates.main.steps[0][0].name: '-a' is invalid: name must consist of alpha-numeric characters "
     "or '-', and must start with an alpha-numeric character (e.g. My-name1-2, 123-NAME)"),
    ("invalid-parameter-name", wf("""
        entrypoint: main
        templates:
        - name: main
          inputs: {parameters: [{name: "a b", value: x}]}
          container: {image: a}"""),
     P + "templates.main.inputs.parameters[0].name: 'a b' is invalid: Parameter/Artifact name must consist of "
     "alpha-numeric characters, '_' or '-' e.g. my_param_1, MY-PARAM-1"),
    ("invalid-object-name",
     ("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: Bad_Name}\n"
     "spec:\n  entrypoint: m\n  templates:\n  - {name: m, container: {image: a}}\n"),
     ("bad.yaml: Workflow Bad_Name: metadata.name: name 'Bad_Name' is invalid: a lowercase RFC 1123 subdomain "
     "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
     "alphanumeric character")),
    ("object-name-too-long",
     "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: {name: " + "a" * 64 + "}\n"
     "spec:\n  templates:\n  - {name: m, container: {image: a}}\n",
     "bad.yaml: WorkflowTemplate " + "a" * 64 + ": metadata.name: name '" + "a" * 64
     + "' must not be more than 63 characters long (currently 64)"),
    ("required-input-not-supplied", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: a, template: print}
        - name: print
          inputs: {parameters: [{name: message}]}
          container: {image: a}"""),
     P + 'templates.main.steps[0][0].arguments: inputs.parameters.message was not supplied '
     '(required by template "print")'),
    ("entrypoint-input-not-supplied", wf("""
        entrypoint: main
        templates:
        - name: main
          inputs: {parameters: [{name: message}]}
          container: {image: a}"""),
     P + 'spec.arguments: inputs.parameters.message was not supplied (required by template "main")'),
    ("undefined-input-parameter", wf("""
        entrypoint: main
        templates:
        - name: main
          inputs: {parameters: [{name: message, value: hi}]}
          container: {image: a, args: ["{{inputs.parameters.mesage}}"]}"""),
     P + 'templates.main.container.args[0]: failed to resolve {{inputs.parameters.mesage}}: '
     'no input parameter "mesage" (did you mean "message"?)'),
    ("undefined-input-artifact", wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: a, args: ["{{inputs.artifacts.data.path}}"]}"""),
     P + 'templates.main.container.args[0]: failed to resolve {{inputs.artifacts.data.path}}: '
     'no input artifact "data"'),
    ("step-output-before-run", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: a, template: w}
            - name: b
              template: p
              arguments: {parameters: [{name: m, value: "{{steps.a.outputs.result}}"}]}
        - name: w
          script: {image: a, source: echo}
        - name: p
          inputs: {parameters: [{name: m}]}
          container: {image: a}"""),
     P + "templates.main.steps[0][1].arguments.parameters[0].value: failed to resolve "
     "{{steps.a.outputs.result}}: step \"a\" has not run yet: only steps in earlier groups can be referenced"),
    ("step-output-unknown-step", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: gen, template: w}
          - - {name: b, template: w, when: "{{steps.gne.outputs.result}} == x"}
        - name: w
          script: {image: a, source: echo}"""),
     P + "templates.main.steps[1][0].when: failed to resolve {{steps.gne.outputs.result}}: "
     'no step "gne" in this template (did you mean "gen"?)'),
    ("step-output-parameter-undeclared", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: gen, template: w}
          - - {name: b, template: w, when: "{{steps.gen.outputs.parameters.nope}} == x"}
        - name: w
          container: {image: a}
          outputs: {parameters: [{name: out, valueFrom: {path: /tmp/o}}]}"""),
     P + "templates.main.steps[1][0].when: failed to resolve {{steps.gen.outputs.parameters.nope}}: "
     'template "w" has no output parameter "nope"'),
    ("task-output-not-ancestor", wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: w}
            - {name: b, template: w, when: "{{tasks.a.outputs.result}} == 1"}
        - name: w
          script: {image: a, source: echo}"""),
     P + "templates.main.tasks.b.when: failed to resolve {{tasks.a.outputs.result}}: "
     'task "a" is not an ancestor of task "b": add it to depends or dependencies'),
    ("steps-variable-in-leaf", wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: a, args: ["{{steps.x.outputs.result}}"]}"""),
     P + "templates.main.container.args[0]: failed to resolve {{steps.x.outputs.result}}: "
     "steps.* is only defined inside a Steps template"),
    ("undefined-workflow-parameter", wf("""
        entrypoint: main
        arguments: {parameters: [{name: message, value: hi}]}
        templates:
        - name: main
          container: {image: a, args: ["{{workflow.parameters.msg}}"]}"""),
     P + "templates.main.container.args[0]: failed to resolve {{workflow.parameters.msg}}: "
     'no workflow parameter "msg" in spec.arguments (did you mean "message"?)'),
    ("unknown-workflow-variable", wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: a, args: ["{{workflow.nmae}}"]}"""),
     P + "templates.main.container.args[0]: failed to resolve {{workflow.nmae}}: "
     'unknown workflow variable "workflow.nmae" (did you mean "name"?)'),
    ("undefined-workflow-output", wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: a, args: ["{{workflow.outputs.parameters.result}}"]}"""),
     P + "templates.main.container.args[0]: failed to resolve {{workflow.outputs.parameters.result}}: "
     'no template sets globalName "result"'),
    ("item-outside-loop", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: a
              template: p
              arguments: {parameters: [{name: m, value: "{{item}}"}]}
        - name: p
          inputs: {parameters: [{name: m}]}
          container: {image: a}"""),
     P + "templates.main.steps[0][0].arguments.parameters[0].value: failed to resolve {{item}}: "
     "item is only defined in a step or task with withItems, withParam or withSequence"),
    ("item-key-not-in-items", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: a
              template: p
              arguments: {parameters: [{name: m, value: "{{item.nmae}}"}]}
              withItems: [{name: x}, {name: y}]
        - name: p
          inputs: {parameters: [{name: m}]}
          container: {image: a}"""),
     P + "templates.main.steps[0][0].arguments.parameters[0].value: failed to resolve {{item.nmae}}: "
     'the withItems entries have no key "nmae" (did you mean "name"?)'),
    ("retries-without-retry-strategy", wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: a, args: ["{{retries}}"]}"""),
     P + "templates.main.container.args[0]: failed to resolve {{retries}}: "
     "retries is only defined in templates with a retryStrategy"),
    ("pod-name-in-steps", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: a
              template: p
              arguments: {parameters: [{name: m, value: "{{pod.name}}"}]}
        - name: p
          inputs: {parameters: [{name: m}]}
          container: {image: a}"""),
     P + "templates.main.steps[0][0].arguments.parameters[0].value: failed to resolve {{pod.name}}: "
     "pod.name is not defined in Steps templates, which run no pod"),
    ("invalid-retry-policy", wf("""
        entrypoint: main
        templates:
        - name: main
          retryStrategy: {limit: 2, retryPolicy: OnFailur}
          container: {image: a}"""),
     P + "templates.main.retryStrategy.retryPolicy: OnFailur is not a valid RetryPolicy "
     "(one of: Always, OnFailure, OnError, OnTransientError)"),
    ("invalid-retry-limit", wf("""
        entrypoint: main
        templates:
        - name: main
          retryStrategy: {limit: three}
          container: {image: a}"""),
     P + "templates.main.retryStrategy.limit: retryStrategy.limit must be an integer or a string holding one, "
     "got 'three'"),
    ("invalid-backoff-duration", wf("""
        entrypoint: main
        templates:
        - name: main
          retryStrategy: {limit: 1, backoff: {duration: 1x}}
          container: {image: a}"""),
     P + 'templates.main.retryStrategy.backoff.duration: unable to parse 1x as a duration: '
     'time: unknown unit "x" in duration "1x"'),
    ("invalid-timeout", wf("""
        entrypoint: main
        templates:
        - name: main
          timeout: 5 minutes
          container: {image: a}"""),
     P + 'templates.main.timeout: unable to parse 5 minutes as a duration: '
     'time: unknown unit " minutes" in duration "5 minutes"'),
    ("timeout-without-unit", wf("""
        entrypoint: main
        templates:
        - name: main
          timeout: "30"
          container: {image: a}"""),
     P + "templates.main.timeout: invalid duration format in timeout: '30' has no unit (e.g. 30s)"),
    ("timeout-on-steps", wf("""
        entrypoint: main
        templates:
        - name: main
          timeout: 30s
          steps:
          - - {name: a, template: w}
        - name: w
          container: {image: a}"""),
     P + "templates.main.timeout: Steps template doesn't support timeout field"),
    ("invalid-suspend-duration", wf("""
        entrypoint: main
        templates:
        - name: main
          suspend: {duration: 2d}"""),
     P + 'templates.main.suspend.duration: unable to parse 2d as a duration: '
     'time: unknown unit "d" in duration "2d"'),
    ("image-pull-policy", wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: a, imagePullPolicy: Sometimes}"""),
     P + "templates.main.container.imagePullPolicy: 'Sometimes' is not a valid imagePullPolicy "
     "(one of: Always, IfNotPresent, Never)"),
    ("empty-image", wf("entrypoint: main\ntemplates:\n- name: main\n  container: {command: [echo]}"),
     P + "templates.main.container.image: image may not be empty"),
    ("pod-gc-strategy", wf("""
        entrypoint: main
        podGC: {strategy: OnPodFailure}
        templates:
        - name: main
          container: {image: a}"""),
     P + "spec.podGC.strategy: podGC.strategy unknown strategy 'OnPodFailure' (one of: OnPodCompletion, "
     "OnPodSuccess, OnWorkflowCompletion, OnWorkflowSuccess)"),
    ("negative-parallelism", wf("""
        entrypoint: main
        templates:
        - name: main
          parallelism: -1
          steps:
          - - {name: a, template: w}
        - name: w
          container: {image: a}"""),
     P + "templates.main.parallelism: parallelism must be a non-negative integer, got -1"),
    ("parallelism-on-leaf", wf("""
        entrypoint: main
        templates:
        - name: main
          parallelism: 2
          container: {image: a}"""),
     P + "templates.main.parallelism: parallelism is only valid for steps and dag templates"),
    ("continue-on-unknown-key", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: a, template: w, continueOn: {failure: true}}
        - name: w
          container: {image: a}"""),
     P + 'spec.templates[0].steps[0][0].continueOn.failure: unknown field "failure" (did you mean "failed"?)'),
    ("no-template-type", wf("entrypoint: main\ntemplates:\n- name: main\n  inputs: {}"),
     P + "templates.main: template type unspecified. choose one of: container, containerSet, steps, script, "
     "resource, dag, suspend, data, http, plugin"),
    ("two-template-types", wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: a}
          script: {image: a, source: x}"""),
     P + "templates.main: multiple template types specified: Container, Script. choose one"),
    ("mutex-without-name", wf("""
        entrypoint: main
        synchronization: {mutexes: [{namespace: x}]}
        templates:
        - name: main
          container: {image: a}"""),
     P + "spec.synchronization.mutexes[0].name: mutex name is required"),
    ("semaphore-without-ref", wf("""
        entrypoint: main
        templates:
        - name: main
          synchronization: {semaphore: {namespace: x}}
          container: {image: a}"""),
     P + "templates.main.synchronization.semaphores[0]: semaphore needs configMapKeyRef or database.key"),
    ("two-loops", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: a, template: w, withItems: [1], withParam: "[1]"}
        - name: w
          container: {image: a}"""),
     P + "templates.main.steps[0][0]: only one of withItems, withParam, withSequence can be specified, "
     "got withItems, withParam"),
    ("enum-value-not-in-enum", wf("""
        entrypoint: main
        arguments: {parameters: [{name: env, value: prod, enum: [dev, staging]}]}
        templates:
        - name: main
          container: {image: a}"""),
     P + "spec.arguments.parameters.env.value: value should be present in spec.arguments.parameters.env.enum list"),
    ("resource-action", wf("""
        entrypoint: main
        templates:
        - name: main
          resource: {action: destroy, manifest: x}"""),
     P + "templates.main.resource.action: 'destroy' is not a valid resource action "
     "(one of: get, create, apply, delete, replace, patch)"),
    ("active-deadline-not-positive", wf("""
        entrypoint: main
        templates:
        - name: main
          activeDeadlineSeconds: 0
          container: {image: a}"""),
     P + "templates.main.activeDeadlineSeconds: activeDeadlineSeconds must be a positive integer > 0 "
     "or an argo variable"),
]

CRON = """apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata: {{name: nightly}}
spec:
{extra}
  workflowSpec:
    entrypoint: main
    templates:
    - {{name: main, container: {{image: a}}}}
"""
C = "bad.yaml: CronWorkflow nightly: "

CASES += [
    ("cron-bad-schedule", CRON.format(extra="  schedule: '61 * * * *'"),
     C + "spec.schedule: cron schedule 61 * * * * is malformed: invalid cron expression"),
    ("cron-six-fields", CRON.format(extra="  schedules: ['* * * * * *']"),
     C + "spec.schedules[0]: cron schedule * * * * * * is malformed: expected exactly 5 fields, "
     "found 6: [* * * * * *]"),
    ("cron-bad-every", CRON.format(extra="  schedules: ['@every 5 minutes']"),
     C + "spec.schedules[0]: cron schedule @every 5 minutes is malformed: failed to parse duration "
     '@every 5 minutes: time: unknown unit " minutes" in duration "5 minutes"'),
    ("cron-bad-descriptor", CRON.format(extra="  schedules: ['@fortnightly']"),
     C + "spec.schedules[0]: cron schedule @fortnightly is malformed: unrecognized descriptor: @fortnightly"),
    ("cron-no-schedule", CRON.format(extra="  timezone: UTC"),
     C + "spec.schedules: cron workflow must have at least one schedule"),
    ("cron-bad-timezone", CRON.format(extra="  schedule: '@hourly'\n  timezone: Mars/Olympus"),
     C + 'spec.timezone: invalid timezone "Mars/Olympus": unknown time zone Mars/Olympus'),
    ("cron-bad-cron-tz", CRON.format(extra="  schedule: 'CRON_TZ=Nowhere/City 0 * * * *'"),
     C + "spec.schedule: cron schedule CRON_TZ=Nowhere/City 0 * * * * is malformed: provided bad location "
     "Nowhere/City: unknown time zone Nowhere/City"),
    ("cron-concurrency-policy", CRON.format(extra="  schedule: '@daily'\n  concurrencyPolicy: Queue"),
     C + "spec.concurrencyPolicy: 'Queue' is not a valid concurrencyPolicy (one of: Allow, Forbid, Replace)"),
    ("cron-name-too-long",
     CRON.replace("nightly", "n" * 53).format(extra="  schedule: '@daily'"),
     "bad.yaml: CronWorkflow " + "n" * 53 + ": metadata.name: name '" + "n" * 53
     + "' must not be more than 52 characters long (currently 53)"),
    ("unclosed-tag", wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: a, args: ["echo {{inputs.parameters.x"]}"""),
     P + "templates.main.container.args[0]: cannot find end tag \"}}\" in 'echo {{inputs.parameters.x' (column 6)"),
    ("loop-sequence-past-the-ceiling", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: a, template: w, withSequence: {count: "3000000000"}}
        - name: w
          container: {image: a}"""),
     P + "templates.main.steps[0][0].withSequence: withSequence expands to 3,000,000,000 items, "
     "more than the 100,000 one loop may have (see Limits in Argosy's README)"),
    ("loop-literal-param-past-the-ceiling", wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: a, template: w, withParam: "ITEMS"}
        - name: w
          container: {image: a}""").replace("ITEMS", json.dumps(list(range(100_001)))),
     P + "templates.main.steps[0][0].withParam: withParam expands to 100,001 items, "
     "more than the 100,000 one loop may have (see Limits in Argosy's README)"),
    ("loop-sequence-end-past-the-ceiling", wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: w, withSequence: {start: 1, end: 200000}}
        - name: w
          container: {image: a}"""),
     P + "templates.main.tasks.a.withSequence: withSequence expands to 200,000 items, "
     "more than the 100,000 one loop may have (see Limits in Argosy's README)"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_spec_reports_exact_problem(text: str, expected: str) -> None:
    problems = [str(p) for p in lint_objects(load_text(text, "bad.yaml"))]
    assert problems == [expected]


def test_table_has_at_least_fifty_cases() -> None:
    assert len(CASES) >= 50
    assert len({c[0] for c in CASES}) == len(CASES)


def test_format_problems_counts() -> None:
    problems = lint_objects(load_text(wf(STEPS_MAIN), "bad.yaml"))
    assert format_problems(problems).splitlines()[-1] == "1 linting error found"
    assert format_problems([]) == "no linting errors found!\n"
