# why: maps dtypes by dtype.kind, builds records with pyarrow (NaN/NaT/NA become None), reads back via Arrow
import fastavro
import pandas as pd
import pyarrow as pa


def avro_schema(df: pd.DataFrame, name: str = "Row") -> dict:
    """Avro record schema derived from the dtypes of `df` (see the table above)."""
    numpy_kinds = {"b": "boolean", "i": "long", "u": "long"}
    fields = []
    for column, dtype in df.dtypes.items():
        if isinstance(dtype, pd.DatetimeTZDtype):
            if str(dtype.tz) != "UTC":
                raise TypeError(f"{column}: only UTC timestamps are supported")
            fields.append({"name": column, "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}],
                           "default": None})
        elif isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "biu":
            fields.append({"name": column, "type": ["null", numpy_kinds[dtype.kind]], "default": None})
        elif dtype.kind in numpy_kinds:
            fields.append({"name": column, "type": numpy_kinds[dtype.kind]})
        elif dtype.kind == "f":
            fields.append({"name": column, "type": ["null", "double"], "default": None})
        elif (dtype.kind == "O" or isinstance(dtype, pd.StringDtype)) and all(
                isinstance(v, str) for v in df[column].dropna()):
            fields.append({"name": column, "type": ["null", "string"], "default": None})
        else:
            raise TypeError(f"{column}: unsupported dtype {dtype}")
    return {"type": "record", "name": name, "fields": fields}


def write_avro(df: pd.DataFrame, path, name: str = "Row") -> None:
    """Write `df` to an Avro container file; missing values become Avro null."""
    schema = avro_schema(df, name)
    records = pa.Table.from_pandas(df, preserve_index=False).to_pylist()
    with open(path, "wb") as out:
        fastavro.writer(out, fastavro.parse_schema(schema), records)


def read_avro(path) -> pd.DataFrame:
    """Read an Avro file written by `write_avro` back into a DataFrame with matching dtypes."""
    arrow_types = {"long": pa.int64(), "boolean": pa.bool_(), "double": pa.float64(), "string": pa.string()}
    with open(path, "rb") as source:
        reader = fastavro.reader(source)
        schema = reader.writer_schema
        records = list(reader)
    arrow_fields = []
    for field in schema["fields"]:
        kind = field["type"]
        nullable = isinstance(kind, list)
        if nullable:
            kind = next(k for k in kind if k != "null")
        if isinstance(kind, dict):
            arrow_fields.append(pa.field(field["name"], pa.timestamp("us", tz="UTC"), nullable))
        else:
            arrow_fields.append(pa.field(field["name"], arrow_types[kind], nullable))
    arrow = pa.Table.from_pylist(records, schema=pa.schema(arrow_fields))
    frame = arrow.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    for f in arrow_fields:  # only the nullable integers stay Int64
        if pa.types.is_integer(f.type) and not f.nullable:
            frame[f.name] = frame[f.name].astype("int64")
        if pa.types.is_boolean(f.type) and f.nullable:
            frame[f.name] = frame[f.name].astype("boolean")
    return frame
