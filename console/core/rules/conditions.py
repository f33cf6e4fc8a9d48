"""Safe, typed rule conditions and sentence templates: parsed by rule-engine, compiled once to closures.

rule-engine parses and type-checks every condition against the fact catalogue, so a pack with an
unknown fact, a type mismatch or a syntax error is refused on load. Walking rule-engine's AST on
every evaluation costs about 10 µs per condition, which is too slow for 100,000 scorecards, so the
checked AST is turned once into nested Python closures with the same semantics (no `eval`, no
code generation). Node kinds the compiler does not know are delegated to rule-engine itself.
"""

from __future__ import annotations

import decimal
import difflib
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import re2  # type: ignore[import-untyped]
import rule_engine
from rule_engine import ast as rast
from rule_engine import errors as rerrors

from mediation_console.db.words import until

Facts = Mapping[str, Any]
Evaluator = Callable[[Facts], Any]


class ConditionError(ValueError):
    """A condition or template that cannot be used; the message says why, for a team lead."""


class _Mismatch(Exception):
    """Raised inside compiled closures where rule-engine would raise a data type mismatch."""


# What evaluating a condition may raise when a fact is missing (None) or of the wrong kind: the
# condition then does not hold, as in rule-engine, where such an evaluation is an error.
FAILURES = (_Mismatch, TypeError, KeyError, ZeroDivisionError, rerrors.EngineError)


def _context(types: Mapping[str, Any]) -> rule_engine.Context:
    return rule_engine.Context(type_resolver=rule_engine.type_resolver_from_dict(dict(types)), default_value=None)


def _literal(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, tuple):
        return tuple(_literal(v) for v in value)
    return value


_ORDERED = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}
_ARITHMETIC = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "tdiv": operator.truediv,
    "fdiv": operator.floordiv,
    "mod": operator.mod,
    "pow": operator.pow,
}


def _compile(node: Any, symbols: set[str], constants: Mapping[str, Any]) -> Evaluator:
    """Turns one checked rule-engine AST node into a closure over a plain facts dict."""
    if isinstance(node, rast.SymbolExpression) and node.scope is None:
        name = node.name
        if name in constants:  # pack constants are fixed at load time: fold them into literals
            value = constants[name]
            return lambda f: value
        symbols.add(name)
        return itemgetter(name)
    if isinstance(node, (rast.FloatExpression, rast.StringExpression, rast.BooleanExpression, rast.NullExpression)):
        value = _literal(node.value)
        return lambda f: value
    if isinstance(node, rast.ArrayExpression) and all(
        isinstance(v, (rast.FloatExpression, rast.StringExpression, rast.BooleanExpression, rast.NullExpression))
        for v in node.value
    ):
        values = tuple(_literal(v.value) for v in node.value)
        return lambda f: values
    if isinstance(node, rast.LogicExpression):
        left, right = _compile(node.left, symbols, constants), _compile(node.right, symbols, constants)
        if node.type == "and":
            return lambda f: bool(left(f) and right(f))
        return lambda f: bool(left(f) or right(f))
    if isinstance(node, rast.ArithmeticComparisonExpression) and node.type in _ORDERED:
        left, right, op = (
            _compile(node.left, symbols, constants),
            _compile(node.right, symbols, constants),
            _ORDERED[node.type],
        )
        none_result = node.type in ("ge", "le")
        fixed = _fixed(node.right, constants)
        if fixed is not _NOT_FIXED and fixed is not None:
            # The usual shape, `fact > number`: one closure call fewer per evaluation.
            fixed_type = type(fixed)

            def ordered_fixed(f: Facts) -> bool:
                a = left(f)
                if type(a) is not fixed_type:
                    raise _Mismatch
                return op(a, fixed)

            return ordered_fixed

        def ordered(f: Facts) -> bool:
            a, b = left(f), right(f)
            if a is None and b is None:
                return none_result
            if type(a) is not type(b):
                raise _Mismatch
            return op(a, b)

        return ordered
    if type(node) is rast.ComparisonExpression and node.type in ("eq", "ne"):
        left, right = _compile(node.left, symbols, constants), _compile(node.right, symbols, constants)
        fixed = _fixed(node.right, constants)
        if fixed is None:  # `fact == null` / `fact != null`
            if node.type == "eq":
                return lambda f: left(f) is None
            return lambda f: left(f) is not None
        if fixed is not _NOT_FIXED:
            fixed_type = type(fixed)
            if node.type == "eq":
                return lambda f: (lambda a: type(a) is fixed_type and a == fixed)(left(f))
            return lambda f: (lambda a: type(a) is not fixed_type or a != fixed)(left(f))
        if node.type == "eq":
            return lambda f: (lambda a, b: type(a) is type(b) and a == b)(left(f), right(f))
        return lambda f: (lambda a, b: type(a) is not type(b) or a != b)(left(f), right(f))
    if isinstance(node, rast.UnaryExpression):
        right = _compile(node.right, symbols, constants)
        if node.type == "not":
            return lambda f: not right(f)
        if node.type == "uminus":
            return lambda f: -right(f)
    if isinstance(node, rast.ContainsExpression):
        container, member = _compile(node.container, symbols, constants), _compile(node.member, symbols, constants)

        def contains(f: Facts) -> bool:
            box, item = container(f), member(f)
            if isinstance(box, str) and not isinstance(item, str):
                raise _Mismatch
            return item in box

        return contains
    if isinstance(node, rast.TernaryExpression):
        cond = _compile(node.condition, symbols, constants)
        yes, no = _compile(node.case_true, symbols, constants), _compile(node.case_false, symbols, constants)
        return lambda f: yes(f) if cond(f) else no(f)
    if isinstance(node, (rast.AddExpression, rast.SubtractExpression, rast.ArithmeticExpression)) and (
        node.type in _ARITHMETIC
    ):
        left, right, op = (
            _compile(node.left, symbols, constants),
            _compile(node.right, symbols, constants),
            _ARITHMETIC[node.type],
        )

        def arithmetic(f: Facts) -> Any:
            a, b = left(f), right(f)
            if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
                raise _Mismatch
            return op(a, b)

        return arithmetic
    # Anything else (regex, attributes, comprehensions…) is evaluated by rule-engine itself.
    _collect_symbols(node, symbols)
    symbols.difference_update(constants)
    if constants:
        return lambda f: _literal(node.evaluate({**constants, **f}))
    return lambda f: _literal(node.evaluate(f))


