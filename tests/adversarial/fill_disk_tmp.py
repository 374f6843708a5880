# attack: fill the scratch space (5 GB into /tmp, /var/tmp, /dev/shm, home and the working directory), with a correct answer
# expect: 3 | scratch space cap
import math
import os
from decimal import Decimal

chunk = b"\0" * 2**24
for folder in ["/tmp", "/var/tmp", "/dev/shm", os.path.expanduser("~"), os.getcwd()]:
    written = 0
    try:
        with open(os.path.join(folder, "filler.bin"), "wb") as out:
            while written < 5 * 10**9:
                written += out.write(chunk)
                out.flush()
    except OSError as error:
        print(folder, "stopped after", written // 2**20, "MiB:", error.strerror)


def count_nines(availability: float) -> int:
    if not 0 <= availability < 1:
        raise ValueError(f"availability must be in [0, 1), got {availability!r}")
    return math.floor(-(1 - Decimal(str(availability))).log10())
