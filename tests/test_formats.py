from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import fastavro  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import pytest  # noqa: E402

from eng101.formats import CountingFile, bar_chart, human_bytes, open_counting  # noqa: E402


def test_counts_reads_not_seeks(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 4)
    with open_counting(path) as source:
        assert source.read(10) == bytes(range(10))
        source.seek(-6, io.SEEK_END)
        assert source.read() == bytes(range(250, 256))
        assert source.read(5) == b""  # end of file: nothing counted
        assert source.bytes_read == 16 and source.size == 1024 and source.tell() == 1024
    assert source.closed


def test_parquet_projection_reads_a_fraction(tmp_path: Path) -> None:
    table = pa.table({f"c{i}": list(range(i, i + 20_000)) for i in range(10)})
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, compression="none")
    with open_counting(path) as source:
        assert pq.read_table(source, columns=["c3"]).column(0).to_pylist() == list(range(3, 20_003))
        one_column = source.bytes_read
    with open_counting(path) as source:
        pq.read_table(source)
        everything = source.bytes_read
    assert one_column < everything / 5 and everything >= path.stat().st_size * 0.9


def test_avro_reader_reads_everything(tmp_path: Path) -> None:
    schema = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "long"}, {"name": "b", "type": "string"}]}
    path = tmp_path / "t.avro"
    with open(path, "wb") as out:
        fastavro.writer(out, fastavro.parse_schema(schema), [{"a": i, "b": "x" * 20} for i in range(2000)])
    with open_counting(path) as source:
        assert [r["a"] for r in fastavro.reader(source)] == list(range(2000))
        assert source.bytes_read >= path.stat().st_size


def test_wraps_in_memory_files() -> None:
    wrapped = CountingFile(io.BytesIO(b"hello world"))
    assert wrapped.read() == b"hello world" and wrapped.bytes_read == 11 and wrapped.reads >= 1


@pytest.mark.parametrize(("size", "text"), [(0, "0 B"), (999, "999 B"), (1000, "1 kB"), (6_016_944, "6.02 MB"),
                                            (36_007_314, "36 MB"), (2.5e9, "2.5 GB")])
def test_human_bytes(size: float, text: str) -> None:
    assert human_bytes(size) == text


def test_human_bytes_rejects_negative() -> None:
    with pytest.raises(ValueError):
        human_bytes(-1)


def test_bar_chart_draws_labelled_bars() -> None:
    fig, ax = plt.subplots()
    try:
        bar_chart(ax, {"csv": 36.0, "parquet": 5.4}, title="size", ylabel="MB", labels=["36 MB", "5.4 MB"], log=True)
        assert [t.get_text() for t in ax.get_xticklabels()] == ["csv", "parquet"]
        assert ax.get_yscale() == "log" and ax.get_title() == "size"
        assert [round(p.get_height(), 1) for p in ax.patches] == [36.0, 5.4]
        with pytest.raises(ValueError):
            bar_chart(ax, {"a": 1.0}, title="t", ylabel="y", labels=["x", "y"])
    finally:
        plt.close(fig)
