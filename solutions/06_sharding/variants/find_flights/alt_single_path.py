# why: chooses the shards to ask first, then runs one gather loop for both cases
def find_flights(cluster, route, carrier, flight=None):
    """Rows of `carrier` (and `flight`): one shard when the key is known, else scatter-gather."""
    targets = cluster.shards if flight is None else [route(f"{carrier}-{flight}")]

    def on_shard(rows):
        return [row for row in rows if row["carrier"] == carrier and flight in (None, row["flight"])]

    return [row for shard in targets for row in cluster.ask(shard, on_shard)]
