# why: walks the footer through FileMetaData.to_dict() and expresses "can match" positively
import pyarrow.parquet as pq


def skippable_row_groups(path, column: str, low=None, high=None) -> list[int]:
    """Indexes of the row groups whose statistics prove no row has low <= column <= high."""
    footer = pq.ParquetFile(path).metadata
    if column not in footer.schema.names:
        raise ValueError(f"unknown column {column}")
    described = footer.to_dict()
    position = footer.schema.names.index(column)
    result = []
    for number, group in enumerate(described["row_groups"]):
        chunk = group["columns"][position]
        assert chunk["path_in_schema"] == column
        stats = footer.row_group(number).column(position).statistics  # typed min/max
        if stats is None:
            continue
        if not stats.has_min_max:
            if stats.null_count == group["num_rows"]:
                result.append(number)
            continue
        could_match = (low is None or low <= stats.max) and (high is None or stats.min <= high)
        if not could_match:
            result.append(number)
    return result
