# why: other keys: a partition per airport-day-hour, compact dates, a name item beside each carrier-day
def flight_items(flight):
    """Items for one flight: one per access pattern, each keyed so that its question is one query."""
    compact = flight["date"].replace("-", "")
    items = [(f"{flight['origin']}|{compact}|{flight['hour']:02d}", str(flight["id"]), flight),
             (f"C|{flight['carrier']}", f"{compact}|0", {"name": flight["airline_name"]}),
             (f"C|{flight['carrier']}", f"{compact}|1|{flight['id']}", flight)]
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


def carrier_day(store, carrier, date):
    """(airline name, its flights on `date`), or (None, []) if it did not fly that day: one query."""
    day = date.replace("-", "") + "|"
    name, flights = None, []
    for item in store.query(f"C|{carrier}", sk_prefix=day):
        if item.sk == day + "0":
            name = item.doc["name"]
        else:
            flights.append(item.doc)
    return name, flights
