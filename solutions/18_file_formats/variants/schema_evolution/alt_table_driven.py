# why: promotions as a table of readable targets; unions as sets of branches; records resolved by hand
import fastavro

PROMOTES_TO = {
    "null": {"null"}, "boolean": {"boolean"}, "int": {"int", "long", "float", "double"},
    "long": {"long", "float", "double"}, "float": {"float", "double"}, "double": {"double"},
    "bytes": {"bytes", "string"}, "string": {"string", "bytes"},
}


def _branches(kind):
    kinds = kind if isinstance(kind, list) else [kind]
    return [k["type"] if isinstance(k, dict) else k for k in kinds]


def compatibility_problems(writer: dict, reader: dict) -> list[str]:
    """Why data written with `writer` cannot be read with `reader` (empty list: it can)."""
    problems = []
    short = lambda n: n.rsplit(".", 1)[-1]  # noqa: E731
    if short(writer["name"]) != short(reader["name"]):
        problems.append(f"record renamed from {writer['name']} to {reader['name']}")
    old = {f["name"]: f["type"] for f in writer["fields"]}
    for field in reader["fields"]:
        if field["name"] not in old:
            if "default" not in field:
                problems.append(f"{field['name']}: new field needs a default")
            continue
        readable = set(_branches(field["type"]))
        for written in _branches(old[field["name"]]):
            if not PROMOTES_TO[written] & readable:
                problems.append(f"{field['name']}: {written} cannot be read as {sorted(readable)}")
                break
    return problems


def read_evolved(path, reader_schema: dict) -> list[dict]:
    """Records of the Avro file at `path`, read with `reader_schema`; ValueError if incompatible."""
    with open(path, "rb") as source:
        reader = fastavro.reader(source)
        problems = compatibility_problems(reader.writer_schema, reader_schema)
        if problems:
            raise ValueError(problems)
        out = []
        for record in reader:
            row = {}
            for field in reader_schema["fields"]:
                name = field["name"]
                row[name] = record[name] if name in record else field["default"]
            out.append(row)
    return out
