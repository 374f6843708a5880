"""nbgrader configuration for running stock nbgrader from the repository root.

`solutions/` holds the instructor source (solutions and hidden tests) and
`course/` the generated student release, so `nbgrader generate_assignment
01_subnets` turns solutions/01_subnets into course/01_subnets with no flags.
"""

import os

c = get_config()  # noqa: F821 - injected by traitlets when nbgrader loads this file

# The course root is the directory of this file (absolute, so nbgrader and the
# formgrader agree on it whatever directory they were started from).
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.course_id = "eng101"
# db_url is left to nbgrader: sqlite:///<root>/gradebook.db, absolute whatever the working directory.

# Mutants and alternative answers live beside each solution in variants/;
# they are instructor-only and must never be copied into the release.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "variants",
]

# Solution stubs: students see exactly this where the reference solution was; it says what to do next.
c.ClearSolutions.code_stub = {
    "python": 'raise NotImplementedError("Replace this line with your answer, then run the test cell below.")'
}

# A cell that runs longer than this is stopped and counts as failed.
c.Execute.timeout = 120
