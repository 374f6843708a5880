# why: the keyed lookup filters by flight number only; other carriers' flights with that number on the shard leak in
def find_flights(cluster, route, carrier, flight=None):
    """Rows of `carrier` (and `flight`): one shard when the key is known, else scatter-gather."""
    if flight is not None:
        return cluster.ask(route(f"{carrier}-{flight}"), lambda rows: [r for r in rows if r["flight"] == flight])
    found = []
    for shard in cluster.shards:
        found += cluster.ask(shard, lambda rows: [r for r in rows if r["carrier"] == carrier])
    return found
