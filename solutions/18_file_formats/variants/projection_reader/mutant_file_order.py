# why: trusts usecols to return the columns in the order asked for: pandas returns them in file order
import fastavro
import pandas as pd
import pyarrow.orc as pa_orc
import pyarrow.parquet as pq

from eng101.formats import open_counting


def read_columns(source, fmt: str, columns: list[str]) -> pd.DataFrame:
    """Read only `columns` (in this order) from the open binary file `source` in format `fmt`."""
    columns = list(columns)
    if fmt == "parquet":
        frame = pq.ParquetFile(source).read(columns=columns).to_pandas()
    elif fmt == "orc":
        orc = pa_orc.ORCFile(source)
        missing = [c for c in columns if c not in orc.schema.names]
        if missing:
            raise KeyError(f"no columns {missing} in the ORC file")
        frame = orc.read(columns=columns).to_pandas()
    elif fmt == "csv":
        frame = pd.read_csv(source, usecols=columns)
    elif fmt == "avro":
        reader = fastavro.reader(source)
        by_name = {field["name"]: field for field in reader.writer_schema["fields"]}
        missing = [c for c in columns if c not in by_name]
        if missing:
            raise KeyError(f"no fields {missing} in the Avro file")
        frame = pd.DataFrame.from_records([{c: r[c] for c in columns} for r in reader], columns=columns)
    else:
        raise ValueError(f"unknown format {fmt!r}; expected csv, avro, orc or parquet")
    return frame


def bytes_read(path, fmt: str, columns: list[str]) -> int:
    """Bytes that read_columns pulls from the file at `path` to read `columns`."""
    with open_counting(path) as source:
        read_columns(source, fmt, columns)
        return source.bytes_read
