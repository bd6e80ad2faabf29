"""The book pipeline: chapters execute through papermill, pairs stay in sync, bad parameters are refused."""

import subprocess
import sys

import nbformat
import yaml
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
    assert "k = 0 on gaussians8, seed 0: ACC" in text
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for c in notebook.cells for o in c.get("outputs", []))


def test_chapter_1_runs_with_papermills_own_command_line(tmp_path):
    """The command the introduction shows, with the smallest parameters."""
    output = tmp_path / "out.ipynb"
    command = [sys.executable, "-m", "papermill", str(book.NOTEBOOKS / "01_synthetic_gaussians.ipynb"), str(output),
               "-p", "n_iterations", "20", "-p", "eval_every", "10", "-p", "n_eval", "200", "-p", "progress", "False",
               "-y", "{noise_dims: [1], hidden: [8, 8, 8]}", "--cwd", str(book.REPO_ROOT)]
    subprocess.run(command, check=True, capture_output=True, timeout=600)
    assert "k = 1 on gaussians8, seed 0: ACC" in _outputs_text(nbformat.read(output, as_version=4))


def test_notebook_pairs_are_in_sync_and_without_outputs():
    assert notebooks.problems() == []


def test_unknown_chapter_parameter_lists_the_valid_ones(tmp_path):
    with pytest.raises(UserInputError, match="valid parameters: profile, batch_seeds, progress, device, save_records_to, resume, cpu_threads, noise_dims"):
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


# --- chapter pages and section notebooks, on tiny dummy notebooks in a temporary folder ------------------------

def _dummy_notebooks(folder, stems, sync=True):
    import jupytext

    folder.mkdir(exist_ok=True)
    for stem in stems:
        source = folder / f"{stem}.py"
        source.write_text(f"# %% [markdown]\n# # {stem}\n\n# %% tags=[\"parameters\"]\nprofile = \"paper\"\n"
                          "progress = True\nsize = 3\n\n# %%\nprint('size', size)\n")
        if sync:
            jupytext.write(jupytext.read(source), source.with_suffix(".ipynb"))
    return folder


STEMS = ["02b_mnist_dcan", "01_gaussians", "02_mnist", "02a_mnist_pfca", "03_orl", "03a_orl_pfca"]


def test_sections_follow_their_chapter_page_in_book_order(tmp_path):
    folder = _dummy_notebooks(tmp_path / "notebooks", STEMS)
    assert [p.stem for p in book.chapters(folder)] == [
        "01_gaussians", "02_mnist", "02a_mnist_pfca", "02b_mnist_dcan", "03_orl", "03a_orl_pfca"]


@pytest.mark.parametrize("only, expected", [
    (["02"], ["02_mnist", "02a_mnist_pfca", "02b_mnist_dcan"]),
    (["02a"], ["02a_mnist_pfca"]),
    (["02b_mnist_dcan"], ["02b_mnist_dcan"]),
    (["02_mnist"], ["02_mnist"]),
    (["03a", "01"], ["01_gaussians", "03a_orl_pfca"]),  # book order, whatever the order asked
    (["02", "02a"], ["02_mnist", "02a_mnist_pfca", "02b_mnist_dcan"]),
])
def test_only_selects_a_chapter_with_its_sections_or_one_notebook(tmp_path, only, expected):
    folder = _dummy_notebooks(tmp_path / "notebooks", STEMS)
    assert [p.stem for p in book.select(only, folder)] == expected


def test_unknown_selection_lists_chapters_and_sections(tmp_path):
    folder = _dummy_notebooks(tmp_path / "notebooks", STEMS)
    with pytest.raises(UnknownChoiceError, match="section such as 02a.*02a_mnist_pfca"):
        book.select(["02c"], folder)


def test_toc_lists_sections_under_their_chapter_page(tmp_path):
    toc = book.toc(STEMS)
    experiments, reference = toc["parts"]
    assert toc["root"] == "book/intro" and reference["chapters"] == [{"file": "book/sweeps"}, {"file": "book/references"}]
    assert experiments["chapters"] == [
        {"file": "chapters/01_gaussians"},
        {"file": "chapters/02_mnist", "sections": [{"file": "chapters/02a_mnist_pfca"},
                                                   {"file": "chapters/02b_mnist_dcan"}]},
        {"file": "chapters/03_orl", "sections": [{"file": "chapters/03a_orl_pfca"}]},
    ]
    # a partial build: a section executed without its chapter page stands on its own
    assert book.toc(["02a_mnist_pfca", "03_orl"])["parts"][0]["chapters"] == [
        {"file": "chapters/02a_mnist_pfca"}, {"file": "chapters/03_orl"}]
    path = book.write_toc(tmp_path / "_toc.yml", STEMS)
    assert yaml.safe_load(path.read_text()) == toc


