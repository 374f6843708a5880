# why: one key per stale flight, not every stale copy: the other copy of each flight stays stale
def stale_copies(store, airline_names):
    """Keys of the flight items whose copy of the airline's name disagrees with the airlines table."""
    stale, seen = set(), set()
    for item in store.scan():
        doc = item.doc
        if doc["id"] in seen or doc["airline_name"] == airline_names[doc["carrier"]]:
            continue
        seen.add(doc["id"])
        stale.add((item.pk, item.sk))
    return stale


def rename_airline(store, carrier, new_name):
    """Rewrite every copy of `carrier`'s name in one transaction; return how many items changed."""
    changed = [(item.pk, item.sk, dict(item.doc, airline_name=new_name))
               for item in store.scan() if item.doc.get("carrier") == carrier]
    if changed:
        store.transact_write(changed)
    return len(changed)
