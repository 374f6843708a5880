# why: pandas' own readers everywhere (read_parquet/read_orc with columns=, read_csv with usecols), fastavro records
def read_columns(source, fmt: str, columns: list[str]) -> pd.DataFrame:
    """Read only `columns` (in this order) from the open binary file `source` in format `fmt`."""
    wanted = list(columns)
    if fmt == "csv":
        frame = pd.read_csv(source, usecols=wanted)
    elif fmt == "parquet":
        frame = pd.read_parquet(source, columns=wanted)
    elif fmt == "orc":
        names = pa_orc.ORCFile(source).schema.names
        if not set(wanted) <= set(names):
            raise KeyError(sorted(set(wanted) - set(names)))
        source.seek(0)
        frame = pd.read_orc(source, columns=wanted)
    elif fmt == "avro":
        reader = fastavro.reader(source)
        names = [field["name"] for field in reader.writer_schema["fields"]]
        if not set(wanted) <= set(names):
            raise KeyError(sorted(set(wanted) - set(names)))
        frame = pd.DataFrame([[record[c] for c in wanted] for record in reader], columns=wanted)
    else:
        raise ValueError(fmt)
    return frame.loc[:, wanted]


def bytes_read(path, fmt: str, columns: list[str]) -> int:
    """Bytes that read_columns pulls from the file at `path` to read `columns`."""
    source = open_counting(path)
    try:
        read_columns(source, fmt, columns)
    finally:
        source.close()
    return source.bytes_read
