"""Display helpers for the subnets notebook (``solutions/01_subnets``).

Display only: the caller computes every number (the notebook does it with the
standard library's :mod:`ipaddress` or with :mod:`netaddr`) and this module lays
the values out, as plain text and as HTML.  Jupyter shows the HTML; nbval
compares both, so the output is a pure function of the input (no ids, no
timestamps, no randomness).

- :class:`BitRuler` draws 32-bit values one bit per column, with the network
  bits (the first ``prefix`` bits) and the host bits told apart.
- :class:`Table` is a small text/HTML table for the notebook's summaries.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

__all__ = ["BitRuler", "Table", "bits"]

WIDTH = 32
NETWORK_COLOUR = "#cfe2ff"  # light blue: network (prefix) bits
HOST_COLOUR = "#ffe8a1"  # light yellow: host bits


def bits(value: int, width: int = WIDTH) -> str:
    """Return ``value`` as exactly ``width`` binary digits, most significant first."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an int, got {type(value).__name__}")
    if not 0 <= value < 1 << width:
        raise ValueError(f"{value} does not fit in {width} unsigned bits")
    return format(value, f"0{width}b")


def _check_prefix(prefix: int) -> int:
    if isinstance(prefix, bool) or not isinstance(prefix, int):
        raise TypeError(f"prefix must be an int, got {type(prefix).__name__}")
    if not 0 <= prefix <= WIDTH:
        raise ValueError(f"prefix must be 0..{WIDTH}, got {prefix}")
    return prefix


class _Shown:
    """Jupyter shows the HTML form; print() and plain-text outputs (what nbval compares) the text."""

    def text(self) -> str:
        raise NotImplementedError

    def html(self) -> str:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return self.text()

    def __str__(self) -> str:
        return self.text()


class BitRuler(_Shown):
    """Rows of 32-bit values drawn bit by bit, split at a prefix length.

    ``rows`` is a sequence of ``(label, value)`` pairs; ``prefix`` is the number
    of leading network bits.  In the text form a ``|`` marks the split and a
    space separates the octets; in the HTML form network bits are blue and host
    bits yellow.
    """

    def __init__(self, rows: Sequence[tuple[str, int]], prefix: int, title: str = "") -> None:
        self.prefix = _check_prefix(prefix)
        self.rows = [(str(label), bits(value)) for label, value in rows]
        self.title = title

    def _legend(self) -> str:
        return f"network bits: {self.prefix}, host bits: {WIDTH - self.prefix}"

    def _text_bits(self, row_bits: str) -> str:
        out = []
        for i, bit in enumerate(row_bits):
            if i == self.prefix:
                out.append("|")
            elif i and i % 8 == 0:
                out.append(" ")
            out.append(bit)
        if self.prefix == WIDTH:
            out.append("|")
        return "".join(out)

    def text(self) -> str:
        """The ruler as plain text (what ``repr`` and ``print`` show)."""
        width = max((len(label) for label, _ in self.rows), default=0)
        lines = []
        if self.title:
            lines.append(self.title)
        lines.append(self._legend())
        for label, row_bits in self.rows:
            lines.append(f"{label:<{width}}  {self._text_bits(row_bits)}")
        return "\n".join(lines)

    def html(self) -> str:
        """The ruler as an HTML table, one cell per bit."""
        cell = "padding:0 3px;font-family:monospace;text-align:center;"
        parts = ['<table style="border-collapse:collapse">']
        caption = html.escape(self._legend())
        if self.title:
            caption = f"<b>{html.escape(self.title)}</b> ({caption})"
        parts.append(f'<caption style="text-align:left">{caption}</caption>')
        header = ['<tr><th style="text-align:left">value</th>']
        for octet in range(4):
            style = f"{cell}border-left:2px solid #555"
            header.append(f'<th colspan="8" style="{style}">octet {octet + 1}</th>')
        header.append("</tr>")
        parts.append("".join(header))
        for label, row_bits in self.rows:
            label_style = "text-align:left;font-family:monospace;white-space:pre;padding-right:8px"
            row = [f'<tr><td style="{label_style}">{html.escape(label)}</td>']
            for i, bit in enumerate(row_bits):
                colour = NETWORK_COLOUR if i < self.prefix else HOST_COLOUR
                border = "border-left:2px solid #555;" if i % 8 == 0 else ""
                if i == self.prefix and i % 8:
                    border = "border-left:2px solid #c00;"
                row.append(f'<td style="{cell}{border}background:{colour}">{bit}</td>')
            row.append("</tr>")
            parts.append("".join(row))
        parts.append("</table>")
        return "".join(parts)


class Table(_Shown):
    """A small table shown as aligned text and as HTML.

    Cells are converted with ``str``; ``None`` shows as ``-``.  A column whose
    cells are all numbers (or ``None``) is right-aligned, any other column is
    left-aligned.
    """

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[object]], title: str = "") -> None:
        self.columns = [str(c) for c in columns]
        self.rows = [list(r) for r in rows]
        for r in self.rows:
            if len(r) != len(self.columns):
                raise ValueError(f"row {r!r} has {len(r)} cells, expected {len(self.columns)}")
        self.title = title

    @staticmethod
    def _cell(value: object) -> str:
        return "-" if value is None else str(value)

    @staticmethod
    def _is_number(value: object) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    def _right_aligned(self) -> list[bool]:
        """For each column: True when every cell is a number or None (and one is a number)."""
        flags = []
        for i in range(len(self.columns)):
            values = [r[i] for r in self.rows if r[i] is not None]
            flags.append(bool(values) and all(self._is_number(v) for v in values))
        return flags

    def text(self) -> str:
        """The table as aligned plain text."""
        cells = [[self._cell(v) for v in r] for r in self.rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(self.columns)]
        lines = []
        if self.title:
            lines.append(self.title)
        header = (c.ljust(w) for c, w in zip(self.columns, widths, strict=True))
        lines.append("  ".join(header).rstrip())
        lines.append("  ".join("-" * w for w in widths))
        right = self._right_aligned()
        for r in cells:
            out = [c.rjust(w) if flush else c.ljust(w) for c, w, flush in zip(r, widths, right, strict=True)]
            lines.append("  ".join(out).rstrip())
        return "\n".join(lines)

    def html(self) -> str:
        """The table as HTML."""
        parts = ["<table>"]
        if self.title:
            title = html.escape(self.title)
            parts.append(f'<caption style="text-align:left"><b>{title}</b></caption>')
        heads = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        parts.append(f"<thead><tr>{heads}</tr></thead>")
        parts.append("<tbody>")
        right = self._right_aligned()
        for r in self.rows:
            tds = []
            for v, flush in zip(r, right, strict=True):
                align = "right" if flush else "left"
                tds.append(f'<td style="text-align:{align}">{html.escape(self._cell(v))}</td>')
            parts.append("<tr>" + "".join(tds) + "</tr>")
        parts.append("</tbody></table>")
        return "".join(parts)
