"""What grading changes in nbgrader to make it cheaper (tools/__init__.py's
_patch_nbgrader) changes nothing else: gradebooks still read what is on disk, and cell
metadata still fails with nbgrader's own errors."""
import jsonschema
import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.nbgraderformat.common import BaseMetadataValidator

import tools
from tools import _patch_nbgrader

_patch_nbgrader()


def test_a_gradebook_replaced_on_disk_is_read_afresh(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.add_student("ada")
    (tmp_path / "gradebook.db").unlink()
    with Gradebook(url) as gb:  # the same engine (shared), a new file
        assert [s.id for s in gb.students] == []
        gb.add_student("bob")
    with Gradebook(url) as gb:
        assert [s.id for s in gb.students] == ["bob"]


def test_a_gradebook_left_open_does_not_keep_a_replaced_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    gb = Gradebook(url)
    gb.add_student("ada")
    gb.db.remove()  # its session ends, its connection goes back to the engine: not closed
    (tmp_path / "gradebook.db").unlink()
    with Gradebook(url) as fresh:
        assert fresh.engine is gb.engine
        assert [s.id for s in fresh.students] == []
        fresh.add_student("bob")  # a database it can write
    with Gradebook(url) as again:
        assert [s.id for s in again.students] == ["bob"]


def test_engines_are_shared_per_database_and_few_are_kept(tmp_path):
    urls = [f"sqlite:///{tmp_path / f'g{i}.db'}" for i in range(tools._KEEP_ENGINES + 3)]
    engines = []
    for url in urls:
        with Gradebook(url) as gb:
            engines.append(gb.engine)
    with Gradebook(urls[-1]) as gb:
        assert gb.engine is engines[-1]
    assert len(tools._ENGINES) <= tools._KEEP_ENGINES
    with Gradebook(urls[0]) as gb:  # dropped long ago: made anew, and it works
        assert gb.engine is not engines[0] and gb.students == []


def _cell(**nbgrader):
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["nbgrader"] = {"schema_version": 3, **nbgrader}
    return cell


@pytest.mark.parametrize("meta", [
    {"grade": True, "solution": False, "locked": True, "grade_id": "t", "points": "two"},
    {"grade": "yes", "solution": False, "locked": True, "grade_id": "t", "points": 1},
    {"grade": True, "solution": False, "locked": True, "points": 1},
    {"grade": True, "solution": False, "locked": True, "grade_id": "t", "points": 1, "extra": 1},
])
def test_bad_cell_metadata_fails_with_nbgrader_own_error(meta, monkeypatch):
    assert BaseMetadataValidator.validate_cell is tools._validate_cell
    validator = MetadataValidator()
    with pytest.raises(Exception) as ours:  # compared below
        validator.validate_cell(_cell(**meta))
    monkeypatch.setattr(BaseMetadataValidator, "validate_cell", tools._VALIDATE_CELL)  # nbgrader's own
    with pytest.raises(Exception) as theirs:
        validator.validate_cell(_cell(**meta))
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
    assert isinstance(ours.value, jsonschema.ValidationError) or "grade_id" in str(ours.value)


def test_good_cell_metadata_passes():
    MetadataValidator().validate_cell(_cell(grade=True, solution=False, locked=True, grade_id="t", points=1))
