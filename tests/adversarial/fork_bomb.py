# attack: fork bomb (exhaust processes)
# expect: 0 | -
import os

while True:
    try:
        os.fork()
    except OSError:
        break
