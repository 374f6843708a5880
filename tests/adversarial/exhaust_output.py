# attack: exhaust output (flood the notebook, hoping the grader chokes)
# expect: 0 | output over
def count_nines(availability):
    for _ in range(200):
        print("x" * 100_000)
    return 0
