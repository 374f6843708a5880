# attack: exhaust memory
# expect: 0 | -
hoard = []


def count_nines(availability):
    while True:
        hoard.append(bytearray(256 * 2**20))
