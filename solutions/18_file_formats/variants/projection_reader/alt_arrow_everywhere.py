# why: pyarrow.csv include_columns, pyorc column_names, a dispatch table and its own byte counter
import io

import fastavro
import pandas as pd
import pyarrow.csv as pa_csv_reader
import pyarrow.parquet as pq
import pyorc


def _parquet(source, columns):
    return pq.read_table(source, columns=columns).to_pandas()


def _orc(source, columns):
    reader = pyorc.Reader(source, column_names=tuple(columns))
    names = list(reader.selected_schema.fields)  # file order, not the order asked for
    rows = list(reader)
    return pd.DataFrame.from_records(rows, columns=names)


def _csv(source, columns):
    options = pa_csv_reader.ConvertOptions(include_columns=columns)
    table = pa_csv_reader.read_csv(source, convert_options=options)
    if table.num_columns != len(columns):
        raise KeyError(f"missing columns in {columns}")
    return table.to_pandas()


def _avro(source, columns):
    reader = fastavro.reader(source)
    known = {f["name"] for f in reader.writer_schema["fields"]}
    if not set(columns) <= known:
        raise ValueError(f"unknown fields {set(columns) - known}")
    rows = [[record[c] for c in columns] for record in reader]
    return pd.DataFrame(rows, columns=columns)


_READERS = {"parquet": _parquet, "orc": _orc, "csv": _csv, "avro": _avro}


def read_columns(source, fmt: str, columns: list[str]) -> pd.DataFrame:
    """Read only `columns` (in this order) from the open binary file `source` in format `fmt`."""
    try:
        reader = _READERS[fmt]
    except KeyError:
        raise ValueError(f"unsupported format {fmt}") from None
    frame = reader(source, list(columns))
    return frame.loc[:, list(columns)]


class _Counter(io.RawIOBase):
    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def readinto(self, buffer):
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n

    def seek(self, offset, whence=0):
        return self.raw.seek(offset, whence)

    def tell(self):
        return self.raw.tell()


def bytes_read(path, fmt: str, columns: list[str]) -> int:
    """Bytes that read_columns pulls from the file at `path` to read `columns`."""
    with open(path, "rb", buffering=0) as raw:
        counter = _Counter(raw)
        read_columns(counter, fmt, columns)
        return counter.count