# Bounds on what a pack may ask of the parser: a condition is a line or two, not a program.
MAX_CONDITION_LENGTH = 2000
MAX_NESTING = 24


def _nesting(text: str) -> int:
    """How deep brackets nest in `text`, outside quoted strings."""
    depth = deepest = 0
    quote = ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def _re2(pattern: str) -> Any:
    """`pattern` compiled by RE2, which matches in linear time: no pattern and no text can make it hang."""
    try:
        return re2.compile(pattern)
    except re2.error as exc:
        raise ConditionError(
            f"the regular expression '{pattern}' cannot be used ({exc}): patterns run on RE2, "
            "which has no backreferences or look-arounds, so none can backtrack for ever"
        ) from None


def _re2_at_run_time(pattern: str) -> Any:
    try:
        return _re2(pattern)
    except ConditionError as exc:
        raise rerrors.EvaluationError(str(exc)) from None


def _without_backtracking(root: Any) -> None:
    """Every regular-expression comparison (`=~`, `=~~`, `!~`, `!~~`) in the expression runs on RE2:
    a pattern written in the pack is compiled now (refused when RE2 cannot take it), one that comes
    from a fact is compiled by RE2 when it is met. rule-engine then calls the RE2 pattern's search or
    match exactly as it would call Python's."""
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, rast.FuzzyComparisonExpression):
            if isinstance(node.right, rast.StringExpression):
                node._right = _re2(node.right.value)
            node._compile_regex = _re2_at_run_time
        for value in vars(node).values() if hasattr(node, "__dict__") else ():
            if hasattr(value, "evaluate"):
                stack.append(value)
            elif isinstance(value, tuple):
                stack.extend(item for item in value if hasattr(item, "evaluate"))


_NOT_FIXED = object()
_LITERALS = (rast.FloatExpression, rast.StringExpression, rast.BooleanExpression, rast.NullExpression)


def _fixed(node: Any, constants: Mapping[str, Any]) -> Any:
    """The value of a literal or a pack constant, known at load time; _NOT_FIXED otherwise."""
    if isinstance(node, _LITERALS):
        return _literal(node.value)
    if isinstance(node, rast.SymbolExpression) and node.scope is None and node.name in constants:
        return constants[node.name]
    return _NOT_FIXED


def _collect_symbols(node: Any, symbols: set[str]) -> None:
    if isinstance(node, rast.SymbolExpression):
        symbols.add(node.name)
    for attr in ("left", "right", "container", "member", "condition", "case_true", "case_false", "expression"):
        child = getattr(node, attr, None)
        if child is not None and hasattr(child, "evaluate"):
            _collect_symbols(child, symbols)
    value = getattr(node, "value", None)
    if isinstance(value, tuple):
        for child in value:
            if hasattr(child, "evaluate"):
                _collect_symbols(child, symbols)


