"""nbgrader configuration of the self-attention course.

One machine (`python3 course.py lab`): the course folder is this folder, the gradebook is
SQLite in it (gradebook.db), and the exchange is exchange/ in it. On a JupyterHub (see
the README, "Running the course on a JupyterHub") the same file serves unchanged: the
exchange comes from the hub's global nbgrader_config.py and the gradebook from the
environment variable COURSE_DB_URL.
"""
import os

c = get_config()  # noqa: F821  (provided by nbgrader when it reads this file)

c.CourseDirectory.course_id = "self-attention"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# The gradebook. Default: SQLite inside the course (gradebook.db). A shared course sets
# COURSE_DB_URL, e.g. PostgreSQL through its local socket with peer authentication (no
# password anywhere): postgresql:///self_attention?host=/var/run/postgresql
# (driver: psycopg, in requirements.txt; nbgrader creates the tables on first use).
if os.environ.get("COURSE_DB_URL"):
    c.CourseDirectory.db_url = os.environ["COURSE_DB_URL"]

# Where assignments are exchanged with students (the Assignments panel, `nbgrader
# release_assignment`, `collect`). `python3 course.py lab` sets COURSE_EXCHANGE to
# exchange/ inside the course. Without it nbgrader's own setting applies: on a JupyterHub
# the folder every user can reach, set for everyone in the hub's global
# /etc/jupyter/nbgrader_config.py (nbgrader's default is /srv/nbgrader/exchange).
if os.environ.get("COURSE_EXCHANGE"):
    c.Exchange.root = os.environ["COURSE_EXCHANGE"]

# The Formgrader's debugging panel would print this configuration (with the gradebook
# URL) on the Manage Assignments page, and warns "Formgrader config is not serializable"
# on every visit because Jupyter Server's part of it is not JSON. Off.
c.FormgradeExtension.debug = False

# MathJax without a network: nbgrader's formgrade and feedback pages load MathJax from a
# CDN (their templates ignore HTMLExporter.mathjax_url). nbgrader_templates/ replaces
# nbconvert's mathjax macro with one that loads MathJax 2 from the Jupyter server that
# shows the page (package jupyter-server-mathjax, in requirements.txt).
import nbgrader

c.HTMLExporter.extra_template_basedirs = [
    os.path.join(c.CourseDirectory.root, "nbgrader_templates"),
    os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates"),
]

# Grading: every test cell has a time limit; a deleted test cell is put back and graded
# (never left for manual grading).
c.Execute.timeout = 30
c.OverwriteCells.add_missing_cells = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# The grading engine (the same for `python3 course.py grade` and for nbgrader's own
# `autograde` / the Formgrader's Autograde button): student cells run in a jailed kernel,
# the tests in the grader's process (tools/runner.py); outputs that could carry script are
# sanitised in the autograded notebooks and in the feedback; feedback never shows hidden
# tests. A submission holding a symbolic link is refused by `nbgrader autograde` (the
# grade command drops the links and grades the rest).
import sys

if c.CourseDirectory.root not in sys.path:
    sys.path.insert(0, c.CourseDirectory.root)
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from tools.collect import RefuseLinks
from tools.runner import TrustedExecute
from tools.sanitize import SanitizeOutputs

c.Autograde.sanitize_preprocessors = [RefuseLinks, ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                      OverwriteCells, CheckCellMetadata]
c.Autograde.autograde_preprocessors = [TrustedExecute, SanitizeOutputs, LimitOutput, SaveAutoGrades,
                                       AssignLatePenalties, CheckCellMetadata]
c.TrustedExecute.timeout = c.Execute.timeout
c.GenerateFeedback.preprocessors = [ClearHiddenTests, SanitizeOutputs, GetGrades, CSSHTMLHeaderPreprocessor]
