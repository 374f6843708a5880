# why: trusts the most common copy, not the airlines table: after a half-done rename the majority is wrong
from collections import Counter


def stale_copies(store, airline_names):
    """Keys of the flight items whose copy of the airline's name disagrees with the airlines table."""
    items = store.scan()
    votes = {}
    for item in items:
        votes.setdefault(item.doc["carrier"], Counter())[item.doc["airline_name"]] += 1
    majority = {carrier: counter.most_common(1)[0][0] for carrier, counter in votes.items()}
    return {(item.pk, item.sk) for item in items if item.doc["airline_name"] != majority[item.doc["carrier"]]}


def rename_airline(store, carrier, new_name):
    """Rewrite every copy of `carrier`'s name in one transaction; return how many items changed."""
    changed = [(item.pk, item.sk, dict(item.doc, airline_name=new_name))
               for item in store.scan() if item.doc.get("carrier") == carrier]
    if changed:
        store.transact_write(changed)
    return len(changed)
