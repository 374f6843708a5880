# why: one partition per carrier, the day filtered in Python: one request, but it reads the carrier's whole week
def flight_items(flight):
    """Items for one flight: one per access pattern, each keyed so that its question is one query."""
    order = f"{flight['sched_dep_time']:04d}#{flight['id']:07d}"
    items = [(f"AIRPORT#{flight['origin']}#{flight['date']}", f"{flight['hour']:02d}#{order}", flight),
             (f"CARRIER#{flight['carrier']}", f"FLIGHT#{flight['id']:07d}", flight)]
    if flight["tailnum"] is not None:
        items.append((f"PLANE#{flight['tailnum']}", f"{flight['date']}#{order}", flight))
    return items


def flights_of_plane(store, tailnum, date):
    """Every flight of `tailnum` on `date` in scheduled departure order: one query."""
    return [item.doc for item in store.query(f"PLANE#{tailnum}", sk_prefix=f"{date}#")]


def departures(store, origin, date, hour):
    """Every flight from `origin` on `date` scheduled in `hour`: one query."""
    return [item.doc for item in store.query(f"AIRPORT#{origin}#{date}", sk_prefix=f"{hour:02d}#")]


def carrier_day(store, carrier, date):
    """(airline name, its flights on `date`), or (None, []) if it did not fly that day: one query."""
    flights = [item.doc for item in store.query(f"CARRIER#{carrier}") if item.doc["date"] == date]
    return (flights[0]["airline_name"] if flights else None), flights
