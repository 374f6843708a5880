# attack: stop later cells from running (SystemExit / ask_exit)
# expect: 0 | -
def count_nines(availability):
    return 3


get_ipython().ask_exit()
raise SystemExit
