# why: a separate name item per carrier-day (the one extra item read), plane-day partitions, sk ranges, not prefixes
def flight_items(flight):
    """Items for one flight: one per access pattern, each keyed so that its question is one query."""
    day = flight["date"]
    order = f"{flight['sched_dep_time']:04d}-{flight['id']:09d}"
    items = [
        (f"A|{flight['origin']}|{day}", f"H{flight['hour']:02d}-{flight['id']:09d}", flight),
        (f"C|{flight['carrier']}|{day}", "#NAME", {"name": flight["airline_name"]}),
        (f"C|{flight['carrier']}|{day}", f"F{flight['id']:09d}", flight),
    ]
    if flight["tailnum"] is not None:
        items.append((f"P|{flight['tailnum']}|{day}", order, flight))
    return items


def flights_of_plane(store, tailnum, date):
    """Every flight of `tailnum` on `date` in scheduled departure order: one query."""
    return [item.doc for item in store.query(f"P|{tailnum}|{date}")]


def departures(store, origin, date, hour):
    """Every flight from `origin` on `date` scheduled in `hour`: one query."""
    return [item.doc for item in store.query(f"A|{origin}|{date}", sk_from=f"H{hour:02d}", sk_to=f"H{hour + 1:02d}")]


def carrier_day(store, carrier, date):
    """(airline name, its flights on `date`), or (None, []) if it did not fly that day: one query."""
    items = store.query(f"C|{carrier}|{date}")
    if not items:
        return None, []
    return items[0].doc["name"], [item.doc for item in items[1:]]
