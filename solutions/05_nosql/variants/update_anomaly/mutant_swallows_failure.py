# why: catches the failed write and reports 0: the caller believes the rename is done, or never learns it failed
def stale_copies(store, airline_names):
    """Keys of the flight items whose copy of the airline's name disagrees with the airlines table."""
    return {(item.pk, item.sk) for item in store.scan()
            if "carrier" in item.doc and item.doc.get("airline_name") != airline_names[item.doc["carrier"]]}


def rename_airline(store, carrier, new_name):
    """Rewrite every copy of `carrier`'s name in one transaction; return how many items changed."""
    changed = [(i.pk, i.sk, dict(i.doc, airline_name=new_name)) for i in store.scan() if i.doc["carrier"] == carrier]
    try:
        store.transact_write(changed)
    except Exception:
        return 0
    return len(changed)
