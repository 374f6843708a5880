# why: a chunk without min/max is taken for an all-null one and skipped, so a file written without statistics loses rows
import pyarrow.parquet as pq


def skippable_row_groups(path, column: str, low=None, high=None) -> list[int]:
    """Indexes of the row groups whose statistics prove no row has low <= column <= high."""
    meta = pq.read_metadata(path)
    names = [meta.schema.column(j).path for j in range(meta.num_columns)]
    if column not in names:
        raise KeyError(f"no column {column!r} in {names}")
    index = names.index(column)
    skippable = []
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        stats = group.column(index).statistics
        if stats is None or not stats.has_min_max:
            skippable.append(i)  # no min/max: nothing in it
            continue
        if stats.has_min_max:
            if (low is not None and stats.max < low) or (high is not None and stats.min > high):
                skippable.append(i)
        elif stats.has_null_count and stats.null_count == group.num_rows:
            skippable.append(i)
    return skippable
