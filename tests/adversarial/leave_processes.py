# attack: leave processes running after grading (sleepers in a new session, detached)
# expect: 3 | -
import os
import time

for _ in range(5):
    if os.fork() == 0:
        os.setsid()
        time.sleep(600)
        os._exit(0)


def count_nines(availability):
    import math
    from decimal import Decimal

    if not 0 <= availability < 1:
        raise ValueError("availability must be in [0, 1)")
    return math.floor(-(1 - Decimal(str(availability))).log10())
