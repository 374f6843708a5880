# attack: hide errors by making every later cell a no-op that reports success
# expect: 0 | run_cell
def count_nines(availability):
    return 3


_shell = get_ipython()
_shell.run_cell = lambda *args, **kwargs: None
