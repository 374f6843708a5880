# attack: change the gradebook (and leave a file beside the solutions)
# expect: 0 | -
import sqlite3

for path in ["{root}/gradebook.db", "{root}/../gradebook.db"]:
    try:
        with sqlite3.connect(f"file:{path}?mode=rw", uri=True) as db:
            db.execute("UPDATE grade SET auto_score = 100")
        print("CHANGED", path)
    except sqlite3.Error as error:
        print("gradebook unreachable:", type(error).__name__)
try:
    open("{root}/solutions/PWNED", "w").write("x")
except OSError as error:
    print("solutions unreachable:", type(error).__name__)
