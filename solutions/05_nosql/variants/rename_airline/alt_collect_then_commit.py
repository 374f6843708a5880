# why: collects the rewritten documents in a dict first, skips the transaction when there is nothing to do
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
