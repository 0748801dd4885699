"""nbgrader configuration of the self-attention course.

The defaults work on one machine: the course folder is this folder, the gradebook is
SQLite in it (gradebook.db), and students' work is read from submitted/. For a course
on a JupyterHub, uncomment and adapt the lines marked "JupyterHub".
"""
import os

c = get_config()  # noqa: F821  (provided by nbgrader when it reads this file)

c.CourseDirectory.course_id = "self-attention"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# The gradebook. Default: SQLite inside the course (gradebook.db).
# JupyterHub / several graders: point it at PostgreSQL instead, e.g.
# c.CourseDirectory.db_url = "postgresql://grader:secret@db.example.org:5432/self_attention"
# (requires `pip install psycopg2-binary`; nbgrader creates the tables on first use).

# Where assignments are exchanged with students (the Assignments panel, `nbgrader
# release_assignment`, `collect`). On one machine: exchange/ inside the course.
# JupyterHub: a folder every user can reach, e.g.
# c.Exchange.root = "/srv/nbgrader/exchange"
c.Exchange.root = os.path.join(c.CourseDirectory.root, "exchange")

# Grading: every test cell has a time limit; a deleted test cell is put back and graded
# (never left for manual grading).
c.Execute.timeout = 30
c.OverwriteCells.add_missing_cells = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
