# why: different key shapes: one partition per airport-day-hour (read whole), plane sort key from a compact date
def flight_items(flight):
    """Items for one flight: one per access pattern, each keyed so that its question is one query."""
    compact = flight["date"].replace("-", "")
    items = [(f"{flight['origin']}|{compact}|{flight['hour']:02d}", str(flight["id"]), flight)]
    if flight["tailnum"]:
        items.append((f"T|{flight['tailnum']}", f"{compact}|{flight['sched_dep_time']:04d}|{flight['id']:08d}", flight))
    return items


def flights_of_plane(store, tailnum, date):
    """Every flight of `tailnum` on `date` in scheduled departure order: one query."""
    compact = date.replace("-", "")
    return [item.doc for item in store.query(f"T|{tailnum}", sk_from=compact + "|", sk_to=compact + "}")]


def departures(store, origin, date, hour):
    """Every flight from `origin` on `date` scheduled in `hour`: one query."""
    return [item.doc for item in store.query(f"{origin}|{date.replace('-', '')}|{hour:02d}")]