def _type_name(data_type: Any) -> str:
    names = {"FLOAT": "a number", "STRING": "text", "BOOLEAN": "true/false", "NULL": "null"}
    return names.get(getattr(data_type, "name", ""), str(getattr(data_type, "name", data_type)).lower())


@dataclass(frozen=True, slots=True)
class Condition:
    """A checked boolean expression over facts.

    text: the expression as written in the pack; symbols: the facts it reads;
    rule: the rule-engine Rule (kept to cross-check the compiled form); _run: the compiled closure.
    """

    text: str
    symbols: frozenset[str]
    rule: rule_engine.Rule
    _run: Evaluator

    @classmethod
    def compile(cls, text: str, types: Mapping[str, Any], constants: Mapping[str, Any] | None = None) -> Condition:
        """Parses and type-checks `text`, bounded in length and nesting, with its regular expressions on RE2."""
        text = (text or "").strip()
        if len(text) > MAX_CONDITION_LENGTH:
            raise ConditionError(
                f"the condition is too long ({len(text):,} characters; at most {MAX_CONDITION_LENGTH:,})"
            )
        if _nesting(text) > MAX_NESTING:
            raise ConditionError(f"the condition nests brackets more than {MAX_NESTING} deep")
        try:
            condition = cls._parse(text, types, constants)
        except RecursionError:
            raise ConditionError("the condition nests too deeply to be read") from None
        _without_backtracking(condition.rule.statement.expression)
        return condition

    @classmethod
    def _parse(cls, text: str, types: Mapping[str, Any], constants: Mapping[str, Any] | None = None) -> Condition:
        """Parses and type-checks `text` against the fact types; raises ConditionError with the reason.

        `constants` (the pack's constants, also present in `types`) are folded in as literals.
        """
        text = (text or "").strip()
        if not text:
            raise ConditionError("the condition is empty")
        try:
            rule = rule_engine.Rule(text, context=_context(types))
        except rerrors.SymbolResolutionError as exc:
            close = difflib.get_close_matches(exc.symbol_name, list(types), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConditionError(f"unknown fact '{exc.symbol_name}'{hint} in `{text}`") from None
        except rerrors.RuleSyntaxError as exc:
            where = (
                f" near '{exc.token.value}'" if getattr(exc, "token", None) is not None else " (incomplete expression)"
            )
            raise ConditionError(f"syntax error{where} in `{text}`") from None
        except (rerrors.SymbolTypeError, rerrors.AttributeTypeError) as exc:
            raise ConditionError(f"type mismatch in `{text}`: {exc.message}") from None
        except rerrors.EngineError as exc:
            message = getattr(exc, "message", str(exc))
            if "mismatch" in message or "nullable" in message or "operand" in message:
                raise ConditionError(f"type mismatch in `{text}`: {message}") from None
            raise ConditionError(f"cannot use `{text}`: {message}") from None
        result = rule.statement.expression.result_type
        if getattr(result, "name", "") not in ("BOOLEAN", "UNDEFINED"):
            raise ConditionError(f"type mismatch: `{text}` gives {_type_name(result)}, not true/false")
        symbols: set[str] = set()
        run = _compile(rule.statement.expression, symbols, constants or {})
        return cls(text=text, symbols=frozenset(symbols), rule=rule, _run=run)

    def __call__(self, facts: Facts) -> bool:
        """True when the condition holds; a fact that is missing (null) where a number is needed means no."""
        try:
            return bool(self._run(facts))
        except FAILURES:
            return False

    def check(self, facts: Facts) -> tuple[bool, str]:
        """The outcome and a short account of the facts it read, for explanations."""
        try:
            held = bool(self._run(facts))
        except FAILURES:
            missing = sorted(s for s in self.symbols if facts.get(s) is None)
            return False, "missing data: " + (", ".join(missing) if missing else "a value of the wrong kind")
        shown = ", ".join(f"{name} = {_plain(facts.get(name))}" for name in sorted(self.symbols))
        return held, shown


def _plain(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
    return f'"{value}"' if isinstance(value, str) else str(value)


# -- sentence templates ---------------------------------------------------------------------------


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 10 else f"{value:,.1f}"


def _plural(value: float, unit: str) -> str:
    text = _number(value)
    return f"{text} {unit}" if text in ("1", "-1") else f"{text} {unit}s"


FORMATS: dict[str, Callable[[Any], str]] = {
    "money": lambda v: f"-${abs(v):,.0f}" if v < 0 else f"${v:,.0f}",
    "pct": lambda v: f"{abs(v):.0f}%",
    "signed_pct": lambda v: f"{v:+.0f}%",
    "days": lambda v: _plural(v, "day"),
    "bdays": lambda v: _plural(v, "business day"),
    # A distance to a date that reads after "is": "in 3 days", "tomorrow", "today", "8 days past".
    "until": lambda v: until(round(v)),
    "hours": lambda v: f"{_number(v)} h",
    "num": _number,
    "yesno": lambda v: "yes" if v else "no",
    "gap": lambda v: f"{abs(v):.0f}% below" if v >= 0 else f"{abs(v):.0f}% above",
    "agencies": lambda v: (
        "no other agency" if v == 0 else "1 other agency" if v == 1 else f"{_number(v)} other agencies"
    ),
    "text": str,
}
UNKNOWN = "unknown"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([a-z_]+))?\}")
# "{must_haves:num} [must-have is|must-haves are] known": the words agree with the number before them.
_CHOICE = re.compile(r"\[([^][|]*)\|([^][|]*)\]")


