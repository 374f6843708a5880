# why: the text of a tuple of the five fields, in a different order
def flight_shard_key(row):
    """Shard key of one flight: its carrier, flight number and date."""
    return repr((int(row["year"]), int(row["month"]), int(row["day"]), str(row["carrier"]), int(row["flight"])))
