# why: no check of its own, only fastavro's per-record resolution: an empty or lucky file is read anyway
import fastavro


def compatibility_problems(writer: dict, reader: dict) -> list[str]:
    """Why data written with `writer` cannot be read with `reader` (empty list: it can)."""
    promotions = {("int", "long"), ("int", "float"), ("int", "double"), ("long", "float"),
                  ("long", "double"), ("float", "double"), ("string", "bytes"), ("bytes", "string")}

    def primitive(kind):
        return kind["type"] if isinstance(kind, dict) else kind

    def resolves(w, r) -> bool:
        if isinstance(w, list):
            return all(resolves(branch, r) for branch in w)
        if isinstance(r, list):
            return any(resolves(w, branch) for branch in r)
        w, r = primitive(w), primitive(r)
        return w == r or (w, r) in promotions

    problems = []
    if writer["name"].split(".")[-1] != reader["name"].split(".")[-1]:
        problems.append(f"record name {reader['name']!r} differs from the writer's {writer['name']!r}")
    written = {field["name"]: field for field in writer["fields"]}
    for field in reader["fields"]:
        name = field["name"]
        if name not in written:
            if "default" not in field:
                problems.append(f"field {name!r}: added without a default, old data has no value for it")
        elif not resolves(written[name]["type"], field["type"]):
            problems.append(f"field {name!r}: writer type {written[name]['type']!r} cannot be read as "
                            f"{field['type']!r}")
    return problems


def read_evolved(path, reader_schema: dict) -> list[dict]:
    """Records of the Avro file at `path`, read with `reader_schema`; ValueError if incompatible."""
    with open(path, "rb") as source:
        try:
            return list(fastavro.reader(source, reader_schema=reader_schema))
        except Exception as error:  # fastavro's SchemaResolutionError
            raise ValueError(str(error)) from error
