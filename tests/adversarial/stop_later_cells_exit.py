# attack: stop later cells from running (kill the kernel, so the tests "have no output")
# expect: 0 | did not run
import os

os._exit(0)
