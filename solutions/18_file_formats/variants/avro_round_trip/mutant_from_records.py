# why: read_avro trusts DataFrame.from_records' inference: nullable integers come back as float64
import fastavro
import pandas as pd


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
        names = [field["name"] for field in reader.writer_schema["fields"]]
        frame = pd.DataFrame.from_records(list(reader), columns=names)
    return frame
