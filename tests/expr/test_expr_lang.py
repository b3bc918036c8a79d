"""expr-lang as Argo uses it: literals, operators, members, closures and builtins."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from argosy.errors import ExpressionError, ExpressionSyntaxError
from argosy.expr import compile_expression, evaluate, evaluate_bool, expression_variables

ENV: dict[str, Any] = {
    "inputs": {"parameters": {"x": "5", "should-print": "true", "list": "[1,2]"}},
    "steps": {"flip-coin": {"outputs": {"result": "heads"}}, "heads": {"outputs": {"result": "H"}}},
    "items": [{"n": 1, "ok": True}, {"n": 2, "ok": False}, {"n": 3, "ok": True}],
    "nums": [3, 1, 2],
    "words": ["b", "a"],
    "m": {"a": 1, "b": 2},
    "nothing": None,
    "f": 1.5,
    "t": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    "naive": datetime(2024, 1, 2, 3, 4, 0),
    "d": timedelta(minutes=90),
    "fn": lambda a: a * 2,
    "obj": type("Obj", (), {})(),
}

CASES: list[tuple[str, Any]] = [
    # literals
    ("42", 42),
    ("0x2A", 42),
    ("0b101", 5),
    ("0o17", 15),
    ("1_000", 1000),
    ("0.5", 0.5),
    (".5", 0.5),
    ("1e3", 1000.0),
    ("2E-1", 0.2),
    ("1.5e+2", 150.0),
    ("'a\\nb'", "a\nb"),
    ('"q\\"x"', 'q"x'),
    ("'\\u00e9\\x41\\101\\t'", "éAA\t"),
    ("`raw\\n`", "raw\\n"),
    ("true", True),
    ("false", False),
    ("nil", None),
    ("[1, 'a', nil,]", [1, "a", None]),
    ('{a: 1, \'b\': 2, 3: 4, ("c" + "d"): 5,}', {"a": 1, "b": 2, "3": 4, "cd": 5}),
    ("{}", {}),
    ("[]", []),
    # comments
    ("1 /* two */ + 2 // three", 3),
    # arithmetic with Go's numeric rules
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("7 / 2", 3.5),
    ("6 / 3", 2.0),
    ("7 % 3", 1),
    ("-7 % 3", -1),
    ("2 ** 3", 8.0),
    ("2 ^ 3 ^ 2", 512.0),
    ("1 + 1.5", 2.5),
    ("3 - 1.5", 1.5),
    ("2 * 1.5", 3.0),
    ("-f", -1.5),
    ("+3", 3),
    ("-(-2)", 2),
    ("1 / 0", math.inf),
    ("-1 / 0", -math.inf),
    ("'a' + 'b'", "ab"),
    ("- - 1", 1),
    # comparison
    ("1 == 1.0", True),
    ("1 != 2", True),
    ("'a' < 'b'", True),
    ("2 >= 2", True),
    ("3 <= 2", False),
    ("1 < 2 < 3", True),
    ("3 > 2 > 2", False),
    ("'1' == 1", False),
    ("[1, 2] == [1, 2]", True),
    ("[1] == [1, 2]", False),
    ("{a: 1} == {a: 1}", True),
    ("{a: 1} == {b: 1}", False),
    ("nil == nil", True),
    ("true == 1", False),
    ("t > naive", True),
    ("d > duration('1h')", True),
    # logic
    ("true && false", False),
    ("true and true", True),
    ("false || true", True),
    ("false or false", False),
    ("!true", False),
    ("not false", True),
    ("false && nothing", False),
    ("true || nothing", True),
    ("!(1 > 2) && not (2 > 3)", True),
    # membership and strings
    ("2 in [1, 2]", True),
    ("'a' in m", True),
    ("'z' in m", False),
    ("3 not in [1, 2]", True),
    ("1 in nothing", False),
    ("[1] in m", False),
    ("'abc' contains 'b'", True),
    ("'abc' startsWith 'ab'", True),
    ("'abc' endsWith 'bc'", True),
    ("'abc' not contains 'z'", True),
    ("'abc' matches '^a.c$'", True),
    ("'abc' not matches 'z'", True),
    ("'x' not startsWith 'y'", True),
    # ternary and nil coalescing
    ("1 > 2 ? 'a' : 'b'", "b"),
    ("true ? 1 : false ? 2 : 3", 1),
    ("false ?: 'd'", "d"),
    ("nothing ?? 4", 4),
    ("m.a ?? 9", 1),
    ("nothing?.x ?? 'y'", "y"),
    ("nothing?.x.y", None),
    ("nothing?.[0]", None),
    ("m?.a", 1),
    ("nothing ?? nothing ?? 3", 3),
    ("if 1 > 2 { 'a' } else { 'b' }", "b"),
    ("if false { 1 } else if true { 2 } else { 3 }", 2),
    # members, indexes, slices, ranges
    ("inputs.parameters.x", "5"),
    ("inputs.parameters['should-print']", "true"),
    ("steps['flip-coin'].outputs.result", "heads"),
    ("m.zzz", None),
    ("m[nil]", None),
    ("nums[0]", 3),
    ("nums[-1]", 2),
    ("nums[1.0]", 1),
    ("'abc'[1]", "b"),
    ("nums[1:]", [1, 2]),
    ("nums[:2]", [3, 1]),
    ("nums[:]", [3, 1, 2]),
    ("nums[-2:]", [1, 2]),
    ("nums[5:]", []),
    ("nums[-9:1]", [3]),
    ("'hello'[1:3]", "el"),
    ("1..3", [1, 2, 3]),
    ("3..1", []),
    ("items[0].n", 1),
    ("$env.m.a", 1),
    ("$env['f']", 1.5),
    ("m.a + m['b']", 3),
    # let and sequences
    ("let x = 2; x * 3", 6),
    ("let a = 1; let b = 2; a + b", 3),
    ("1; 2", 2),
    ("(1; 2)", 2),
    ("1;", 1),
    # calls of env functions and methods
    ("fn(2)", 4),
    ("d.Minutes()", 90.0),
    ("d.Hours()", 1.5),
    ("d.Seconds()", 5400.0),
    ("d.Milliseconds()", 5400000),
    ("d.String()", "1h30m0s"),
    ("t.Year()", 2024),
    ("t.Month()", 1),
    ("t.Day()", 2),
    ("t.Hour()", 3),
    ("t.Minute()", 4),
    ("t.Second()", 5),
    ("t.Weekday()", 2),
    ("t.YearDay()", 2),
    ("t.Unix()", 1704164645),
    ("t.Format('2006')", "2024"),
    ("(t - naive).Seconds()", 5.0),
    ("(t - d).Hour()", 1),
    ("(t + d).Hour()", 4),
    ("(d + t).Hour()", 4),
    ("(d + d).Hours()", 3.0),
    ("(d - d).Seconds()", 0.0),
    ("(-d).Minutes()", -90.0),
    ("t.Sub(naive).Seconds()", 5.0),
    ("t.Add(d).Minute()", 34),
    ("t.After(naive)", True),
    ("t.Before(naive)", False),
    ("t.UTC().Hour()", 3),
    # closures
    ("all(items, .n > 0)", True),
    ("all([], false)", True),
    ("any(items, {.n > 2})", True),
    ("none(items, # == nil)", True),
    ("one(items, .ok == false)", True),
    ("one([], true)", False),
    ("filter(items, .ok) | map(.n)", [1, 3]),
    ("map(nums, # * 2)", [6, 2, 4]),
    ("map(nums, #index)", [0, 1, 2]),
    ("find(nums, # < 3)", 1),
    ("find(nums, # > 5)", None),
    ("findIndex(nums, # == 2)", 2),
    ("findLast(nums, # > 1)", 2),
    ("findLastIndex(nums, # > 5)", -1),
    ("count(items, .ok)", 2),
    ("count([true, false, true])", 2),
    ("sum(nums)", 6),
    ("sum(items, .n)", 6),
    ("sum([1, 2.5])", 3.5),
    (
        "groupBy(items, .ok)",
        {True: [{"n": 1, "ok": True}, {"n": 3, "ok": True}], False: [{"n": 2, "ok": False}]},
    ),
    ("sortBy(items, .n, 'desc') | map(.n)", [3, 2, 1]),
    ("sortBy(words, #)", ["a", "b"]),
    ("reduce(nums, #acc + #)", 6),
    ("reduce(nums, #acc + #, 10)", 16),
    ("reduce(nums, #index, 0)", 2),
    ("filter(1..9, {# % 2 == 0})", [2, 4, 6, 8]),
    ("map([[1, 2], [3]], {len(#)})", [2, 1]),
    ("filter(items, {let o = #; o.n > 1})", [{"n": 2, "ok": False}, {"n": 3, "ok": True}]),
    ("any(items, {.n > 1},)", True),
    ("nums | sum()", 6),
    ("fn(2,)", 4),
]


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[c[0] for c in CASES])
def test_evaluates_like_expr_lang(expression: str, expected: Any) -> None:
    result = evaluate(expression, ENV)
    assert result == expected
    assert type(result) is type(expected)


BUILTIN_CASES: list[tuple[str, Any]] = [
    ("len('héllo')", 5),
    ("len(nums)", 3),
    ("len(m)", 2),
    ("type(nil)", "nil"),
    ("type(1)", "int"),
    ("type(1.5)", "float"),
    ("type('')", "string"),
    ("type([])", "array"),
    ("type({})", "map"),
    ("type(true)", "bool"),
    ("type(t)", "time.Time"),
    ("abs(-2)", 2),
    ("abs(-2.5)", 2.5),
    ("ceil(1.2)", 2.0),
    ("floor(1.8)", 1.0),
    ("round(2.5)", 3.0),
    ("round(-2.5)", -3.0),
    ("int('42')", 42),
    ("int('-4')", -4),
    ("int(3.9)", 3),
    ("int(7)", 7),
    ("float('1.5')", 1.5),
    ("float(2)", 2.0),
    ("string(2.0)", "2"),
    ("string([1, 'a'])", "[1 a]"),
    ("string(m)", "map[a:1 b:2]"),
    ("string(nil)", "<nil>"),
    ("trim('  x ')", "x"),
    ("trim('__x__', '_')", "x"),
    ("trimPrefix('ab', 'a')", "b"),
    ("trimSuffix('ab', 'b')", "a"),
    ("upper('a')", "A"),
    ("lower('A')", "a"),
    ("split('a,b,c', ',')", ["a", "b", "c"]),
    ("split('a,b,c', ',', 2)", ["a", "b,c"]),
    ("split('abc', '')", ["a", "b", "c"]),
    ("split('abc', '', 2)", ["a", "bc"]),
    ("split('a,b', ',', 0)", []),
    ("splitAfter('a,b,c', ',')", ["a,", "b,", "c"]),
    ("replace('aa', 'a', 'b')", "bb"),
    ("repeat('ab', 2)", "abab"),
    ("join(['a', 'b'], '-')", "a-b"),
    ("join(['a', 'b'])", "ab"),
    ("indexOf('apple pie', 'pie')", 6),
    ("lastIndexOf('abab', 'ab')", 2),
    ("hasPrefix('ab', 'a')", True),
    ("hasSuffix('ab', 'a')", False),
    ("max(1, 5, 3)", 5),
    ("min([4, 2], 3)", 2),
    ("max(1.5, 1)", 1.5),
    ("mean([1, 2, 3, 4])", 2.5),
    ("median([1, 3, 2])", 2.0),
    ("toJSON({b: [1], a: '<'})", '{\n  "a": "\\u003c",\n  "b": [\n    1\n  ]\n}'),
    ("fromJSON('{\"a\": [1, true]}')", {"a": [1.0, True]}),
    ("toBase64('hi')", "aGk="),
    ("fromBase64('aGk=')", "hi"),
    ("duration('1h30m').Minutes()", 90.0),
    ("date('2023-08-14').Year()", 2023),
    ("date('2023-08-14 10:00:00', '2006-01-02 15:04:05', 'Europe/Zurich').Hour()", 10),
    ("date(t).Year()", 2024),
    ("date('14/08/2023', '02/01/2006').Month()", 8),
    ("first(nums)", 3),
    ("last(nums)", 2),
    ("first([])", None),
    ("last([])", None),
    ("get(nums, 1)", 1),
    ("get(nums, 9)", None),
    ("get(m, 'a')", 1),
    ("take(nums, 2)", [3, 1]),
    ("keys(m)", ["a", "b"]),
    ("values(m)", [1, 2]),
    ("toPairs(m)", [["a", 1], ["b", 2]]),
    ("fromPairs([['a', 1]])", {"a": 1}),
    ("reverse(nums)", [2, 1, 3]),
    ("uniq([1, 2, 1, 1.0])", [1, 2]),
    ("concat([1], [2, 3])", [1, 2, 3]),
    ("flatten([1, [2, [3]]])", [1, 2, 3]),
    ("sort(nums)", [1, 2, 3]),
    ("sort(words, 'desc')", ["b", "a"]),
    ("bitand(0b1010, 0b1100)", 8),
    ("bitor(0b1010, 0b1100)", 14),
    ("bitxor(0b1010, 0b1100)", 6),
    ("bitnand(0b1010, 0b1100)", 2),
    ("bitshl(1, 3)", 8),
    ("bitshr(8, 3)", 1),
    ("bitnot(0b1010)", -11),
    ("now() > t", True),
    ("timezone('UTC') != nil", True),
    ("asInt(inputs.parameters.x) * 10", 50),
    ("asFloat('2.5') * 2", 5.0),
    ("toJson({a: [1, 1.5]})", '{"a":[1,1.5]}'),
    ("jsonpath('{\"a\": {\"b\": 2}}', '$.a.b')", 2.0),
    ("jsonpath('[1, 2]', '$[*]')", [1.0, 2.0]),
    ("sprig.add(1, 2)", 3),
    ("sprig.upper('a')", "A"),
]


@pytest.mark.parametrize(("expression", "expected"), BUILTIN_CASES, ids=[c[0] for c in BUILTIN_CASES])
def test_builtins(expression: str, expected: Any) -> None:
    result = evaluate(expression, ENV)
    assert result == expected
    assert type(result) is type(expected)


def test_nan_division() -> None:
    assert math.isnan(evaluate("0 / 0", {}))


def test_power_overflow() -> None:
    assert evaluate("10.0 ** 400", {}) == math.inf
    assert math.isnan(evaluate("(-8) ** 0.5", {})) or evaluate("(-8) ** 0.5", {}) != 0


ERRORS: list[tuple[str, str]] = [
    ("nope", "unknown name nope"),
    ("1 + 'a'", "invalid operation: int + string"),
    ("'a' - 1", "invalid operation"),
    ("'a' * 2", "invalid operation"),
    ("'a' / 2", "invalid operation"),
    ("1.5 % 2", "invalid operation"),
    ("true % 2", "invalid operation"),
    ("1 % 0", "integer divide by zero"),
    ("'a' ** 2", "invalid operation"),
    ("-'a'", "invalid operation: -string"),
    ("+'a'", "invalid operation: +string"),
    ("!1", "expected bool"),
    ("1 && true", "expected bool"),
    ("1 < 'a'", "invalid operation: int < string"),
    ("1 in 'abc'", "operator in"),
    ("1 contains 'a'", "invalid operation"),
    ("'a' matches '('", "error parsing regexp"),
    ("nums['a']", "cannot use string as index"),
    ("nums[true]", "cannot use bool as index"),
    ("nums[5]", "index out of range: 5 (array length is 3)"),
    ("nothing.x", "cannot fetch x from <nil>"),
    ("t.Nope()", "cannot fetch Nope from time.Time"),
    ("f.x", "cannot fetch x from float64"),
    ("m[0:1]", "cannot slice"),
    ("1.5..3", "invalid operation"),
    ("1 ? 2 : 3", "expected bool"),
    ("nothing(1)", "nothing is not callable"),
    ("m.a(1)", "m.a is not callable (int)"),
    ("#", "unexpected"),
    ("fn + 1", "invalid operation: func + int"),
    ("d + 1", "invalid operation: time.Duration + int"),
    ("obj + 1", "invalid operation: Obj + int"),
    ("map(nums, #acc)", "unknown pointer #acc"),
    ("all(1, true)", "as array in all"),
    ("all(nums, 1)", "expected bool"),
    ("count([1])", "expected bool"),
    ("sum(['a'])", "invalid operation"),
    ("reduce([], #)", "reduce of empty array"),
    ("sortBy(items, .ok)", "cannot sort bool"),
    ("sortBy([1, 'a'], #)", "different types"),
    ("sort([1, 'a'])", "different types"),
    ("sort(nums, 'up')", "unknown order"),
    ("int(true)", "int(bool)"),
    ("int('1.5')", "invalid syntax"),
    ("int('４')", "invalid syntax"),
    ("int(1 / 0)", "int(+Inf)"),
    ("float(nil)", "float(<nil>)"),
    ("float('x')", "invalid syntax"),
    ("float(' 1')", "invalid syntax"),
    ("float('1_0')", "invalid syntax"),
    ("upper(1)", "invalid argument for upper (type int)"),
    ("len(1)", "invalid argument for len"),
    ("abs('a')", "invalid argument for abs"),
    ("ceil('a')", "invalid argument for ceil"),
    ("max()", "not enough arguments"),
    ("max('a')", "invalid argument for max"),
    ("keys(1)", "as map in keys"),
    ("date('nope')", "cannot parse nope as date"),
    ("date('x', '2006')", "parsing time"),
    ("timezone('Nowhere/X')", "unknown time zone"),
    ("fromBase64('!!')", "illegal base64"),
    ("fromJSON('{')", "invalid JSON"),
    ("fromJSON('NaN')", "invalid JSON"),
    ("bitand(1.5, 1)", "invalid argument for bitand"),
    ("duration('1x')", "invalid duration"),
    ("upper()", "upper:"),
    ("toJSON(1 / 0)", "unsupported value: +Inf"),
    ("toJson(t.Add)", "unsupported type"),
    ("jsonpath(1, '$')", "jsonpath expects"),
    ("jsonpath('{}', '$.a')", "not found"),
    ("jsonpath('{}', '$[?')", "jsonpath"),
    ("fn()", "cannot evaluate"),
]


@pytest.mark.parametrize(("expression", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_evaluation_errors(expression: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=None) as caught:
        evaluate(expression, ENV)
    assert message in str(caught.value)


SYNTAX: list[tuple[str, int]] = [
    ("", 1),
    ("1 +", 4),
    ("(1", 3),
    ("[1 2]", 4),
    ("{a 1}", 4),
    ("{+: 1}", 2),
    ("a.", 3),
    ("a.1", 2),
    ("1 2", 3),
    ("'abc", 1),
    ("`abc", 1),
    ("/* x", 1),
    ("'\\q'", 2),
    ("'\\x4'", 2),
    ("'\\19'", 2),
    ("@", 1),
    ("a not b", 7),
    ("0x", 1),
    ("1 ?? 2 + 3", 8),
    ("all(1)", 6),
    ("all(x, y; z)", 9),
    ("let = 1; 2", 5),
    ("let x = 1 2", 11),
    ("if true { 1 } 2", 15),
    ("if true 1", 9),
    ("a | 1", 5),
    ("nums[1:2", 9),
    ("1ex", 2),
    ("nums[:2", 8),
    ("x ? 1", 6),
    ("a?.1", 4),
]


@pytest.mark.parametrize(("expression", "column"), SYNTAX, ids=[s[0] or "empty" for s in SYNTAX])
def test_syntax_errors_point_at_the_column(expression: str, column: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        compile_expression(expression)
    assert caught.value.column == column


def test_not_followed_by_a_looser_operator_stops_the_operand() -> None:
    assert evaluate("!true not in [false]", {}) is False
    assert evaluate("1 + 1 not in [3]", {}) is True


def test_compiled_expression_is_cached_and_reusable() -> None:
    compiled = compile_expression("x + 1")
    assert compile_expression("x + 1") is compiled
    assert compiled.evaluate({"x": 1}) == 2
    assert compiled.evaluate({"x": 2}) == 3


def test_evaluate_bool() -> None:
    assert evaluate_bool("x == 'Running'", {"x": "Running"}) is True
    with pytest.raises(ExpressionError, match="unable to cast expression result '1' to bool"):
        evaluate_bool("1", {})


VARIABLES: list[tuple[str, set[str]]] = [
    ("inputs.parameters.x", {"inputs.parameters.x"}),
    ("asInt(inputs.parameters.x) + sprig.add(1, 2)", {"inputs.parameters.x"}),
    ("steps['flip-coin'].outputs.result == 'heads'", {"steps.flip-coin.outputs.result"}),
    ("tasks.a.outputs.parameters.msg ?? 'x'", {"tasks"}),
    ("a.b?.c", {"a"}),
    ("let v = w.z; v.y", {"w.z"}),
    ("filter(items, .n > limit)", {"items", "limit"}),
    ("m[k].v", {"m", "k"}),
    ("nums[0]", {"nums"}),
    ("{a: x}", {"x"}),
    ("len(item)", {"item"}),
]


@pytest.mark.parametrize(("expression", "expected"), VARIABLES, ids=[v[0] for v in VARIABLES])
def test_expression_variables(expression: str, expected: set[str]) -> None:
    assert expression_variables(expression) == expected
