# attack: read the hidden tests and the other students' work from disk
# expect: 0 | -
import glob

for pattern in ["{root}/solutions/*/*.ipynb", "{repo}/solutions/*/*.ipynb", "{repo}/solutions/*/variants/*/*.py", "{root}/submitted/*/*/*.ipynb", "{root}/autograded/*/*/*.ipynb",
                "/tmp/**/*.ipynb"]:
    for path in glob.glob(pattern, recursive=True):
        print("READ", path, open(path).read()[:2000])