def agree(literal: str, value: Any) -> str:
    """`literal` with each `[one|many]` choice made for `value`: one when it is 1 (or -1), else many."""
    if "[" not in literal:
        return literal
    one = isinstance(value, int | float) and not isinstance(value, bool) and abs(value) == 1
    return _CHOICE.sub(lambda m: m.group(1) if one else m.group(2), literal)


def format_value(value: Any, fmt: str | None = None) -> str:
    """How a fact reads in a sentence: money as $85,000, percentages as 23%, missing as 'unknown'."""
    if value is None:
        return UNKNOWN
    if fmt:
        return FORMATS[fmt](value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _number(value)
    return str(value)


@dataclass(frozen=True, slots=True)
class Template:
    """A sentence with `{fact}` or `{fact:format}` placeholders, checked against the fact catalogue.
    A `[one|many]` choice after a placeholder agrees with its number ("{submittals:num} [submittal|submittals]").

    Rendering is plain string substitution (never `str.format`, which can reach attributes).
    """

    text: str
    parts: tuple[tuple[str, str | None, Callable[[Any], str] | None], ...]
    symbols: frozenset[str]

    @classmethod
    def compile(cls, text: str, known: Iterable[str], constants: Mapping[str, Any] | None = None) -> Template:
        """Checks every placeholder against `known` facts; pack `constants` are written in at load time."""
        known = set(known)
        constants = constants or {}
        parts: list[tuple[str, str | None, Callable[[Any], str] | None]] = []
        symbols: set[str] = set()
        position = 0
        before = text[: m.start()] if (m := _PLACEHOLDER.search(text)) else text
        if _CHOICE.search(before):
            raise ConditionError(f'a [one|many] choice needs a number before it, in the text "{text}"')
        settled: Any = None  # the constant before this literal, whose choices are made here
        for match in _PLACEHOLDER.finditer(text):
            name, fmt = match.group(1), match.group(2)
            if name not in known:
                close = difflib.get_close_matches(name, list(known), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ConditionError(f"unknown fact '{name}'{hint} in the text \"{text}\"")
            if fmt is not None and fmt not in FORMATS:
                raise ConditionError(f"unknown format '{fmt}' for {name} (use one of: {', '.join(FORMATS)})")
            formatter = FORMATS[fmt] if fmt else None
            literal = text[position : match.start()]
            if settled is not None:
                literal = agree(literal, settled)
            settled = None
            if name in constants:
                parts.append((literal + format_value(constants[name], fmt), None, None))
                settled = constants[name]
            else:
                parts.append((literal, name, formatter))
                symbols.add(name)
            position = match.end()
        tail = text[position:]
        parts.append((agree(tail, settled) if settled is not None else tail, None, None))
        # Merge neighbouring literals so rendering does the least work.
        merged: list[tuple[str, str | None, Callable[[Any], str] | None]] = []
        for part in parts:
            if merged and merged[-1][1] is None:
                merged[-1] = (merged[-1][0] + part[0], part[1], part[2])
            else:
                merged.append(part)
        parts = merged
        return cls(text=text, parts=tuple(parts), symbols=frozenset(symbols))

    def render(self, facts: Facts) -> str:
        return "".join(self.pieces(facts))

    def pieces(self, facts: Facts) -> list[str]:
        """The text filled from the facts in its pieces, each literal and each filled value in turn (`render`
        joins them): the literals are the same for every dispute, so work done on them can be kept."""
        out = []
        value: Any = None
        for literal, name, formatter in self.parts:
            out.append(agree(literal, value))
            if name is not None:
                value = facts.get(name)
                if value is None:
                    out.append(UNKNOWN)
                elif formatter is not None:
                    out.append(formatter(value))
                else:
                    out.append(format_value(value))
        return out
