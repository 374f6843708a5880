# why: nullable longs come back as pd.ArrowDtype(pa.int64()) (int64[pyarrow]), not pandas' Int64: as nullable, as exact
def avro_schema(df: pd.DataFrame, name: str = "Row") -> dict:
    """Avro record schema derived from the dtypes of `df` (see the table above)."""
    fields = []
    for column in df.columns:
        dtype = df[column].dtype
        if isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC":
            avro, nullable = {"type": "long", "logicalType": "timestamp-micros"}, True
        elif pd.api.types.is_bool_dtype(dtype):
            avro, nullable = "boolean", isinstance(dtype, pd.api.extensions.ExtensionDtype)
        elif pd.api.types.is_integer_dtype(dtype):
            avro, nullable = "long", isinstance(dtype, pd.api.extensions.ExtensionDtype)
        elif pd.api.types.is_float_dtype(dtype):
            avro, nullable = "double", True
        elif pd.api.types.is_string_dtype(dtype) and pd.api.types.infer_dtype(df[column], skipna=True) in (
                "string", "empty"):
            avro, nullable = "string", True
        else:
            raise TypeError(f"column {column!r}: no Avro mapping for dtype {dtype}")
        if nullable:
            fields.append({"name": str(column), "type": ["null", avro], "default": None})
        else:
            fields.append({"name": str(column), "type": avro})
    return {"type": "record", "name": name, "fields": fields}


def write_avro(df: pd.DataFrame, path, name: str = "Row") -> None:
    """Write `df` to an Avro container file; missing values become Avro null."""
    schema = fastavro.parse_schema(avro_schema(df, name))
    columns = [df[c].astype(object).where(df[c].notna(), None).tolist() for c in df.columns]
    records = [dict(zip(map(str, df.columns), values, strict=True)) for values in zip(*columns, strict=True)]
    with open(path, "wb") as out:
        fastavro.writer(out, schema, records, codec="deflate")


def read_avro(path) -> pd.DataFrame:
    """Read an Avro file written by `write_avro` back into a DataFrame with matching dtypes."""
    with open(path, "rb") as source:
        reader = fastavro.reader(source)
        fields = reader.writer_schema["fields"]
        records = list(reader)
    data = {}
    for field in fields:
        name, avro = field["name"], field["type"]
        nullable = isinstance(avro, list)
        base = [t for t in avro if t != "null"][0] if nullable else avro
        values = [record[name] for record in records]
        if isinstance(base, dict) and base.get("logicalType") == "timestamp-micros":
            column = pd.Series(pd.to_datetime(values, utc=True), dtype="datetime64[us, UTC]")
        elif base == "long":  # pyarrow's int64 holds nulls too: "int64[pyarrow]"
            column = pd.Series(values, dtype=pd.ArrowDtype(pa.int64()) if nullable else "int64")
        elif base == "boolean":
            column = pd.Series(values, dtype="boolean" if nullable else "bool")
        elif base == "double":
            column = pd.Series([float("nan") if v is None else v for v in values], dtype="float64")
        else:
            column = pd.Series(values, dtype=object)
        data[name] = column
    return pd.DataFrame(data, columns=[field["name"] for field in fields])
