"""Unit tests for eng101.subnet_view (the display helpers of the subnets notebook)."""

from __future__ import annotations

import re

import pytest

from eng101.subnet_view import BitRuler, Table, bits


def test_bits_pads_to_32_digits_most_significant_first():
    assert bits(0) == "0" * 32
    assert bits(1) == "0" * 31 + "1"
    assert bits(0xC0A8010A) == "11000000101010000000000100001010"
    assert bits(2**32 - 1) == "1" * 32
    assert bits(5, width=4) == "0101"


@pytest.mark.parametrize("value", [-1, 2**32, 2**40])
def test_bits_rejects_values_that_do_not_fit(value):
    with pytest.raises(ValueError):
        bits(value)


@pytest.mark.parametrize("value", [True, 1.0, "1"])
def test_bits_rejects_non_integers(value):
    with pytest.raises(TypeError):
        bits(value)


def _bit_lines(ruler: BitRuler) -> list[str]:
    """The bit columns of each row of the text form (after the label)."""
    return [
        line.split("  ", 1)[1].strip() for line in ruler.text().splitlines()[-len(ruler.rows) :]
    ]


def test_ruler_text_marks_the_prefix_inside_an_octet():
    ruler = BitRuler([("address", 0x0A1425C8), ("mask", 0xFFFFF000)], 20, title="10.20.37.200/20")
    lines = ruler.text().splitlines()
    assert lines[0] == "10.20.37.200/20"
    assert lines[1] == "network bits: 20, host bits: 12"
    assert _bit_lines(ruler) == [
        "00001010 00010100 0010|0101 11001000",
        "11111111 11111111 1111|0000 00000000",
    ]


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (0, "|00000000 00000000 00000000 00000101"),
        (8, "00000000|00000000 00000000 00000101"),
        (24, "00000000 00000000 00000000|00000101"),
        (31, "00000000 00000000 00000000 0000010|1"),
        (32, "00000000 00000000 00000000 00000101|"),
    ],
)
def test_ruler_text_split_at_every_edge(prefix, expected):
    assert _bit_lines(BitRuler([("x", 5)], prefix)) == [expected]


def test_ruler_text_keeps_every_bit():
    for prefix in range(33):
        text = _bit_lines(BitRuler([("x", 0x12345678)], prefix))[0]
        assert text.replace(" ", "").replace("|", "") == bits(0x12345678)
        assert text.count("|") == 1


def test_ruler_aligns_labels():
    ruler = BitRuler([("a", 1), ("longer label", 2)], 24)
    rows = ruler.text().splitlines()[-2:]
    assert rows[0].index("0") == rows[1].index("0")


def test_ruler_html_colours_network_and_host_bits():
    ruler = BitRuler([("address <1>", 0xC0A8010A)], 26)
    page = ruler.html()
    cells = re.findall(r'<td style="[^"]*background:(#[0-9a-f]{6})">([01])</td>', page)
    assert len(cells) == 32
    assert [colour for colour, _ in cells] == ["#cfe2ff"] * 26 + ["#ffe8a1"] * 6
    assert "".join(bit for _, bit in cells) == bits(0xC0A8010A)
    assert "address &lt;1&gt;" in page  # labels are escaped
    assert ruler._repr_html_() == page
    assert repr(ruler) == ruler.text() == str(ruler)


def test_ruler_output_is_deterministic():
    def make():
        return BitRuler([("a", 7), ("b", 9)], 30, title="t")

    assert make().html() == make().html()
    assert make().text() == make().text()


@pytest.mark.parametrize("prefix", [-1, 33])
def test_ruler_rejects_bad_prefix(prefix):
    with pytest.raises(ValueError):
        BitRuler([("x", 0)], prefix)


def test_table_text_aligns_numbers_right_and_text_left():
    table = Table(
        ["prefix", "mask", "addresses"], [["/24", "255.255.255.0", 256], ["/31", None, 2]]
    )
    assert table.text().splitlines() == [
        "prefix  mask           addresses",
        "------  -------------  ---------",
        "/24     255.255.255.0        256",
        "/31     -                      2",
    ]


def test_table_right_aligns_numeric_columns_including_missing_cells():
    table = Table(["size", "AWS"], [[16, 11], [8, None]])
    assert table.text().splitlines()[2:] == ["  16   11", "   8    -"]
    page = table.html()
    assert page.count('<td style="text-align:right">') == 4


def test_table_html_escapes_and_has_one_row_per_input_row():
    table = Table(["name", "value"], [["<b>", 1], ["x & y", True]], title="T")
    page = table.html()
    assert page.count("<tr>") == 3  # header + 2 rows
    assert "&lt;b&gt;" in page and "x &amp; y" in page
    assert '<td style="text-align:left">1</td>' in page  # a column of mixed types
    assert '<td style="text-align:left">True</td>' in page  # bools are not numbers here
    assert "<b>T</b>" in page
    assert table._repr_html_() == page
    assert repr(table) == table.text() == str(table)


def test_table_rejects_ragged_rows():
    with pytest.raises(ValueError):
        Table(["a", "b"], [[1]])
