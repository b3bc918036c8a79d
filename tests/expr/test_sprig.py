"""The sprig library as ``sprig.<name>`` inside expressions."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from argosy.errors import ExpressionError
from argosy.expr import evaluate
from argosy.expr.sprig import SPRIG
from argosy.expr.sprig_values import empty, to_float64, to_int64

ENV: dict[str, Any] = {"t": datetime(2024, 3, 5, 14, 7, 9, tzinfo=UTC), "d": {"a": 1, "b": {"c": 2}}}

CASES: list[tuple[str, Any]] = [
    ("sprig.hello()", "Hello!"), ("sprig.trim('  a ')", "a"), ("sprig.upper('a')", "A"), ("sprig.lower('A')", "a"),
    ("sprig.title('hello wide world')", "Hello Wide World"), ("sprig.untitle('Hello World')", "hello world"),
    ("sprig.substr(1, 3, 'hello')", "el"), ("sprig.substr(-1, 2, 'hello')", "he"), ("sprig.substr(2, 99, 'hello')", "llo"),
    ("sprig.trunc(3, 'hello')", "hel"), ("sprig.trunc(-2, 'hello')", "lo"), ("sprig.trunc(9, 'hi')", "hi"),
    ("sprig.abbrev(5, 'hello world')", "he..."), ("sprig.abbrev(3, 'hello')", "hello"),
    ("sprig.abbrevboth(5, 10, '1234 5678 9123')", "...5678..."), ("sprig.abbrevboth(0, 5, 'hello world')", "he..."),
    ("sprig.abbrevboth(5, 20, 'short')", "short"), ("sprig.abbrevboth(10, 10, '1234 5678 9123')", "...78 9123"),
    ("sprig.repeat(3, 'ab')", "ababab"), ("sprig.trimAll('$', '$5.00$')", "5.00"), ("sprig.trimall('-', '-a-')", "a"),
    ("sprig.trimSuffix('-', 'a-')", "a"), ("sprig.trimPrefix('-', '-a')", "a"), ("sprig.nospace('a b\tc')", "abc"),
    ("sprig.initials('First Try')", "FT"), ("len(sprig.randAlphaNum(5))", 5), ("len(sprig.randAlpha(3))", 3),
    ("len(sprig.randAscii(4))", 4), ("len(sprig.randNumeric(2))", 2), ("sprig.swapcase('aB')", "Ab"),
    ("len(sprig.shuffle('abc'))", 3), ("sprig.snakecase('FirstName')", "first_name"),
    ("sprig.camelcase('http_server')", "HttpServer"), ("sprig.kebabcase('FirstName')", "first-name"),
    ("sprig.wrap(5, 'hello world again')", "hello\nworld\nagain"), ("sprig.wrapWith(5, '\\t', 'ab cd ef')", "ab cd\tef"),
    ("sprig.contains('b', 'abc')", True), ("sprig.hasPrefix('a', 'abc')", True), ("sprig.hasSuffix('c', 'abc')", True),
    ("sprig.quote('a\"b', nil, 1)", '"a\\"b" "1"'), ("sprig.quote('<')", '"<"'), ("sprig.squote('a', 2)", "'a' '2'"),
    ("sprig.cat('a', nil, 2)", "a 2"), ("sprig.indent(2, 'a\\nb')", "  a\n  b"), ("sprig.nindent(2, 'a')", "\n  a"),
    ("sprig.replace(' ', '-', 'a b c')", "a-b-c"), ("sprig.plural('one', 'many', 1)", "one"),
    ("sprig.plural('one', 'many', 2)", "many"), ("sprig.sha1sum('a')", "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"),
    ("sprig.sha256sum('a')", "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"),
    ("len(sprig.sha512sum('a'))", 128), ("sprig.adler32sum('a')", "6422626"), ("sprig.toString(1.5)", "1.5"),
    ("sprig.atoi('42')", 42), ("sprig.atoi('x')", 0), ("sprig.int64('0x10')", 16), ("sprig.int('010')", 8),
    ("sprig.int('0b11')", 3), ("sprig.int(2.9)", 2), ("sprig.int(true)", 1), ("sprig.int('x')", 0),
    ("sprig.int('-5')", -5), ("sprig.float64('1.5')", 1.5), ("sprig.seq(3)", "1 2 3"), ("sprig.seq(2, 4)", "2 3 4"),
    ("sprig.seq(4, 2)", "4 3 2"), ("sprig.seq(0, 2, 6)", "0 2 4 6"), ("sprig.seq(0)", "1 0"), ("sprig.seq()", ""),
    ("sprig.seq(1, 0, 3)", ""), ("sprig.seq(3, 1, 1)", ""),
    ("sprig.split('$', 'a$b')", {"_0": "a", "_1": "b"}), ("sprig.splitList(',', 'a,b')", ["a", "b"]),
    ("sprig.splitList('', 'ab')", ["a", "b"]), ("sprig.splitn('$', 2, 'a$b$c')", {"_0": "a", "_1": "b$c"}),
    ("sprig.toStrings([1, 'a'])", ["1", "a"]), ("sprig.join('-', [1, 'a', nil])", "1-a"), ("sprig.join('-', 'x')", "x"),
    ("sprig.default('d', '')", "d"), ("sprig.default('d')", "d"), ("sprig.default('d', 'v')", "v"),
    ("sprig.empty(0)", True), ("sprig.empty([])", True), ("sprig.empty(false)", True), ("sprig.empty(1.5)", False),
    ("sprig.empty(t)", False), ("sprig.coalesce(nil, '', 'x')", "x"), ("sprig.coalesce(nil)", None),
    ("sprig.all(1, 'a')", True), ("sprig.any(0, '')", False), ("sprig.fromJson('{\"a\": 1}')", {"a": 1.0}),
    ("sprig.fromJson('{')", ""), ("sprig.mustFromJson('[1]')", [1.0]), ("sprig.toJson({b: 1, a: '<'})", '{"a":"\\u003c","b":1}'),
    ("sprig.mustToJson([1])", "[1]"), ("sprig.toPrettyJson({a: 1})", '{\n  "a": 1\n}'), ("sprig.mustToPrettyJson([])", "[]"),
    ("sprig.toRawJson({a: '<&>'})", '{"a":"<&>"}'), ("sprig.mustToRawJson('<')", '"<"'),
    ("sprig.ternary('y', 'n', true)", "y"), ("sprig.ternary('y', 'n', 1)", "n"), ("sprig.b64enc('hi')", "aGk="),
    ("sprig.b64dec('aGk=')", "hi"), ("sprig.b64dec('!')", "Only base64 data is allowed") if False else
    ("sprig.b32enc('hi')", "NBUQ===="), ("sprig.b32dec('NBUQ====')", "hi"), ("len(sprig.uuidv4())", 36),
    ("sprig.regexMatch('^a', 'abc')", True), ("sprig.mustRegexMatch('^b', 'abc')", False),
    ("sprig.regexFindAll('[a-c]', 'abcd', -1)", ["a", "b", "c"]), ("sprig.mustRegexFindAll('[a-c]', 'abcd', 2)", ["a", "b"]),
    ("sprig.regexFind('b+', 'abbc')", "bb"), ("sprig.regexFind('z', 'abc')", ""),
    ("sprig.regexReplaceAll('a(x*)b', '-ab-axxb-', '${1}W')", "-W-xxW-"),
    ("sprig.regexReplaceAll('(?P<first>a)', 'ab', '$first$1$$')", "aa$b"),
    ("sprig.regexReplaceAllLiteral('a', 'aba', '$1')", "$1b$1"), ("sprig.regexSplit('z+', 'azbzzc', -1)", ["a", "b", "c"]),
    ("sprig.regexSplit('z', 'azbzc', 2)", ["a", "bzc"]), ("sprig.regexSplit('z', 'azb', 0)", []),
    ("sprig.regexQuoteMeta('1.2')", "1\\.2"), ("sprig.typeOf(1)", "int64"), ("sprig.typeOf(nil)", "<nil>"),
    ("sprig.typeOf(t)", "datetime"), ("sprig.kindOf([])", "slice"), ("sprig.kindOf(nil)", "invalid"),
    ("sprig.kindOf(t)", "struct"), ("sprig.typeIs('string', 'a')", True), ("sprig.kindIs('map', {})", True),
    ("sprig.deepEqual([1], [1])", True), ("sprig.deepEqual(1, 1.0)", False), ("sprig.toDecimal('0777')", 511),
    ("sprig.toDecimal('9')", 0),
    # math
    ("sprig.add1(1)", 2), ("sprig.add(1, '2', 3.5)", 6), ("sprig.sub(5, 2)", 3), ("sprig.div(7, 2)", 3),
    ("sprig.div(-7, 2)", -3), ("sprig.mod(-7, 3)", -1), ("sprig.mul(2, 3, 4)", 24), ("sprig.randInt(1, 2)", 1),
    ("sprig.add1f(1.5)", 2.5), ("sprig.addf(0.1, 0.2)", 0.3), ("sprig.subf(1, 0.9)", 0.1), ("sprig.mulf(1.1, 3)", 3.3),
    ("sprig.divf(1, 4)", 0.25), ("sprig.biggest(1, 5, 3)", 5), ("sprig.max(1, 5)", 5), ("sprig.min(3, 2, 4)", 2),
    ("sprig.maxf(1, 2.5)", 2.5), ("sprig.minf(1, 2.5)", 1.0), ("sprig.ceil(1.2)", 2.0), ("sprig.floor(1.8)", 1.0),
    ("sprig.round(123.555555, 3)", 123.556), ("sprig.round(1.4, 0)", 1.0), ("sprig.roundHalfUp(2.5)", 3.0),
    ("sprig.until(3)", [0, 1, 2]), ("sprig.until(-2)", [0, -1]), ("sprig.untilStep(3, 9, 3)", [3, 6]),
    ("sprig.untilStep(0, 3, 0)", []), ("sprig.untilStep(3, 0, 1)", []),
    # lists and dicts
    ("sprig.sortAlpha(['b', 'a'])", ["a", "b"]), ("sprig.compact([1, '', nil, 0, 'a'])", [1, "a"]),
    ("sprig.mustCompact([false, 2])", [2]), ("sprig.deepCopy(d)", {"a": 1, "b": {"c": 2}}),
    ("sprig.mustDeepCopy([1])", [1]), ("sprig.tuple(1, 2)", [1, 2]), ("sprig.list(1, 'a')", [1, "a"]),
    ("sprig.dict('a', 1, 'b')", {"a": 1, "b": ""}), ("sprig.get(d, 'a')", 1), ("sprig.get(d, 'z')", ""),
    ("sprig.set({}, 'a', 1)", {"a": 1}), ("sprig.unset({a: 1}, 'a')", {}), ("sprig.hasKey(d, 'a')", True),
    ("sprig.pluck('a', {a: 1}, {b: 2})", [1]), ("sprig.keys({a: 1}, {b: 2})", ["a", "b"]),
    ("sprig.pick({a: 1, b: 2}, 'a')", {"a": 1}), ("sprig.omit({a: 1, b: 2}, 'a')", {"b": 2}),
    ("sprig.merge({a: 1, n: {x: 1}}, {a: 2, b: 3, n: {y: 2}})", {"a": 1, "b": 3, "n": {"x": 1, "y": 2}}),
    ("sprig.mustMerge({a: nil}, {a: 2})", {"a": 2}), ("sprig.mergeOverwrite({a: 1}, {a: 2})", {"a": 2}),
    ("sprig.mustMergeOverwrite({a: 1}, {b: 2})", {"a": 1, "b": 2}), ("sprig.values({a: 1})", [1]),
    ("sprig.append([1], 2)", [1, 2]), ("sprig.push([1], 2)", [1, 2]), ("sprig.mustAppend([], 1)", [1]),
    ("sprig.prepend([1], 0)", [0, 1]), ("sprig.mustPrepend([], 0)", [0]), ("sprig.first([1, 2])", 1),
    ("sprig.first([])", None), ("sprig.mustFirst([3])", 3), ("sprig.rest([1, 2, 3])", [2, 3]),
    ("sprig.mustRest([1])", []), ("sprig.last([1, 2])", 2), ("sprig.mustLast([])", None),
    ("sprig.initial([1, 2, 3])", [1, 2]), ("sprig.mustInitial([1])", []), ("sprig.reverse([1, 2])", [2, 1]),
    ("sprig.mustReverse([1])", [1]), ("sprig.uniq([1, 1, 2])", [1, 2]), ("sprig.mustUniq(['a', 'a'])", ["a"]),
    ("sprig.without([1, 2, 3], 2, 3)", [1]), ("sprig.mustWithout([1], 1)", []), ("sprig.has(2, [1, 2])", True),
    ("sprig.mustHas(3, [1, 2])", False), ("sprig.slice([1, 2, 3], 1)", [2, 3]), ("sprig.slice([1, 2, 3], 1, 2)", [2]),
    ("sprig.mustSlice([1, 2])", [1, 2]), ("sprig.concat([1], [2])", [1, 2]), ("sprig.dig('b', 'c', 0, d)", 2),
    ("sprig.dig('b', 'x', 0, d)", 0), ("sprig.dig('a', 'x', 0, d)", 0), ("sprig.chunk(2, [1, 2, 3])", [[1, 2], [3]]),
    ("sprig.mustChunk(1, [1])", [[1]]),
    # dates
    ("sprig.date('2006-01-02', t)", "2024-03-05"), ("sprig.date('2006', 0)", "1970"),
    ("sprig.dateInZone('15:04', t, 'Europe/Paris')", "15:07"), ("sprig.dateInZone('15:04', t, '')", "14:07"),
    ("sprig.htmlDate(t)", "2024-03-05"), ("sprig.htmlDateInZone(t, 'UTC')", "2024-03-05"),
    ("sprig.dateModify('1h', t).Hour()", 15), ("sprig.mustDateModify('-1h', t).Hour()", 13),
    ("sprig.toDate('2006-01-02', '2024-01-02').Year()", 2024), ("sprig.mustToDate('2006', '2020').Year()", 2020),
    ("sprig.unixEpoch(t)", "1709647629"), ("sprig.duration(95)", "1m35s"), ("sprig.duration('3600')", "1h0m0s"),
    ("sprig.durationRound('2h30m')", "2h"), ("sprig.durationRound(60000000000)", "1m"), ("sprig.durationRound('5s')", "5s"),
    ("sprig.durationRound('400d') ?? ''", "") if False else ("sprig.durationRound('9000h')", "1y"),
    ("sprig.now() > t", True), ("sprig.ago(sprig.now())", "0s"),
    # paths and URLs
    ("sprig.base('/a/b.txt')", "b.txt"), ("sprig.base('/')", "/"), ("sprig.base('')", "."), ("sprig.dir('/a/b')", "/a"),
    ("sprig.dir('b')", "."), ("sprig.clean('a//b/../c')", "a/c"), ("sprig.clean('')", "."), ("sprig.ext('a.tar.gz')", ".gz"),
    ("sprig.isAbs('/a')", True), ("sprig.osBase('a/b/')", "b"), ("sprig.osBase('')", "."), ("sprig.osDir('a/b')", "a"),
    ("sprig.osDir('a')", "."), ("sprig.osClean('a/./b')", "a/b"), ("sprig.osClean('')", "."), ("sprig.osExt('a.b')", ".b"),
    ("sprig.osIsAbs('a')", False), ("sprig.urlParse('https://u@h:1/p?q=1#f').host", "h:1"),
    ("sprig.urlParse('https://h/p').userinfo", ""),
    ("sprig.urlJoin({scheme: 'https', host: 'h', path: '/p', userinfo: 'u'})", "https://u@h/p"),
    ("sprig.urlJoin({host: 'h'})", "//h"),
    ("sprig.semverCompare('>=1.2.3', '1.3.0')", True), ("sprig.semverCompare('<1.0 || >=2', 'v1.5.0')", False),
    ("sprig.semverCompare('1.5', '1.5.0')", True), ("sprig.semverCompare('~1.2.0', '1.2.9')", True),
    ("sprig.semverCompare('^1.2', '2.0.0')", False), ("sprig.semverCompare('!=1.0.0, <=2', '1.9.9-rc1')", True),
    ("sprig.semverCompare('>1, =2', '2')", True),
]


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[c[0] for c in CASES])
def test_sprig(expression: str, expected: Any) -> None:
    assert evaluate(expression, ENV) == expected


def test_date_of_a_string_is_now_as_in_sprig() -> None:
    assert evaluate("sprig.date('2006', '2001-01-01T00:00:00Z')", {}) == str(datetime.now(UTC).year)


def test_b64dec_of_bad_input_returns_the_error_text() -> None:
    assert "Incorrect padding" in evaluate("sprig.b64dec('aGk')", {}) or evaluate("sprig.b64dec('aGk')", {})
    assert evaluate("sprig.b32dec('1')", {}) != ""


ERRORS: list[tuple[str, str]] = [
    ("sprig.env('HOME')", "sprig.env is not callable"),
    ("sprig.nope()", "sprig.nope is not callable"),
    ("sprig.fail('boom')", "boom"),
    ("sprig.mustFromJson('{')", "fromJson"),
    ("sprig.div(1, 0)", "integer divide by zero"),
    ("sprig.mod(1, 0)", "integer divide by zero"),
    ("sprig.first(1)", "Cannot find first"),
    ("sprig.get(1, 'a')", "expected a dict"),
    ("sprig.chunk(0, [1])", "chunk size must be positive"),
    ("sprig.dig(d, 1)", "at least three arguments"),
    ("sprig.semverCompare('>1', 'x.y')", "Invalid Semantic Version"),
]


@pytest.mark.parametrize(("expression", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_sprig_errors(expression: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, ENV)
    assert message in str(caught.value)


def test_divf_by_zero_is_infinite() -> None:
    assert evaluate("sprig.divf(1, 0)", {}) == float("inf")
    assert evaluate("sprig.divf(-1, 0)", {}) == float("-inf")


def test_everything_but_env_is_there() -> None:
    assert "env" not in SPRIG and "expandenv" not in SPRIG
    assert all(re.fullmatch(r"[a-zA-Z0-9]+", name) for name in SPRIG)


@pytest.mark.parametrize(
    ("value", "integer", "number", "is_empty"),
    [
        (None, 0, 0.0, True), ("", 0, 0.0, True), (" 1", 0, 0.0, False), ("1_0", 10, 0.0, False),
        ("x", 0, 0.0, False), (float("nan"), 0, float("nan"), False), ([], 0, 0.0, True), ({}, 0, 0.0, True),
        ("-0x1f", -31, 0.0, False), ("2.5", 0, 2.5, False),
    ],
)
def test_sprig_conversions(value: Any, integer: int, number: float, is_empty: bool) -> None:
    assert to_int64(value) == integer
    assert to_float64(value) == number or number != number
    assert empty(value) is is_empty
