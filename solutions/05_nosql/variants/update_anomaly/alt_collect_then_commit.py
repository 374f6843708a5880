# why: the audit as a loop with early `continue`s; the rename fills a dict first, skips an empty transaction
def stale_copies(store, airline_names):
    """Keys of the flight items whose copy of the airline's name disagrees with the airlines table."""
    stale = set()
    for item in store.scan():
        carrier = item.doc.get("carrier")
        if carrier is None:
            continue
        if item.doc["airline_name"] == airline_names[carrier]:
            continue
        stale.add((item.pk, item.sk))
    return stale


def rename_airline(store, carrier, new_name):
    """Rewrite every copy of `carrier`'s name in one transaction; return how many items changed."""
    pending = {}
    for item in store.scan():
        if item.doc["carrier"] != carrier:
            continue
        document = dict(item.doc)
        document["airline_name"] = new_name
        pending[item.pk, item.sk] = document
    if not pending:
        return 0
    store.transact_write([(pk, sk, doc) for (pk, sk), doc in pending.items()])
    return len(pending)
