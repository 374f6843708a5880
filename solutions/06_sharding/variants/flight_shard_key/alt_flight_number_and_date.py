# why: flight number + date without the carrier: a coarser group that still keeps each flight's legs together
def flight_shard_key(row):
    """Shard key of one flight: its carrier, flight number and date."""
    return "{}@{}.{}.{}".format(row["flight"], row["day"], row["month"], row["year"])