def test_checked_in_toc_is_the_one_the_notebook_files_give():
    assert book.toc_problems() == []


def test_notebook_check_covers_sections_and_their_names(tmp_path):
    folder = _dummy_notebooks(tmp_path / "notebooks", ["01_gaussians", "01a_gaussians_pfca"])
    assert notebooks.problems(folder) == []
    _dummy_notebooks(folder, ["01a_other", "04a_orphan", "5_bad"], sync=False)
    (folder / "01a_gaussians_pfca.ipynb").unlink()
    found = "\n".join(notebooks.problems(folder))
    assert "01a_gaussians_pfca.py has no paired 01a_gaussians_pfca.ipynb" in found
    assert "01a_other.py and 01a_gaussians_pfca.py both claim place 01a" in found or \
        "01a_gaussians_pfca.py and 01a_other.py both claim place 01a" in found
    assert "section 04a_orphan.py has no chapter page 04_name.py" in found
    assert "5_bad.py is not named NN_name.py" in found


def test_a_section_executes_with_its_own_timeout_and_parameters(tmp_path, monkeypatch):
    import nbformat

    folder = _dummy_notebooks(tmp_path / "notebooks", ["02_mnist", "02a_mnist_pfca"])
    params = tmp_path / "params"
    params.mkdir()
    (params / "tiny.yaml").write_text(yaml.safe_dump({
        "book": {"execution_timeout": 1, "timeouts": {"02a_mnist_pfca": 120}},
        "notebooks": {"02a_mnist_pfca": {"size": 7}}}))
    monkeypatch.setenv("ADVCLUST_PARAMS", str(params))
    seen = {}
    import papermill

    real = papermill.execute_notebook

    def spy(*args, **kwargs):
        seen["timeout"] = kwargs["execution_timeout"]
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", spy)
    executed = book.execute(folder / "02a_mnist_pfca.py", "tiny", output_dir=tmp_path / "out")
    assert seen["timeout"] == 120 and executed.parameters["size"] == 7
    assert "size 7" in _outputs_text(nbformat.read(executed.path, as_version=4))


def test_kernels_share_the_cores_out_among_the_notebooks_executing_at_once():
    assert book.kernel_threads(1, cpus=2) == 2
    assert book.kernel_threads(2, cpus=2) == 1
    assert book.kernel_threads(3, cpus=2) == 1
    assert book.kernel_threads(2, cpus=16) == 8


def test_notebooks_execute_two_at_a_time_with_one_thread_each(tmp_path, capsys):
    folder = _dummy_notebooks(tmp_path / "notebooks", ["01_one", "02_two", "03_three"])
    for source in folder.glob("*.py"):
        source.write_text(source.read_text() + "import os\nprint('threads', os.environ['OMP_NUM_THREADS'])\n")
    selected = book.chapters(folder)
    assert book.execute_all(selected, "quick", jobs=2, output_dir=tmp_path / "out")
    for path in selected:
        text = _outputs_text(nbformat.read(tmp_path / "out" / f"{path.stem}.ipynb", as_version=4))
        assert "size 3" in text and f"threads {book.kernel_threads(2)}" in text
    assert "3 notebook(s), 2 at a time" in capsys.readouterr().out


def test_a_failing_notebook_fails_the_parallel_build_and_says_which(tmp_path, capsys):
    folder = _dummy_notebooks(tmp_path / "notebooks", ["01_one", "02_two"])
    source = folder / "02_two.py"
    source.write_text(source.read_text() + "raise ValueError('broken on purpose')\n")
    assert not book.execute_all(book.chapters(folder), "quick", jobs=2, output_dir=tmp_path / "out")
    error = capsys.readouterr().err
    assert "chapter 02_two failed" in error and "broken on purpose" in error


def test_every_profile_names_only_existing_notebooks():
    from advclust import profiles

    stems = {p.stem for p in book.chapters()}
    for profile in profiles.names():
        settings = profiles.load(profile)
        for key in ((settings.get("book") or {}).get("timeouts") or {}):
            assert key in stems, f"{profile}.yaml: timeout for unknown notebook {key}"
        for key in settings.get("notebooks") or {}:
            assert key in stems, f"{profile}.yaml: parameters for unknown notebook {key}"
