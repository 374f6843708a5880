# why: right rows, but asks every shard even when the flight number names the one shard that holds them
def find_flights(cluster, route, carrier, flight=None):
    """Rows of `carrier` (and `flight`): one shard when the key is known, else scatter-gather."""
    found = []
    for shard in cluster.shards:
        found.extend(cluster.ask(shard, lambda rows: [
            r for r in rows if r["carrier"] == carrier and (flight is None or r["flight"] == flight)]))
    return found
