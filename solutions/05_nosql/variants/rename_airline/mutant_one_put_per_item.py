# why: one put per item: a failure in the middle leaves the airline half renamed
def rename_airline(store, carrier, new_name):
    """Rewrite every copy of `carrier`'s name in one transaction; return how many items changed."""
    count = 0
    for item in store.scan():
        if item.doc.get("carrier") == carrier:
            store.put(item.pk, item.sk, dict(item.doc, airline_name=new_name))
            count += 1
    return count
