# attack: loop forever (also ignoring the interrupt)
# expect: 0 | -
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)


def count_nines(availability):
    while True:
        pass
