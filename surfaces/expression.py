"""Custom surfaces from a formula the user types, parsed by a whitelist.

``from_expression("x**2 + 3*sin(y)")`` returns a `Surface` whose gradient is
exact: the text is parsed into a syntax tree, the tree is rebuilt as a small
expression graph (constants folded, ``0*a``, ``1*a``, ``a + 0``, ``a**1``
simplified, equal subexpressions shared), the graph is differentiated
symbolically, and value and gradient are evaluated with NumPy ufuncs by a
straight-line program over that graph. No user text ever reaches ``eval``,
``exec``, ``compile`` or a symbolic library's parser: the tokenizer below accepts
a fixed set of characters and names, and everything else is an error.

Grammar (the same precedence as Python, with ``^`` accepted for ``**``)::

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("+" | "-") unary | power
    power      := atom (("**" | "^") unary)?          right-associative
    atom       := number | "x" | "y" | "pi" | "e"
                | function "(" expression ")" | "(" expression ")"
    number     := digits ["." digits] [("e" | "E") ["+" | "-"] digits]  (or ".5", "2.")
    function   := sin cos tan exp log (ln) sqrt abs sinh cosh tanh arctan (atan)

So ``-x**2`` is ``-(x**2)``, ``2**-x`` is allowed, and ``2**3**2`` is ``2**9``.
``log`` is the natural logarithm; ``ln`` and ``atan`` are aliases of ``log`` and
``arctan``. Multiplication is never implicit: ``2x`` and ``x y`` are errors that
say where the ``*`` is missing. Whitespace (spaces, tabs, newlines) is ignored.

Limits, so that no input can hang or exhaust memory: at most `MAX_LENGTH`
characters, `MAX_NODES` numbers, names and operators, `MAX_DEPTH` levels of
nesting (parentheses, function calls, signs and exponents), literal numbers of
magnitude at most `MAX_NUMBER`, and a constant exponent (after folding) within
±`MAX_EXPONENT`. A variable exponent such as ``x**y`` is allowed and
differentiated as ``d(a**b) = a**b * (b'*log(a) + b*a'/a)``.

Errors raise `ExpressionError` (a `ValueError`) with a one-line message that
names the problem and where it is, as a 1-based column counted in characters
over the whole text, e.g. ``unexpected ')' at column 7: expected a number, x,
y, a function or '('``. Its ``column`` attribute holds the column (None when the
problem has no position, such as a function that is not finite anywhere on the
view).

Evaluation never raises or warns: a value outside a function's domain
(``log(-1)``, ``sqrt(-1)``, ``1/0``) or an overflow gives nan or inf, which the
optimizer core treats as divergence.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from ._base import Minimum, Surface

__all__ = [
    "CONSTANTS",
    "DEFAULT_VIEW",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_NUMBER",
    "ExpressionError",
    "canonical",
    "from_expression",
]

#: Longest accepted text, in characters.
MAX_LENGTH = 500
#: Most numbers, names and operators in one expression.
MAX_NODES = 200
#: Deepest nesting of parentheses, function calls, signs and exponents.
MAX_DEPTH = 32
#: Largest magnitude of a number written in the text.
MAX_NUMBER = 1e6
#: Largest magnitude of a constant exponent (after constant folding).
MAX_EXPONENT = 100.0
#: Most operations in the value and gradient programs together. The gradient
#: graph grows about linearly with the expression (shared subexpressions are
#: differentiated once), so expressions within `MAX_NODES` stay far below this
#: (a few hundred); it bounds the work whatever happens.
MAX_PROGRAM = 5000

#: The default view box when `from_expression` is given none.
DEFAULT_VIEW = (-3.0, 3.0, -3.0, 3.0)

#: Accepted function names, each mapped to its canonical name.
FUNCTIONS: dict[str, str] = {
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "exp": "exp",
    "log": "log",
    "ln": "log",
    "sqrt": "sqrt",
    "abs": "abs",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "arctan": "arctan",
    "atan": "arctan",
}

#: Accepted constant names and their values.
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

_VARIABLES = ("x", "y")
_KNOWN = (*_VARIABLES, *CONSTANTS, *FUNCTIONS)
_UNARY_UFUNCS: dict[str, Callable[[Any], Any]] = {
    "neg": np.negative,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "arctan": np.arctan,
    "sign": np.sign,  # internal: the derivative of abs
}
_BINARY_UFUNCS: dict[str, Callable[[Any, Any], Any]] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "pow": np.power,
}
_BINARY_OPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_ATOM = 5

_DIGITS = frozenset("0123456789")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | _DIGITS
_WHITESPACE = frozenset(" \t\r\n\f\v")
_OPERATORS = frozenset("+-*/^(),")
#: Hints for characters people paste from typeset formulas.
_CHAR_HINTS = {
    "²": "write **2",
    "³": "write **3",
    "×": "write * for multiplication",
    "·": "write * for multiplication",
    "÷": "write / for division",
    "−": "write - (the ASCII minus)",
    "–": "write - (the ASCII minus)",
    "π": "write pi",
    "=": "keyword arguments and assignments are not allowed; type only the right-hand side",
    ".": "attribute access is not allowed",
    "'": "strings are not allowed",
    '"': "strings are not allowed",
    "[": "use ( ) for grouping",
    "{": "use ( ) for grouping",
    ";": "type a single expression",
}


class ExpressionError(ValueError):
    """A custom expression that cannot be accepted.

    Attributes:
        problem: what is wrong, without the position.
        column: 1-based column (in characters) where it is, or None.
        hint: how to fix it, or "".
    """

    def __init__(self, problem: str, column: int | None = None, hint: str = "") -> None:
        self.problem = problem
        self.column = column
        self.hint = hint
        where = "" if column is None else f" at column {column}"
        super().__init__(f"{problem}{where}{': ' + hint if hint else ''}")


# --------------------------------------------------------------------------- tokens
@dataclass(frozen=True, slots=True)
class _Token:
    """One token: kind is "num", "name", "op", "end" or "bad"; pos is a 0-based index.

    A "bad" token ends the list and carries the error for its position, raised
    only when the parser reaches it, so that the leftmost problem is reported.
    """

    kind: Literal["num", "name", "op", "end", "bad"]
    text: str
    pos: int
    value: float = 0.0
    error: ExpressionError | None = None


def _char_error(text: str, i: int) -> ExpressionError:
    ch = text[i]
    shown = repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}"
    if ord(ch) > 127:
        hint = _CHAR_HINTS.get(ch, "use ASCII characters only")
        return ExpressionError(f"unexpected character {shown} (U+{ord(ch):04X})", i + 1, hint)
    return ExpressionError(f"unexpected character {shown}", i + 1, _CHAR_HINTS.get(ch, ""))


def _scan_number(text: str, i: int) -> int:
    """End index of the number starting at `i` (digits, fraction, exponent)."""
    n = len(text)
    j = i
    while j < n and text[j] in _DIGITS:
        j += 1
    if j < n and text[j] == ".":
        j += 1
        while j < n and text[j] in _DIGITS:
            j += 1
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k < n and text[k] in _DIGITS:  # else the "e" is a name (and an error later)
            while k < n and text[k] in _DIGITS:
                k += 1
            j = k
    return j


def _tokenize(text: str) -> list[_Token]:
    """The tokens of `text`, ending with an "end" token, or a "bad" one at the first
    character outside the grammar (or a number beyond `MAX_NUMBER`)."""
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _WHITESPACE:
            i += 1
        elif ch in _DIGITS or (ch == "." and i + 1 < n and text[i + 1] in _DIGITS):
            j = _scan_number(text, i)
            literal = text[i:j]
            value = float(literal)
            if not value <= MAX_NUMBER:
                error = ExpressionError(
                    f"number {literal} is too large",
                    i + 1,
                    f"numbers are at most {MAX_NUMBER:,.0f} in magnitude",
                )
                tokens.append(_Token("bad", literal, i, error=error))
                return tokens
            tokens.append(_Token("num", literal, i, value))
            i = j
        elif ch in _NAME_START:
            j = i + 1
            while j < n and text[j] in _NAME_CHARS:
                j += 1
            tokens.append(_Token("name", text[i:j], i))
            i = j
        elif ch == "*" and text.startswith("**", i):
            tokens.append(_Token("op", "**", i))
            i += 2
        elif ch in _OPERATORS:
            tokens.append(_Token("op", ch, i))
            i += 1
        else:
            tokens.append(_Token("bad", ch, i, error=_char_error(text, i)))
            return tokens
    tokens.append(_Token("end", "", n))
    return tokens


# --------------------------------------------------------------------------- syntax tree
@dataclass(frozen=True, eq=False, slots=True)
class _Syntax:
    """A node of the tree as typed.

    `op` is "num", "x", "y", "pi", "e", "neg", "add", "sub", "mul", "div", "pow"
    or a canonical function name; `pos` is the 0-based index of its token (the
    operator's, for an operation) and `start` that of its first character
    (an opening parenthesis included).
    """

    op: str
    args: tuple[_Syntax, ...]
    pos: int
    start: int
    value: float = 0.0


class _Parser:
    """Recursive descent over the tokens, counting nodes and nesting as it goes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.nodes = 0
        self.depth = 0

    # helpers
    def peek(self) -> _Token:
        tok = self.tokens[self.i]
        if tok.error is not None:
            raise tok.error
        return tok

    def take(self) -> _Token:
        tok = self.peek()
        self.i += 1
        return tok

    def at(self, *ops: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.text in ops

    def make(
        self, op: str, args: tuple[_Syntax, ...], pos: int, start: int, value: float = 0.0
    ) -> _Syntax:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError(
                "expression too large",
                pos + 1,
                f"at most {MAX_NODES} numbers, names and operators",
            )
        return _Syntax(op, args, pos, start, value)

    def enter(self, tok: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                "nesting too deep",
                tok.pos + 1,
                f"at most {MAX_DEPTH} levels of parentheses, functions, signs and powers",
            )

    def leave(self) -> None:
        self.depth -= 1

    @staticmethod
    def shown(tok: _Token) -> str:
        return "end of expression" if tok.kind == "end" else repr(tok.text)

    def after_operand(self, tok: _Token, closing: str) -> ExpressionError:
        """The error for `tok` found where an operator or `closing` was expected."""
        prev = self.tokens[self.i - 1]
        operand = tok.kind == "num" or (tok.kind == "name" and tok.text in _KNOWN)
        if operand or (tok.kind == "op" and tok.text == "("):
            hint = "write * to multiply"
            if prev.kind in ("num", "name") and tok.kind in ("num", "name"):
                hint = f"write {prev.text}*{tok.text} to multiply"
            return ExpressionError(
                f"missing operator between {prev.text!r} and {tok.text!r}", tok.pos + 1, hint
            )
        if tok.kind == "op" and tok.text == ")":
            return ExpressionError("unmatched ')'", tok.pos + 1, "no '(' is open here")
        if tok.kind == "op" and tok.text == ",":
            return ExpressionError(
                "unexpected ','", tok.pos + 1, "functions take exactly one argument"
            )
        return ExpressionError(
            f"unexpected {self.shown(tok)}",
            tok.pos + 1,
            f"expected an operator (+ - * / ** ^){closing}",
        )

    # grammar
    def parse(self) -> _Syntax:
        if self.peek().kind == "end":
            raise ExpressionError(
                "empty expression", 1, "type a function of x and y, such as x**2 + y**2"
            )
        node = self.expression()
        tok = self.peek()
        if tok.kind != "end":
            raise self.after_operand(tok, " or the end")
        return node

    def expression(self) -> _Syntax:
        node = self.term()
        while self.at("+", "-"):
            tok = self.take()
            node = self.make(_BINARY_OPS[tok.text], (node, self.term()), tok.pos, node.start)
        return node

    def term(self) -> _Syntax:
        node = self.unary()
        while self.at("*", "/"):
            tok = self.take()
            node = self.make(_BINARY_OPS[tok.text], (node, self.unary()), tok.pos, node.start)
        return node

    def unary(self) -> _Syntax:
        if not self.at("+", "-"):
            return self.power()
        tok = self.take()
        self.enter(tok)
        operand = self.unary()
        self.leave()
        return operand if tok.text == "+" else self.make("neg", (operand,), tok.pos, tok.pos)

    def power(self) -> _Syntax:
        base = self.atom()
        if not self.at("**", "^"):
            return base
        tok = self.take()
        self.enter(tok)
        exponent = self.unary()
        self.leave()
        return self.make("pow", (base, exponent), tok.pos, base.start)

    def atom(self) -> _Syntax:
        tok = self.take()
        if tok.kind == "num":
            return self.make("num", (), tok.pos, tok.pos, tok.value)
        if tok.kind == "name":
            return self.name(tok)
        if tok.kind == "op" and tok.text == "(":
            self.enter(tok)
            node = self.expression()
            self.close(tok)
            self.leave()
            return replace(node, start=tok.pos)
        expected = "expected a number, x, y, a function or '('"
        if tok.kind == "end":
            raise ExpressionError("unexpected end of expression", tok.pos + 1, expected)
        raise ExpressionError(f"unexpected {tok.text!r}", tok.pos + 1, expected)

    def name(self, tok: _Token) -> _Syntax:
        name = tok.text
        if name in _VARIABLES or name in CONSTANTS:
            value = CONSTANTS.get(name, 0.0)
            return self.make(name, (), tok.pos, tok.pos, value)
        if name in FUNCTIONS:
            if not self.at("("):
                raise ExpressionError(
                    f"function {name!r} needs an argument in parentheses",
                    self.peek().pos + 1,
                    f"write {name}(...)",
                )
            paren = self.take()
            self.enter(paren)
            arg = self.expression()
            self.close(paren)
            self.leave()
            return self.make(FUNCTIONS[name], (arg,), tok.pos, tok.pos)
        lowered = name.lower()
        if lowered in _KNOWN:
            hint = f"names are case-sensitive: did you mean {lowered!r}?"
        else:
            hint = "use x, y, pi, e or one of: " + ", ".join(FUNCTIONS)
        raise ExpressionError(f"unknown name {name!r}", tok.pos + 1, hint)

    def close(self, opening: _Token) -> None:
        tok = self.peek()
        if tok.kind == "op" and tok.text == ")":
            self.take()
            return
        if tok.kind == "end":
            raise ExpressionError(
                "missing ')'", tok.pos + 1, f"to close the '(' at column {opening.pos + 1}"
            )
        raise self.after_operand(tok, f" or ')' to close the '(' at column {opening.pos + 1}")


def _parse(text: Any) -> _Syntax:
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression too long ({len(text)} characters)",
            MAX_LENGTH + 1,
            f"at most {MAX_LENGTH} characters",
        )
    return _Parser(text).parse()


# --------------------------------------------------------------------------- printing
def _number_text(v: float) -> str:
    """A literal that parses back to exactly `v` (a non-negative float ≤ MAX_NUMBER)."""
    return str(int(v)) if v.is_integer() else repr(v)


def _canonical(node: _Syntax) -> tuple[str, int]:
    """(text, precedence) of `node` in canonical syntax with the fewest parentheses."""
    op = node.op
    if op == "num":
        return _number_text(node.value), _ATOM
    if not node.args:
        return op, _ATOM
    if op in FUNCTIONS.values():
        return f"{op}({_canonical(node.args[0])[0]})", _ATOM
    prec = _PRECEDENCE[op]
    if op == "neg":
        return "-" + _wrap(_canonical(node.args[0]), prec), prec
    left, right = (_canonical(a) for a in node.args)
    if op == "pow":  # right-associative; the exponent may be a signed power
        return f"{_wrap(left, prec + 1)}**{_wrap(right, 3)}", prec
    sep = f" {_SYMBOLS[op]} " if prec == 1 else _SYMBOLS[op]
    return f"{_wrap(left, prec)}{sep}{_wrap(right, prec + 1)}", prec


def _wrap(part: tuple[str, int], needed: int) -> str:
    text, prec = part
    return text if prec >= needed else f"({text})"


def canonical(text: str) -> str:
    """`text` in canonical form: ``**`` for powers, canonical function names, spacing
    around ``+`` and ``-`` only, and only the parentheses the grammar needs.

    Parsing the result gives the same tree, so ``from_expression(canonical(t))`` is
    the same surface as ``from_expression(t)`` (value for value), and
    ``canonical(canonical(t)) == canonical(t)``. Raises `ExpressionError` as
    `from_expression` does for invalid text.

    The canonical form can be longer than the text (spaces around ``+`` and
    ``-``, ``1e6`` written out). Where it would pass `MAX_LENGTH`, and so not be
    accepted back, the text with its whitespace removed is returned instead:
    it parses to the same tree (whitespace never separates two tokens that
    would merge in valid text).

    >>> canonical("x^2+3 * sin( y )")
    'x**2 + 3*sin(y)'
    """
    tree = _parse(text)
    _Graph().build(tree)  # the same checks as from_expression (bounded exponents)
    out = _canonical(tree)[0]
    return out if len(out) <= MAX_LENGTH else "".join(text.split())


_LATEX_FUNCTIONS = {
    "sin": r"\sin",
    "cos": r"\cos",
    "tan": r"\tan",
    "log": r"\ln",
    "sinh": r"\sinh",
    "cosh": r"\cosh",
    "tanh": r"\tanh",
    "arctan": r"\arctan",
}


def _latex_number(v: float) -> str:
    text = _number_text(v)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def _parens(text: str) -> str:
    return rf"\left({text}\right)" if "frac" in text else f"({text})"


def _latex(node: _Syntax) -> tuple[str, int]:
    """(LaTeX, precedence) of `node`."""
    op = node.op
    if op == "num":
        return _latex_number(node.value), _ATOM
    if op == "pi":
        return r"\pi", _ATOM
    if not node.args:
        return op, _ATOM
    if op == "div":
        num, den = (_latex(a)[0] for a in node.args)
        return rf"\frac{{{num}}}{{{den}}}", _ATOM
    if op in FUNCTIONS.values():
        arg = _latex(node.args[0])[0]
        if op == "sqrt":
            return rf"\sqrt{{{arg}}}", _ATOM
        if op == "abs":
            return rf"\left|{arg}\right|", _ATOM
        if op == "exp":
            return rf"\exp{_parens(arg)}", _ATOM
        return _LATEX_FUNCTIONS[op] + _parens(arg), _ATOM
    prec = _PRECEDENCE[op]
    if op == "neg":
        return "-" + _latex_wrap(_latex(node.args[0]), prec), prec
    a, b = node.args
    left, right = _latex(a), _latex(b)
    if b.op == "neg" and op != "pow":  # x - (-y), x (-y): keep the sign visible
        right = (_parens(right[0]), _ATOM)
    if op == "pow":
        exponent = right[0]
        if a.op in _LATEX_FUNCTIONS and b.op == "num" and b.value.is_integer():
            # sin²(x), the textbook form (only for positive whole exponents)
            base = _latex(a.args[0])[0]
            return rf"{_LATEX_FUNCTIONS[a.op]}^{{{exponent}}}{_parens(base)}", prec
        return f"{_latex_wrap(left, prec + 1)}^{{{exponent}}}", prec
    if op == "mul":
        lt, rt = _latex_wrap(left, prec), _latex_wrap(right, prec + 1)
        if rt[0] in "0123456789.-" or b.op == "div":
            return rf"{lt} \cdot {rt}", prec
        return (lt + rt if a.op == "num" else f"{lt} {rt}"), prec
    sign = "+" if op == "add" else "-"
    return f"{_latex_wrap(left, prec)} {sign} {_latex_wrap(right, prec + 1)}", prec


def _latex_wrap(part: tuple[str, int], needed: int) -> str:
    text, prec = part
    return text if prec >= needed else _parens(text)


# --------------------------------------------------------------------------- expression graph
class _Expr:
    """A node of the simplified expression graph; equal nodes are one object.

    `op` is "const", "x", "y", a binary op ("add", "sub", "mul", "div", "pow")
    or a unary one ("neg", a function name, "sign").
    """

    __slots__ = ("args", "op", "value")

    def __init__(self, op: str, args: tuple[_Expr, ...], value: float) -> None:
        self.op = op
        self.args = args
        self.value = value

    @property
    def is_const(self) -> bool:
        return self.op == "const"

    def __repr__(self) -> str:  # for debugging only
        if self.op == "const":
            return repr(self.value)
        if not self.args:
            return self.op
        return f"{self.op}({', '.join(map(repr, self.args))})"


class _Graph:
    """Builds `_Expr` nodes with light simplification and shares equal ones.

    Simplifications: constant folding (with the same NumPy float64 operations the
    evaluation uses, so folded and evaluated values agree), ``a + 0``, ``0 + a``,
    ``a - 0``, ``0 - a = -a``, ``a - a = 0``, ``0*a``, ``1*a``, ``-1*a = -a``,
    ``0/a``, ``a/1``, ``a**0 = 1``, ``a**1 = a``, ``--a = a``, ``a + -b = a - b``
    and ``a - -b = a + b``.
    """

    def __init__(self) -> None:
        self.nodes: dict[tuple[Any, ...], _Expr] = {}
        self.x = self._node("x", ())
        self.y = self._node("y", ())
        self.zero = self.const(0.0)
        self.one = self.const(1.0)
        self.two = self.const(2.0)
        self.builders: dict[str, Callable[[_Expr, _Expr], _Expr]] = {
            "add": self.add,
            "sub": self.sub,
            "mul": self.mul,
            "div": self.div,
            "pow": self.pow,
        }

    def _node(self, op: str, args: tuple[_Expr, ...], value: float = 0.0) -> _Expr:
        key = (op, *(id(a) for a in args), float(value).hex())
        node = self.nodes.get(key)
        if node is None:
            node = self.nodes[key] = _Expr(op, args, value)
        return node

    def const(self, value: Any) -> _Expr:
        return self._node("const", (), float(value))

    def unary(self, op: str, a: _Expr) -> _Expr:
        if a.is_const:
            with np.errstate(all="ignore"):
                return self.const(_UNARY_UFUNCS[op](np.float64(a.value)))
        if op == "neg" and a.op == "neg":
            return a.args[0]
        return self._node(op, (a,))

    def neg(self, a: _Expr) -> _Expr:
        return self.unary("neg", a)

    def binary(self, op: str, a: _Expr, b: _Expr) -> _Expr:
        if a.is_const and b.is_const:
            with np.errstate(all="ignore"):
                return self.const(_BINARY_UFUNCS[op](np.float64(a.value), np.float64(b.value)))
        return self.builders[op](a, b)

    def add(self, a: _Expr, b: _Expr) -> _Expr:
        if a.is_const and b.is_const:
            return self.binary("add", a, b)
        if b is self.zero:
            return a
        if a is self.zero:
            return b
        if b.op == "neg":
            return self.sub(a, b.args[0])
        return self._node("add", (a, b))

    def sub(self, a: _Expr, b: _Expr) -> _Expr:
        if a.is_const and b.is_const:
            return self.binary("sub", a, b)
        if b is self.zero:
            return a
        if a is self.zero:
            return self.neg(b)
        if a is b:
            return self.zero
        if b.op == "neg":
            return self.add(a, b.args[0])
        return self._node("sub", (a, b))

    def mul(self, a: _Expr, b: _Expr) -> _Expr:
        if a.is_const and b.is_const:
            return self.binary("mul", a, b)
        if b.is_const:  # constants to the left
            a, b = b, a
        if a is self.zero:
            return self.zero
        if a is self.one:
            return b
        if a.is_const and a.value == -1.0:
            return self.neg(b)
        return self._node("mul", (a, b))

    def div(self, a: _Expr, b: _Expr) -> _Expr:
        if a.is_const and b.is_const:
            return self.binary("div", a, b)
        if a is self.zero:
            return self.zero
        if b is self.one:
            return a
        return self._node("div", (a, b))

    def pow(self, a: _Expr, b: _Expr) -> _Expr:
        if a.is_const and b.is_const:
            return self.binary("pow", a, b)
        if b is self.zero:
            return self.one
        if b is self.one:
            return a
        return self._node("pow", (a, b))

    def fn(self, name: str, a: _Expr) -> _Expr:
        return self.unary(name, a)

    # ------------------------------------------------------------------ building
    def build(self, node: _Syntax) -> _Expr:
        """The graph of a syntax tree; checks that constant exponents are bounded."""
        op = node.op
        if op == "num" or op in CONSTANTS:
            return self.const(node.value)
        if op == "x":
            return self.x
        if op == "y":
            return self.y
        args = [self.build(a) for a in node.args]
        if op == "neg":
            return self.neg(args[0])
        if op in _BINARY_UFUNCS:
            if op == "pow":
                exponent = args[1]
                if exponent.is_const and abs(exponent.value) > MAX_EXPONENT:
                    raise ExpressionError(
                        f"exponent {exponent.value:g} too large",
                        node.args[1].start + 1,
                        f"a constant exponent must lie within ±{MAX_EXPONENT:g}",
                    )
            return self.builders[op](args[0], args[1])
        return self.fn(op, args[0])

    # ------------------------------------------------------------------ derivatives
    def derivative(self, e: _Expr, var: _Expr, memo: dict[int, _Expr]) -> _Expr:
        """d e / d var, memoized over the graph (so shared parts are done once)."""
        done = memo.get(id(e))
        if done is not None:
            return done
        d = self._derivative(e, var, memo)
        memo[id(e)] = d
        return d

    def _derivative(self, e: _Expr, var: _Expr, memo: dict[int, _Expr]) -> _Expr:
        op = e.op
        if e is var:
            return self.one
        if not e.args:
            return self.zero
        ds = [self.derivative(a, var, memo) for a in e.args]
        if len(e.args) == 2:
            (a, b), (da, db) = e.args, ds
            if op == "add":
                return self.add(da, db)
            if op == "sub":
                return self.sub(da, db)
            if op == "mul":
                return self.add(self.mul(da, b), self.mul(a, db))
            if op == "div":
                # (a/b)' = a'/b - (a/b)*b'/b, which shares a/b with the value
                return self.sub(self.div(da, b), self.div(self.mul(e, db), b))
            # pow
            if db is self.zero:  # a**b with b constant in var: b*a**(b-1)*a'
                return self.mul(self.mul(b, self.pow(a, self.sub(b, self.one))), da)
            if da is self.zero:  # a constant in var: a**b*log(a)*b'
                return self.mul(e, self.mul(self.fn("log", a), db))
            return self.mul(
                e, self.add(self.mul(db, self.fn("log", a)), self.div(self.mul(b, da), a))
            )
        (a,), (da,) = e.args, ds
        if da is self.zero:
            return self.zero
        if op == "neg":
            return self.neg(da)
        if op == "log":
            return self.div(da, a)
        if op == "sqrt":  # 0.5/sqrt(a), sharing sqrt(a) with the value
            return self.mul(self.div(self.const(0.5), e), da)
        if op == "arctan":
            return self.div(da, self.add(self.one, self.pow(a, self.two)))
        if op == "sin":
            outer = self.fn("cos", a)
        elif op == "cos":
            outer = self.neg(self.fn("sin", a))
        elif op == "tan":  # 1 + tan², sharing tan(a)
            outer = self.add(self.one, self.pow(e, self.two))
        elif op == "exp":
            outer = e
        elif op == "abs":
            outer = self.fn("sign", a)
        elif op == "sinh":
            outer = self.fn("cosh", a)
        elif op == "cosh":
            outer = self.fn("sinh", a)
        elif op == "tanh":  # 1 − tanh², sharing tanh(a)
            outer = self.sub(self.one, self.pow(e, self.two))
        else:  # sign: piecewise constant
            return self.zero
        return self.mul(outer, da)


# --------------------------------------------------------------------------- evaluation
class _Program:
    """A straight-line program computing some graph nodes from x and y.

    The nodes are put in topological order once; each step applies one NumPy
    ufunc, and an intermediate array is dropped right after its last use, so
    memory stays near the widest part of the graph rather than its size.
    """

    def __init__(self, graph: _Graph, roots: Iterable[_Expr]) -> None:
        roots = list(roots)
        order: list[_Expr] = []
        slot: dict[int, int] = {id(graph.x): 0, id(graph.y): 1}
        consts: list[tuple[int, np.float64]] = []
        # iterative depth-first post-order (no recursion limit to worry about)
        stack: list[tuple[_Expr, bool]] = [(r, False) for r in reversed(roots)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in slot:
                continue
            if node.is_const:
                slot[id(node)] = len(slot)
                consts.append((slot[id(node)], np.float64(node.value)))
            elif expanded:
                slot[id(node)] = len(slot)
                order.append(node)
            else:
                stack.append((node, True))
                stack.extend((a, False) for a in reversed(node.args) if id(a) not in slot)
        self.size = len(slot)
        self.consts = consts
        self.outputs = [slot[id(r)] for r in roots]
        last_use: dict[int, int] = {}
        for step, node in enumerate(order):
            for a in node.args:
                last_use[slot[id(a)]] = step
        keep = set(self.outputs) | {0, 1} | {s for s, _ in consts}
        frees: list[list[int]] = [[] for _ in order]
        for s, step in last_use.items():
            if s not in keep:
                frees[step].append(s)
        self.steps: list[tuple[Callable[..., Any], tuple[int, ...], int, tuple[int, ...]]] = [
            (
                _BINARY_UFUNCS[n.op] if len(n.args) == 2 else _UNARY_UFUNCS[n.op],
                tuple(slot[id(a)] for a in n.args),
                slot[id(n)],
                tuple(free),
            )
            for n, free in zip(order, frees, strict=True)
        ]

    def __call__(self, x: Any, y: Any) -> list[Any]:
        reg: list[Any] = [None] * self.size
        reg[0], reg[1] = x, y
        for s, c in self.consts:
            reg[s] = c
        for fn, args, out, free in self.steps:
            reg[out] = fn(*[reg[a] for a in args])
            for s in free:
                reg[s] = None
        return [reg[s] for s in self.outputs]


def _as_float_array(v: Any) -> np.ndarray:
    return np.asarray(v, dtype=np.float64)


def _shaped(r: Any, shape: tuple[int, ...], inputs: tuple[Any, ...]) -> Any:
    """`r` as a fresh float64 result of `shape` (a NumPy scalar when 0-d)."""
    if shape == ():
        return np.float64(r)
    if r.shape != shape or any(r is v for v in inputs):
        return np.array(np.broadcast_to(r, shape), dtype=np.float64)
    return r


def _functions(
    graph: _Graph, f: _Expr
) -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
    """The broadcasting `value`, `grad` and `hess` of the graph node `f`.

    The Hessian differentiates the gradient's graph once more (symbolically,
    sharing subexpressions; ∂²f/∂x∂y from ∂f/∂x); its program is built on the
    first call, so surfaces never asked for it cost nothing more.
    """
    gx = graph.derivative(f, graph.x, {})
    gy = graph.derivative(f, graph.y, {})
    value_program = _Program(graph, [f])
    grad_program = _Program(graph, [gx, gy])
    if len(value_program.steps) + len(grad_program.steps) > MAX_PROGRAM:
        raise ExpressionError(
            "expression too complex", None, f"its gradient needs more than {MAX_PROGRAM} steps"
        )

    def value(x: Any, y: Any) -> Any:
        x, y = _as_float_array(x), _as_float_array(y)
        shape = np.broadcast_shapes(x.shape, y.shape)
        with np.errstate(all="ignore"):
            (out,) = value_program(x, y)
        return _shaped(out, shape, (x, y))

    def grad(x: Any, y: Any) -> tuple[Any, Any]:
        x, y = _as_float_array(x), _as_float_array(y)
        shape = np.broadcast_shapes(x.shape, y.shape)
        with np.errstate(all="ignore"):
            ox, oy = grad_program(x, y)
        ox = _shaped(ox, shape, (x, y))
        return ox, _shaped(oy, shape, (x, y, ox))

    hess_program: list[_Program] = []

    def hess(x: Any, y: Any) -> tuple[Any, Any, Any]:
        if not hess_program:
            hxx = graph.derivative(gx, graph.x, {})
            hxy = graph.derivative(gx, graph.y, {})
            hyy = graph.derivative(gy, graph.y, {})
            hess_program.append(_Program(graph, [hxx, hxy, hyy]))
        x, y = _as_float_array(x), _as_float_array(y)
        shape = np.broadcast_shapes(x.shape, y.shape)
        with np.errstate(all="ignore"):
            hxx, hxy, hyy = hess_program[0](x, y)
        hxx = _shaped(hxx, shape, (x, y))
        hxy = _shaped(hxy, shape, (x, y, hxx))
        return hxx, hxy, _shaped(hyy, shape, (x, y, hxx, hxy))

    return value, grad, hess


# --------------------------------------------------------------------------- analysis
#: Grid used to judge the contour scale and to seed the search for minima.
_GRID = 151
#: Most local minima of the grid refined into `Surface.minima`.
_MAX_CANDIDATES = 32
#: Newton iterations at most, and the wall-clock budget of the search in seconds
#: (a safety net for very large expressions; typical ones converge in well under it).
_NEWTON_ITERATIONS = 100
_SEARCH_BUDGET = 0.05
#: Step lengths tried by the line search: 2**0 … 2**-40 of the proposed step.
_LINE = 2.0 ** -np.arange(41.0)
#: Spread (99th over 2nd percentile of f − min) above which contours are log-spaced.
_LOG_RATIO = 100.0


def _check_view(view: Any) -> tuple[float, float, float, float]:
    if view is None:
        return DEFAULT_VIEW
    try:
        x0, x1, y0, y1 = (float(v) for v in view)
    except (TypeError, ValueError):
        raise ValueError(f"view={view!r} must be four numbers (xmin, xmax, ymin, ymax)") from None
    if not all(math.isfinite(v) for v in (x0, x1, y0, y1)):
        raise ValueError(f"view={view!r} must be finite")
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"view={view!r} needs xmin < xmax and ymin < ymax")
    return x0, x1, y0, y1


def _hessians(grad: Callable[..., Any], x: np.ndarray, y: np.ndarray, h: np.ndarray) -> Any:
    """Hessians at the points (x, y), by central differences of the exact gradient.

    Returns (hxx, hxy, hyy), each of the points' shape; one gradient call.
    """
    k = x.size
    px = np.concatenate([x + h, x - h, x, x])
    py = np.concatenate([y, y, y + h, y - h])
    gx, gy = grad(px, py)
    dxp, dxm, dyp, dym = (slice(i * k, (i + 1) * k) for i in range(4))
    hxx = (gx[dxp] - gx[dxm]) / (2 * h)
    hyy = (gy[dyp] - gy[dym]) / (2 * h)
    hxy = ((gy[dxp] - gy[dxm]) + (gx[dyp] - gx[dym])) / (4 * h)
    return hxx, hxy, hyy


def _find_minima(
    value: Callable[..., Any],
    grad: Callable[..., Any],
    view: tuple[float, float, float, float],
    gx: np.ndarray,
    gy: np.ndarray,
    f: np.ndarray,
) -> tuple[Minimum, ...]:
    """Local minima inside `view`, refined from the local minima of the grid `f`.

    Candidates are grid points (interior to the grid) lower than or equal to all
    8 neighbours and lower than at least one; the lowest `_MAX_CANDIDATES` are
    refined together by damped Newton steps (Hessian from differences of the
    exact gradient, a steepest-descent step where it is not positive definite,
    and a line search over step lengths) until the steps stop. A point is kept
    if it lies in the view, its gradient is tiny relative to its curvature and
    its Hessian is positive definite — or, for a minimum at a kink such as
    ``abs(x)`` or Ackley's cone, if it is strictly lower than eight points on a
    ring of radius 1e-6 of the view's size around it. Points closer than 1e-6 of
    the view's size merge. The lowest are marked global.
    """
    x0, x1, y0, y1 = view
    scale = max(x1 - x0, y1 - y0)
    fin = np.where(np.isfinite(f), f, np.inf)
    core = fin[1:-1, 1:-1]
    neighbours = np.stack(
        [
            fin[1 + di : fin.shape[0] - 1 + di, 1 + dj : fin.shape[1] - 1 + dj]
            for di in (-1, 0, 1)
            for dj in (-1, 0, 1)
            if di or dj
        ]
    )
    is_min = np.isfinite(core) & (core <= neighbours.min(axis=0)) & (core < neighbours.max(axis=0))
    rows, cols = np.nonzero(is_min)
    if rows.size == 0:
        return ()
    order = np.argsort(core[rows, cols], kind="stable")[:_MAX_CANDIDATES]
    px = gx[rows[order] + 1, cols[order] + 1].astype(np.float64)
    py = gy[rows[order] + 1, cols[order] + 1].astype(np.float64)
    h = 1e-5 * np.maximum(1.0, np.maximum(np.abs(px), np.abs(py)))
    fp = value(px, py)
    deadline = time.perf_counter() + _SEARCH_BUDGET
    for _ in range(_NEWTON_ITERATIONS):
        g1, g2 = grad(px, py)
        hxx, hxy, hyy = _hessians(grad, px, py, h)
        det = hxx * hyy - hxy * hxy
        pd = (det > 0) & (hxx > 0) & np.isfinite(det)
        with np.errstate(all="ignore"):
            nx = np.where(pd, -(hyy * g1 - hxy * g2) / det, -g1)
            ny = np.where(pd, -(hxx * g2 - hxy * g1) / det, -g2)
            # steepest descent: at most a tenth of the view per step
            gnorm = np.hypot(g1, g2)
            cap = np.where(pd, 1.0, 0.1 * scale / np.maximum(gnorm, 1e-300))
            nx, ny = nx * cap, ny * cap
        ok = np.isfinite(nx) & np.isfinite(ny)
        nx, ny = np.where(ok, nx, 0.0), np.where(ok, ny, 0.0)
        tx = px[None, :] + _LINE[:, None] * nx[None, :]
        ty = py[None, :] + _LINE[:, None] * ny[None, :]
        ft = value(tx, ty)
        ft = np.where(np.isfinite(ft), ft, np.inf)
        best = np.argmin(ft, axis=0)
        fbest = ft[best, np.arange(px.size)]
        improve = fbest < fp
        stepped = np.where(improve, _LINE[best], 0.0)
        px = np.where(improve, tx[best, np.arange(px.size)], px)
        py = np.where(improve, ty[best, np.arange(px.size)], py)
        fp = np.where(improve, fbest, fp)
        moved = stepped * np.hypot(nx, ny)
        if np.all(moved <= 1e-15 * scale) or time.perf_counter() > deadline:
            break
    g1, g2 = grad(px, py)
    hxx, hxy, hyy = _hessians(grad, px, py, h)
    det = hxx * hyy - hxy * hxy
    curvature = np.maximum.reduce([np.abs(hxx), np.abs(hyy), np.abs(hxy)])
    smooth = (det > 0) & (hxx > 0) & (np.hypot(g1, g2) <= 1e-6 * (1.0 + curvature))
    # a kink (|x|, the tip of a cone): strictly lower than a small ring around it
    angles = np.arange(8) * (np.pi / 4)
    r = 1e-6 * scale
    ring = value(
        px[None, :] + r * np.cos(angles)[:, None], py[None, :] + r * np.sin(angles)[:, None]
    )
    kink = np.all(np.isfinite(ring) & (ring > fp[None, :]), axis=0)
    slack = 1e-9 * scale
    keep = (
        np.isfinite(fp)
        & (px >= x0 - slack)
        & (px <= x1 + slack)
        & (py >= y0 - slack)
        & (py <= y1 + slack)
        & (smooth | kink)
    )
    found: list[tuple[float, float, float]] = []
    for i in np.argsort(fp, kind="stable"):
        if not keep[i]:
            continue
        p = (float(px[i]), float(py[i]))
        if all(math.dist(p, q[:2]) > 1e-6 * scale for q in found):
            found.append((*p, float(fp[i])))
    if not found:
        return ()
    lowest = found[0][2]
    tol = 1e-9 * max(1.0, abs(lowest))
    return tuple(Minimum(mx, my, mv, is_global=mv <= lowest + tol) for mx, my, mv in found)


def _levels(f: np.ndarray, floor: float) -> Literal["log", "linear"]:
    """ "log" when f − min spans more than two decades over most of the view, else "linear".

    Compares the 99th and the 2nd percentile of ``f − floor`` over the finite grid
    values (``floor``: the lowest of the grid and of the minima found). A narrow
    valley or a steep bowl (Rosenbrock ~10³, Beale ~10⁵, Booth ~250 on their
    views) wants log-spaced contours to show the floor; a wave or a gentle bowl
    (x² + 3 sin y ~50, Rastrigin ~8, a saddle ~14) linear ones. The rule agrees
    with the hand-picked scale of 11 of the 12 built-in surfaces.
    """
    d = f[np.isfinite(f)] - floor
    d = d[d > 0]
    if d.size < 2:
        return "linear"
    lo, hi = np.percentile(d, [2.0, 99.0])
    return "log" if hi > _LOG_RATIO * lo else "linear"


def _start(
    value: Callable[..., Any],
    grad: Callable[..., Any],
    view: tuple[float, float, float, float],
    minima: tuple[Minimum, ...],
) -> tuple[float, float]:
    """A deterministic start: 70% of the way from the centre to the top-left corner.

    If the function or its gradient is not finite there, or the point is within
    5% of the view of a minimum found, the nearest point of a 21×21 grid over the
    view that is fine is taken instead (the centre if none is).
    """
    x0, x1, y0, y1 = view
    wx, wy = x1 - x0, y1 - y0
    sx, sy = x0 + 0.15 * wx, y1 - 0.15 * wy
    gxs, gys = np.meshgrid(np.linspace(x0, x1, 21), np.linspace(y0, y1, 21))
    cx = np.concatenate([[sx], gxs.ravel()])
    cy = np.concatenate([[sy], gys.ravel()])
    fv = value(cx, cy)
    g1, g2 = grad(cx, cy)
    good = np.isfinite(fv) & np.isfinite(g1) & np.isfinite(g2)
    for m in minima:
        good &= np.hypot((cx - m.x) / wx, (cy - m.y) / wy) > 0.05
    if not np.any(good):
        return (x0 + x1) / 2, (y0 + y1) / 2
    dist = np.hypot((cx - sx) / wx, (cy - sy) / wy)
    i = int(np.argmin(np.where(good, dist, np.inf)))
    # rounded, so that grid points read as typed (0.3, not 0.29999999999999982)
    return float(f"{cx[i]:.12g}"), float(f"{cy[i]:.12g}")


def from_expression(text: str, view: tuple[float, float, float, float] | None = None) -> Surface:
    """A custom `Surface` from an expression in x and y, with its exact gradient.

    Args:
        text: the formula, e.g. ``"x**2 + 3*sin(y)"`` (grammar in the module
            docstring; ``^`` means ``**``).
        view: the view box ``(xmin, xmax, ymin, ymax)``; `DEFAULT_VIEW`
            (−3…3 on both axes) when None.

    Returns:
        A surface named ``"custom"``, labelled ``"Custom: <canonical text>"``,
        with the formula in LaTeX, minima found numerically inside the view (the
        lowest marked global; none when there is no isolated minimum), the
        contour scale chosen from the spread of values (see `_levels`), a start
        point 70% of the way from the centre to the top-left corner (see
        `_start`), no parameters and no suggested learning rates (so the
        optimizers use torch's defaults). A constant expression is accepted
        (a flat surface with no minima).

    Raises:
        ExpressionError: (a ValueError) for text outside the grammar or its
            limits, naming the problem and its column; also for a function that
            is nowhere finite on the view.
        ValueError: for an invalid `view`.
    """
    tree = _parse(text)
    box = _check_view(view)
    graph = _Graph()
    f = graph.build(tree)
    value, grad, hess = _functions(graph, f)
    x0, x1, y0, y1 = box
    gx, gy = np.meshgrid(np.linspace(x0, x1, _GRID), np.linspace(y0, y1, _GRID))
    fg = value(gx, gy)
    finite = np.isfinite(fg)
    if not np.any(finite):
        shown = _canonical(tree)[0]
        shown = shown if len(shown) <= 40 else "the expression"
        raise ExpressionError(
            f"{shown} is not finite anywhere on the view "
            f"x ∈ [{x0:g}, {x1:g}], y ∈ [{y0:g}, {y1:g}]",
            None,
            "check the domain of log, sqrt and divisions, or change the view",
        )
    with np.errstate(all="ignore"):
        minima = _find_minima(value, grad, box, gx, gy, fg)
    floor = min(float(np.min(fg[finite])), min((m.value for m in minima), default=math.inf))
    text_out = _canonical(tree)[0]
    return Surface(
        name="custom",
        label=f"Custom: {text_out}",
        value=value,
        grad=grad,
        view=box,
        minima=minima,
        start=_start(value, grad, box, minima),
        levels=_levels(fg, floor),
        formula="f(x, y) = " + _latex(tree)[0],
        reference="",
        params={},
        lr={},
        hess=hess,
    )
