"""The book pipeline: chapters execute through papermill, pairs stay in sync, bad parameters are refused."""

import subprocess
import sys

import nbformat
import pytest

from advclust import book, notebooks
from advclust.errors import UnknownChoiceError, UserInputError

CHAPTER1 = book.NOTEBOOKS / "01_synthetic_gaussians.py"
SMALLEST = {"noise_dims": [0], "n_iterations": 20, "hidden": [8, 8, 8], "eval_every": 10, "n_eval": 200}


def _outputs_text(notebook) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts.append(str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


def test_chapter_1_executes_through_the_book_pipeline(tmp_path):
    executed = book.execute(CHAPTER1, "quick", SMALLEST, output_dir=tmp_path)
    notebook = nbformat.read(executed.path, as_version=4)
    assert not notebook.metadata["papermill"].get("exception")
    provenance = [c for c in notebook.cells if "provenance" in c.metadata.get("tags", [])]
    assert len(provenance) == 1 and "**quick** profile" in provenance[0].source
    assert "n_iterations=20" in provenance[0].source
    text = _outputs_text(notebook)
    assert "noise variables 0, seed 0: ACC" in text
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for c in notebook.cells for o in c.get("outputs", []))


def test_chapter_1_runs_with_papermills_own_command_line(tmp_path):
    """The command the introduction shows, with the smallest parameters."""
    output = tmp_path / "out.ipynb"
    command = [sys.executable, "-m", "papermill", str(book.NOTEBOOKS / "01_synthetic_gaussians.ipynb"), str(output),
               "-p", "n_iterations", "20", "-p", "eval_every", "10", "-p", "n_eval", "200", "-p", "progress", "False",
               "-y", "{noise_dims: [1], hidden: [8, 8, 8]}", "--cwd", str(book.REPO_ROOT)]
    subprocess.run(command, check=True, capture_output=True, timeout=600)
    assert "noise variables 1, seed 0: ACC" in _outputs_text(nbformat.read(output, as_version=4))


def test_notebook_pairs_are_in_sync_and_without_outputs():
    assert notebooks.problems() == []


def test_unknown_chapter_parameter_lists_the_valid_ones(tmp_path):
    with pytest.raises(UserInputError, match="valid parameters: profile, progress, noise_dims"):
        book.execute(CHAPTER1, "quick", {"noise": [0]}, output_dir=tmp_path)


def test_chapters_are_selected_by_name_or_number():
    assert book.select(["01"]) == [CHAPTER1]
    assert book.select(["01_synthetic_gaussians"]) == [CHAPTER1]
    with pytest.raises(UnknownChoiceError, match="valid chapters"):
        book.select(["7"])


def test_every_profile_names_only_existing_chapter_parameters():
    from advclust import profiles

    for profile in profiles.names():
        for path in book.chapters():
            unknown = set(profiles.notebook_params(profile, path.stem)) - set(book.chapter_parameters(path))
            assert not unknown, f"{profile}.yaml sets unknown parameters of {path.stem}: {unknown}"
