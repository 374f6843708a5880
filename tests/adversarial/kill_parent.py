# attack: kill the kernel's parent (the grader) and everything else it can see
# expect: 0 | -
import os
import signal

for pid in [os.getppid(), 1]:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError as error:
        print("kill refused:", type(error).__name__)
