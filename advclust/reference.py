"""The results tables of the four papers, as tidy data.

Every number here is transcribed from the plain-text papers in
``shared/papers`` (see its README): DCAN Table 2; PFCA Tables I-VI and the
supplement's USPS-variants table ("supp-I"); Dual-AAE Tables I-IV;
SIMI-ClusterGAN Tables II-VI.  One row is one printed cell, a
:class:`ReportedValue`.  Cells printed as "-" or "N/A" are not rows.

Conventions
-----------
* ``value`` is on the [0, 1] scale for accuracy-like metrics (``acc``,
  ``nmi``, ``ari``, ``rejection_rate``): tables printed in percent (Dual-AAE
  Tables I and IV) are divided by 100, exactly (via :class:`decimal.Decimal`).
  Other metrics keep the printed unit: ``seconds_per_epoch`` (Dual-AAE
  Table III, whose unit the paper does not state), ``modes`` (a count),
  ``kl`` (nats as printed), ``n_class0`` .. ``n_class9`` (sample counts) and
  ``ui`` (PFCA's uniformity index, in [0, 1]).
* ``method`` is the printed name without its reference number (kept in
  ``note``); each paper's own row ("Ours", "DCAN (proposed)") is renamed to
  the paper's method name: "PFCA", "DCAN", "Dual-AAE", "SIMI-ClusterGAN".
  PFCA Table VI's "Ours*" (the variant trained with invariance knowledge) is
  "PFCA*".  Rows describing data rather than a method (PFCA supp-I) have
  ``method == ""``.
* ``statistic`` is ``min``/``max``/``median`` where the paper prints those
  columns (PFCA I-V; literature values it places in the "Med" column are
  ``median``, as the paper says it treats them), ``mean``/``std`` for
  Dual-AAE Table II, and ``value`` for single numbers whose statistic the
  paper does not state.  PFCA Table VI: PFCA rows are ``median`` (its caption
  says so), the literature rows ``value``.
* ``quoted`` is True where the paper says the number comes from the
  literature: PFCA's ``*`` marks and its Table VI caption; Dual-AAE's prose
  ("for the rest methods, we cite the best results reported ...") for every
  Table I method it did not run; SIMI-ClusterGAN's Tables II and III mark the
  authors' own simulations with ``*``, so there the unmarked comparison rows
  are quoted and ``*`` rows are not (their note says "simulated").  DCAN
  prints an author-year citation beside every comparison method but does not
  say whether the number was rerun, so its rows are not quoted; nor are the
  unmarked rows of tables without such a statement.

Dropped and doubtful cells are listed in :data:`DROPPED` and
:data:`CAVEATS`.  In short: the ARI columns of PFCA Table IV (ORL) are
garbled in the text (three numbers under six header cells, and for PFCA they
repeat its NMI numbers), so all ORL ARI cells are dropped; ACC and NMI there
are kept.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields, replace
from decimal import Decimal
from functools import lru_cache

import pandas as pd

from advclust.errors import check_choice

__all__ = [
    "ARCHITECTURES",
    "BASELINE_NAMES",
    "CAVEATS",
    "DROPPED",
    "METRIC_RANGES",
    "PFCA_SYNTHETIC_CLAIMS",
    "REPORTED",
    "TABLES",
    "VARIANTS",
    "ReportedValue",
    "papers",
    "reported",
    "table",
]

_INF = float("inf")


@dataclass(frozen=True)
class ReportedValue:
    """One printed cell of a results table."""

    paper: str
    table: str
    dataset: str
    method: str
    metric: str
    statistic: str
    value: float
    quoted: bool = False
    note: str = ""


_CITATIONS: dict[str, str] = {
    "dcan": (
        "K.-L. Lim, \"Deep clustering using adversarial net based clustering loss\", "
        "ICLR 2025 Workshop on Deep Generative Model in Machine Learning: Theory, Principle "
        "and Efficacy (DeLTa), arXiv:2412.08933."
    ),
    "pfca": (
        "Y. Gan, X. Dong, H. Zhou, F. Gao, J. Dong, \"Learning the Precise Feature for "
        "Cluster Assignment\", IEEE Transactions on Cybernetics 52, 2022, "
        "doi:10.1109/TCYB.2021.3079914, arXiv:2106.06159."
    ),
    "dual-aae": (
        "P. Ge, C.-X. Ren, J. Feng, S. Yan, \"Dual Adversarial Auto-Encoders for "
        "Clustering\", arXiv:2008.10038, 2020."
    ),
    "simi-clustergan": (
        "T. Dam, S. G. Anavatti, H. A. Abbass, \"Improving ClusterGAN Using "
        "Self-Augmented Information Maximization of Disentangling Latent Spaces\", "
        "arXiv:2107.12706, 2021."
    ),
}

#: Valid range of each metric's ``value`` (inclusive).
METRIC_RANGES: dict[str, tuple[float, float]] = {
    "acc": (0.0, 1.0),
    "nmi": (0.0, 1.0),
    "ari": (-1.0, 1.0),
    "purity": (0.0, 1.0),
    "rejection_rate": (0.0, 1.0),
    "ui": (0.0, 1.0),
    "modes": (0.0, _INF),
    "kl": (0.0, _INF),
    "seconds_per_epoch": (0.0, _INF),
    **{f"n_class{i}": (0.0, _INF) for i in range(10)},
}

DROPPED: list[str] = [
    "pfca Table IV (ORL): every ARI cell. The header promises Min/Max/Med x "
    "(identity, gender) = 6 ARI cells per row, but each flattened row holds only 3 "
    "numbers there, and for PFCA ('Ours') those 3 repeat its NMI min-identity, "
    "min-gender and max-identity values (0.875, 0.615, 0.902); which cells they are "
    "cannot be told, so none is kept. ACC and NMI (interleaved identity/gender, "
    "checked min <= median <= max in every row) are kept.",
    "pfca supplement: no per-variant results table for USPS1500..USPS700 exists in "
    "the text (the trend is only in Fig. 5a of the main paper); only the "
    "class-count/UI table is transcribed.",
    "pfca prose timings (38 h training for MNIST etc., 0.03 ms per instance) are "
    "not a table and are not transcribed.",
    "dcan Table 1 (qualitative comparison of adversarial strategies) and "
    "simi-clustergan Table I (dataset sizes and latent dimensions) hold no results "
    "and are not transcribed.",
    "dcan: the 0.995 MNIST ACC with ResNet18 features is stated as 'not shown in "
    "Table 2' and is not transcribed.",
]

CAVEATS: list[str] = [
    "dcan Table 2: the prose says 'In Table 2, we observed that Kmeans alone can "
    "achieve an ACC of 0.6018' on Reuters-10k, but the flattened table has no K-means "
    "row; the value is kept as a K-means reuters10k row whose note says so.",
    "pfca supp-I: the supplement's prose calls the USPS-variants table 'Table II', its "
    "caption says 'TABLE I'; it is stored as table 'supp-I'. Its UI column agrees with "
    "the class counts (checked to 3 decimals).",
    "pfca Table V: the DDC/DDC-DA values are marked * (literature); the cited paper "
    "may report them on full USPS rather than USPS700.",
    "simi-clustergan Table II: the flattened header is garbled ('N INIST', "
    "'Fashio on-MNIST', 'U SPS', 'Pe ndigits', '10 \\times _73 k') but every row has "
    "10 cells in MNIST, Fashion-MNIST, USPS, Pendigits, 10x73k order (ACC, NMI each); "
    "the prose confirms MNIST, USPS, Pendigits and 10x73k cells. Its prose gives "
    "Fashion-MNIST ACC/NMI 0.721/0.675 for SIMI-ClusterGAN while the table (and "
    "Table IV's 'all losses' row) give 0.745/0.705; the table is kept.",
    "simi-clustergan Table IV prints NMI before ACC; the rows keep that order.",
    "simi-clustergan Tables V and VI mark nothing; their rows are not quoted even "
    "where a value equals a Table II literature value (ClusterGAN MNIST 0.950/0.890).",
    "dual-aae Table II is printed with methods as columns and metrics as rows; it is "
    "stored (and returned by table()) with methods as rows.",
    "dual-aae Table III: the unit of the per-epoch training time is not printed; "
    "seconds is assumed (metric 'seconds_per_epoch').",
    "dual-aae Table I 'reuters' is the full REUTERS subset (685,071 documents, 4 "
    "classes), not Reuters-10k; its STL-10 inputs are ResNet-50 features.",
]

# --------------------------------------------------------------------------
# Building rows from literal blocks that mirror the printed tables.

_Col = tuple[str, str, str] | None  # (dataset, metric, statistic); None: cell dropped
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_REF = re.compile(r"^(.*?)\s*\[([^\]]+)\]$")
_SETTING = re.compile(r"^(.*?)\s*\{([^}]*)\}$")


def _as_list(x: str | Sequence[str]) -> list[str]:
    return [x] if isinstance(x, str) else list(x)


def _grid(
    nesting: tuple[str, str, str],
    dataset: str | Sequence[str],
    metric: str | Sequence[str],
    statistic: str | Sequence[str],
) -> list[_Col]:
    """Column specs for a printed header; ``nesting`` names levels outermost first."""
    levels = {"dataset": _as_list(dataset), "metric": _as_list(metric), "statistic": _as_list(statistic)}
    cols: list[_Col] = []
    for combo in itertools.product(*(levels[name] for name in nesting)):
        cell = dict(zip(nesting, combo))
        cols.append((cell["dataset"], cell["metric"], cell["statistic"]))
    return cols


_DMS = ("dataset", "metric", "statistic")

# Printed column order of each table, recorded by _block for table().
_COLUMN_ORDER: dict[tuple[str, str], list[tuple[str, str, str]]] = {}


def _block(
    paper: str,
    table: str,
    columns: Sequence[_Col],
    body: str,
    *,
    percent: bool = False,
    star: str = "quoted",
    cited: str | Iterable[str] = (),
    own: Iterable[str] = (),
    cited_note: str = "",
    rename: dict[str, str] | None = None,
    note: str = "",
    dataset_notes: dict[str, str] | None = None,
    rows_are: str = "method",
) -> list[ReportedValue]:
    """Rows from a literal table block.

    Each body line is ``label | cell cell ...`` with one cell per column spec
    (``a±b`` counts as two cells).  A label may end in ``[ref]`` (kept in the
    note) and ``{setting}`` (kept in the note).  ``-``/``N/A`` cells are skipped;
    a trailing ``*`` means "from the literature" (``star="quoted"``) or
    "simulated by the authors" (``star="simulated"``).  ``cited`` lists methods
    the paper says it quotes unmarked (``"others"``: every method not in
    ``own`` and not renamed), explained by ``cited_note``.  With
    ``rows_are="dataset"`` the label is the dataset (lower-cased) and
    ``method`` is ``""``.
    """
    rename = rename or {}
    dataset_notes = dataset_notes or {}
    own = set(own)
    _COLUMN_ORDER.setdefault((paper, table), []).extend(c for c in columns if c is not None)
    rows: list[ReportedValue] = []
    for line in body.strip().splitlines():
        label, _, cells_text = (part.strip() for part in line.partition("|"))
        cells = cells_text.replace("±", " ").split()
        if len(cells) != len(columns):
            raise ValueError(f"{paper} {table} {label!r}: {len(cells)} cells, {len(columns)} columns")
        row_notes: list[str] = []
        m = _SETTING.match(label)
        if m:
            label, setting = m.groups()
            row_notes.append(setting)
        m = _REF.match(label)
        if m:
            label, ref = m.groups()
            row_notes.append(f"ref [{ref}]" if ref.isdigit() else f"ref {ref}")
        method = rename.get(label, label)
        if method != label:
            row_notes.append(f"printed as '{label}'")
        cites_unmarked = method not in own and label not in rename and (
            cited == "others" or (not isinstance(cited, str) and method in set(cited))
        )
        for col, cell in zip(columns, cells):
            if col is None or cell in ("-", "N/A"):
                continue
            starred = cell.endswith("*")
            number = cell.rstrip("*")
            if not _NUMBER.match(number):
                raise ValueError(f"{paper} {table} {label!r}: bad cell {cell!r}")
            exact = Decimal(number) / 100 if percent else Decimal(number)
            notes = [note] if note else []
            notes += [dataset_notes[col[0]]] if col[0] in dataset_notes else []
            notes += row_notes
            if starred and star == "quoted":
                quoted = True
                notes.append("marked * (reported in the literature)")
            elif starred:
                quoted = False
                notes.append("marked * (simulated by the authors)")
            else:
                quoted = cites_unmarked
                notes += [cited_note] if quoted and cited_note else []
            dataset, metric, statistic = col
            if rows_are == "dataset":
                dataset, method = label.lower(), ""
            rows.append(
                ReportedValue(
                    paper, table, dataset, method, metric, statistic, float(exact), quoted,
                    "; ".join(notes),
                )
            )
    return rows


# --------------------------------------------------------------------------
# DCAN (Lim): Table 2, ACC benchmark.

_DCAN = _block(
    "dcan", "2", _grid(_DMS, ["mnist", "reuters10k", "cifar10"], "acc", "value"),
    """
    ABC [Song et al. (2013)]       | 0.760  0.7019 0.435
    DEC [Xie et al. (2016)]        | 0.843  0.7217 0.469
    DC-GMM [Tian et al. (2017)]    | 0.8555 0.6906 -
    AAE [Makhzani et al. (2016)]   | 0.8348 0.6982 -
    IMSAT-RPT [Hu et al. (2017)]   | 0.896  0.719  0.455
    KINGDRA [Gupta et al. (2020)]  | 0.985  0.705  0.546
    DCAN (proposed)                | 0.8565 0.7867 0.5844
    """,
    rename={"DCAN (proposed)": "DCAN"},
) + [
    ReportedValue(
        "dcan", "2", "reuters10k", "K-means", "acc", "value", 0.6018, False,
        "from the prose of Sec. 3 ('In Table 2, we observed that Kmeans alone can "
        "achieve an ACC of 0.6018'); the flattened table has no K-means row",
    )
]

# --------------------------------------------------------------------------
# PFCA (Gan et al.): Tables I-VI and the supplement's USPS variants.

_PFCA_MSTAT = dict(metric=["acc", "nmi", "ari"], statistic=["min", "max", "median"])
_OURS = {"Ours": "PFCA", "Ours*": "PFCA*"}

_PFCA = (
    _block(
        "pfca", "I", _grid(_DMS, "mnist", **_PFCA_MSTAT),
        """
        NMF [82]         | -     -     0.545* -     -     0.608* -     -     0.430*
        K-means [13]     | 0.534 0.571 0.563  0.479 0.521 0.499  0.347 0.374 0.352
        SC [83]          | -     -     0.696* -     -     0.663* -     -     0.521*
        AC [23]          | -     -     0.695* -     -     0.609* -     -     0.481*
        DeCNN [84]       | -     -     0.818* -     -     0.758* -     -     0.669*
        GAN [64]         | -     -     0.828* -     -     0.764* -     -     0.736*
        DDC [48]         | -     -     0.965* -     -     0.916* -     -     -
        DDC-DA [48]      | -     -     0.970* -     -     0.927* -     -     -
        DAC [34]         | 0.745 0.813 0.804  0.782 0.836 0.820  0.678 0.756 0.728
        DEC [33]         | 0.862 0.864 0.864  0.833 0.835 0.835  0.797 0.801 0.800
        JULE [37]        | 0.948 0.964 0.960  0.901 0.926 0.912  0.913 0.927 0.922
        SpectralNet [39] | 0.967 0.971 0.969  0.920 0.924 0.921  0.931 0.934 0.933
        DCCM [58]        | 0.641 0.921 0.780  0.651 0.905 0.785  0.499 0.815 0.650
        Ours             | 0.915 0.984 0.958  0.922 0.978 0.944  0.855 0.951 0.912
        """,
        rename=_OURS,
    )
    + _block(
        "pfca", "II", _grid(_DMS, "fashion-mnist", **_PFCA_MSTAT),
        """
        DDC [48]         | -     -     0.619* -     -     0.682* -     -     -
        DDC-DA [48]      | -     -     0.609* -     -     0.661* -     -     -
        K-means [13]     | 0.254 0.354 0.331  0.172 0.307 0.256  0.181 0.271 0.249
        DEC [33]         | 0.469 0.478 0.477  0.492 0.504 0.501  0.320 0.331 0.330
        SpectralNet [39] | 0.488 0.523 0.505  0.519 0.529 0.523  0.329 0.347 0.337
        JULE [37]        | 0.423 0.505 0.486  0.594 0.652 0.639  0.342 0.421 0.390
        DAC [34]         | 0.435 0.591 0.531  0.487 0.584 0.552  0.371 0.459 0.414
        DCCM [58]        | 0.406 0.593 0.544  0.315 0.515 0.449  0.301 0.416 0.375
        Ours             | 0.685 0.754 0.721  0.689 0.749 0.719  0.524 0.589 0.555
        """,
        rename=_OURS,
    )
    + _block(
        "pfca", "III", _grid(_DMS, "artifact-mnist", **_PFCA_MSTAT),
        """
        K-means [13]     | 0.347 0.352 0.350 0.000 0.000 0.000 0.000 0.000 0.000
        DEC [33]         | 0.335 0.337 0.336 0.000 0.000 0.000 0.000 0.000 0.000
        SpectralNet [39] | 0.338 0.342 0.340 0.000 0.000 0.000 0.000 0.000 0.000
        JULE [37]        | 0.345 0.362 0.359 0.000 0.000 0.000 0.000 0.000 0.000
        DAC [34]         | 0.348 0.379 0.368 0.000 0.000 0.000 0.000 0.000 0.000
        DCCM [58]        | 0.322 0.349 0.332 0.000 0.000 0.000 0.000 0.000 0.000
        Ours             | 0.467 1.000 1.000 0.051 1.000 1.000 0.036 1.000 1.000
        """,
        rename=_OURS,
    )
    # ORL: each printed cell holds (identity, gender); the 3 trailing ARI numbers
    # per row cannot be placed (see DROPPED), hence the three None columns.
    + _block(
        "pfca", "IV",
        _grid(("metric", "statistic", "dataset"), ["orl-identity", "orl-gender"],
              ["acc", "nmi"], ["min", "max", "median"]) + [None, None, None],
        """
        DAC [34]         | 0.098 0.265 0.143 0.690 0.133 0.404  0.286 0.027 0.379 0.082 0.344 0.049  0.009 -0.020 0.052
        K-means [13]     | 0.715 0.900 0.800 0.900 0.751 0.900  0.842 0.018 0.885 0.020 0.864 0.019  0.570 -0.009 0.673
        DEC [33]         | 0.025 0.503 0.395 0.900 0.191 0.569  0.000 0.000 0.619 0.058 0.422 0.006  0.000 -0.039 0.203
        SpectralNet [39] | 0.025 0.888 0.448 0.892 0.025 0.890  0.000 0.007 0.670 0.009 0.000 0.008  0.000 -0.020 0.293
        JULE [37]        | 0.560 0.900 0.625 0.900 0.597 0.900  0.758 0.006 0.805 0.093 0.786 0.030  0.371 -0.084 0.480
        S2ConvSCN-l2 [36] | -    -     -     -     0.888* -     -     -     -     -     -     -      -     -      -
        S2ConvSCN-l1 [36] | -    -     -     -     0.895* -     -     -     -     -     -     -      -     -      -
        DCCM [58]        | 0.735 0.502 0.825 0.610 0.775 0.540  0.883 0.000 0.921 0.163 0.902 0.025  0.651 -0.016 0.764
        Ours             | 0.893 0.973 0.922 0.980 0.910 0.978  0.875 0.615 0.902 0.840 0.893 0.688  0.875 0.615 0.902
        """,
        rename=_OURS,
        dataset_notes={
            "orl-identity": "ground truth: identity (40 clusters)",
            "orl-gender": "ground truth: gender (2 clusters, 4 of 40 subjects female)",
        },
    )
    + _block(
        "pfca", "V", _grid(_DMS, "usps700", **_PFCA_MSTAT),
        """
        DDC [48]         | -     -     0.967* -     -     0.918* -     -     -
        DDC-DA [48]      | -     -     0.977* -     -     0.939* -     -     -
        DAC [34]         | 0.364 0.483 0.391  0.301 0.389 0.342  0.261 0.329 0.288
        K-means [13]     | 0.469 0.564 0.534  0.367 0.451 0.433  0.259 0.368 0.344
        DEC [33]         | 0.605 0.748 0.696  0.626 0.717 0.682  0.464 0.626 0.572
        SpectralNet [39] | 0.827 0.877 0.835  0.860 0.898 0.865  0.788 0.876 0.799
        JULE [37]        | 0.856 0.954 0.877  0.862 0.893 0.888  0.802 0.908 0.840
        DCCM [58]        | 0.153 0.328 0.293  0.134 0.246 0.201  0.056 0.332 0.119
        Ours             | 0.933 0.985 0.981  0.936 0.978 0.971  0.885 0.967 0.957
        """,
        rename=_OURS,
    )
    # Table VI: comparison rows are single literature numbers ("value"); the
    # caption says PFCA's are medians of 10 runs, so those are split off below.
    + [
        r if r.method not in _OURS.values()
        else replace(r, statistic="median", note=f"{r.note}; median of 10 runs (caption)")
        for r in _block(
            "pfca", "VI",
            _grid(_DMS, ["cifar10", "imagenet10"], ["acc", "nmi", "ari"], "value"),
            """
            K-means [13] | 0.229 0.087 0.049 0.241 0.119 0.057
            SC [83]      | 0.247 0.103 0.085 0.274 0.151 0.076
            AC [23]      | 0.228 0.105 0.065 0.242 0.138 0.067
            NMF [82]     | 0.190 0.081 0.034 0.230 0.132 0.065
            AE [88]      | 0.314 0.239 0.169 0.317 0.210 0.152
            SAE [89]     | 0.297 0.247 0.156 0.325 0.212 0.174
            DAE [75]     | 0.297 0.251 0.163 0.304 0.206 0.138
            DeCNN [84]   | 0.282 0.240 0.174 0.313 0.186 0.142
            SWWAE [76]   | 0.284 0.233 0.164 0.324 0.176 0.160
            GAN [64]     | 0.315 0.265 0.176 0.346 0.225 0.157
            JULE [37]    | 0.272 0.192 0.138 0.300 0.175 0.138
            DEC [33]     | 0.301 0.257 0.161 0.381 0.282 0.203
            DAC [34]     | 0.522 0.396 0.306 0.527 0.394 0.302
            DCCM [58]    | 0.623 0.496 0.408 0.710 0.608 0.555
            Ours         | 0.330 0.315 0.014 0.368 0.377 0.030
            Ours*        | 0.440 0.421 0.223 0.487 0.492 0.310
            """,
            cited="others",
            cited_note="caption: all results of the comparison methods are reported in literature",
            rename=_OURS,
        )
    ]
    # Supplement Table I: class counts of the USPS variants and their UI (eq. 9);
    # rows are datasets, not methods.
    + _block(
        "pfca", "supp-I",
        _grid(_DMS, "", [f"n_class{i}" for i in range(10)] + ["ui"], "value"),
        """
        USPS1500 | 1500 1200 900 800 800 700 800 700 700 800 0.985
        USPS1200 | 1200 1200 900 800 800 700 800 700 700 800 0.991
        USPS900  |  900  900 900 800 800 700 800 700 700 800 0.998
        USPS800  |  800  800 800 800 800 700 800 700 700 800 0.999
        USPS700  |  700  700 700 700 700 700 700 700 700 700 1.000
        """,
        rows_are="dataset",
        note="dataset description (class counts, uniformity index), not a result",
    )
)

# --------------------------------------------------------------------------
# Dual-AAE (Ge et al.): Tables I-IV, printed in percent where noted.

_DUAL_AAE = (
    _block(
        "dual-aae", "I", _grid(_DMS, ["mnist", "hhar", "stl10", "reuters"], "acc", "value"),
        """
        K-means              | 53.55 60.08 64.86 54.04
        N-Cuts               | 44.83 53.60 64.23 N/A
        GMM                  | 53.73 60.34 72.44 55.81
        VAE+GMM              | 72.94 68.02 78.86 70.98
        DEC                  | 84.30 79.86 80.62 75.63
        GMVAE                | 88.54 -     -     -
        DEPICT               | 96.50 -     -     -
        AAE                  | 84.10 83.77 81.24 75.12
        CatGAN               | 84.61 80.77 83.08 75.9
        InfoGAN              | 96.33 83.37 82.14 75.33
        VaDE                 | 94.46 84.45 84.46 79.38
        Dual-AAE(without CR) | 97.04 85.94 86.85 79.56
        Dual-AAE             | 97.86 86.79 89.15 81.45
        """,
        percent=True,
        # "For the rest methods, we cite the best results reported either from
        # the original work or from [24]" (Sec. IV-B); the others were run.
        cited=["K-means", "N-Cuts", "GMM", "VAE+GMM", "DEC", "GMVAE", "DEPICT", "VaDE"],
        cited_note="Sec. IV-B: best result cited from the original work or from VaDE [24]",
        dataset_notes={
            "stl10": "ResNet-50 features (2048-d)",
            "reuters": "REUTERS, 685,071 documents, 4 classes, 2000-d tf-idf",
        },
    )
    # Printed transposed (methods as columns): mean±std over 10 runs on MNIST.
    + _block(
        "dual-aae", "II", _grid(_DMS, "mnist", ["modes", "kl"], ["mean", "std"]),
        """
        AAE                  | 8.10±2.99 0.38±0.68
        Dual-AAE(without CR) | 8.20±3.79 0.48±0.96
        Dual-AAE             | 10±0      0.0026±0.00028
        """,
        note="kl is KL(q(y) || p(y))",
    )
    + _block(
        "dual-aae", "III", _grid(_DMS, ["mnist", "hhar", "stl10"], "seconds_per_epoch", "value"),
        """
        AAE      | 40.55 4.82 5.35
        InfoGAN  | 46.23 3.59 3.87
        Dual-AAE | 75.24 6.31 7.02
        """,
        note="training time per epoch on one TITAN Xp; unit not printed, seconds assumed",
    )
    + _block(
        "dual-aae", "IV", _grid(_DMS, "mnist", ["rejection_rate", "acc"], "value"),
        """
        Dual-AAE {no reject option} | 0.00 97.86
        Dual-AAE {threshold=0.50}   | 0.89 98.22
        Dual-AAE {threshold=0.60}   | 1.60 98.51
        Dual-AAE {threshold=0.90}   | 8.16 99.39
        """,
        percent=True,
    )
)

# --------------------------------------------------------------------------
# SIMI-ClusterGAN (Dam et al.): Tables II-VI.  In Tables II and III "*" marks
# the authors' own simulations; the unmarked comparison rows are quoted.

_SIMI = "SIMI-ClusterGAN"
_SIMI_ACC_NMI = ["acc", "nmi"]

_SIMI_CLUSTERGAN = (
    _block(
        "simi-clustergan", "II",
        _grid(_DMS, ["mnist", "fashion-mnist", "usps", "pendigits", "10x73k"], _SIMI_ACC_NMI, "value"),
        """
        K-means [9]      | 0.532 0.500 0.474 0.501 0.668  0.601  0.793 0.730 0.623 0.577
        NMF [52]         | 0.471 0.452 0.500 0.510 0.652  0.693  0.670 0.580 0.710 0.690
        SC [53]          | 0.656 0.731 0.660 0.704 0.649  0.794  0.700 0.690 0.400 0.290
        AGGLO [54]       | 0.640 0.650 0.550 0.570 -      -      0.700 0.690 0.630 0.580
        DEC [5]          | 0.863 0.834 0.518 0.546 0.762  0.767  -     -     -     -
        DCN [4]          | 0.802 0.786 0.563 0.608 -      -      0.720 0.690 -     -
        JULE [25]        | 0.964 0.913 0.563 0.608 0.950  0.913  -     -     -     -
        DEPICT [55]      | 0.965 0.917 0.392 0.392 0.899  0.906  -     -     -     -
        SpectralNet [56] | 0.800 0.814 -     -     -      -      -     -     -     -
        Dual-AE [6]      | 0.978 0.941 0.662 0.645 0.869  0.857  -     -     -     -
        InfoGAN [24]     | 0.890 0.860 0.610 0.590 -      -      0.720 0.730 0.620 0.580
        ClusterGAN [7]   | 0.950 0.890 0.630 0.640 0.798* 0.703* 0.770 0.730 0.810 0.730
        GAN with bp [7]  | 0.950 0.900 0.560 0.530 -      -      0.760 0.710 0.650 0.59
        CaTGAN [57]      | 0.890 0.900 0.550 0.600 -      -      -     -     -     -
        GANMM [58]       | 0.640 0.610 0.340 0.270 -      -      -     -     -     -
        NEMGAN_v [23]    | 0.960 0.910 0.650 0.610 -      -      -     -     -     -
        SIMI-ClusterGAN  | 0.986 0.958 0.745 0.705 0.951  0.894  0.857 0.825 0.917 0.878
        """,
        star="simulated",
        cited="others",
        own=[_SIMI],
        cited_note="unmarked; the legend marks only the authors' simulations with *",
    )
    + _block(
        "simi-clustergan", "III", _grid(_DMS, ["cifar10", "stl10"], _SIMI_ACC_NMI, "value"),
        """
        K-means [44]         | 0.344  -      0.856  -
        DAE+KMeans [44]      | 0.442  -      0.722  -
        DEC [44]             | 0.469  -      0.781  -
        Linear RIM [44]      | 0.403  -      0.735  -
        Deep RIM [44]        | 0.403  -      0.925  -
        Linear IMSAT [44]    | 0.407  -      0.917  -
        IMSAT(RPT) [44]      | 0.455  -      0.928  -
        IMSAT(VAT) [44]      | 0.456  -      0.941  -
        VADE [61]            | -      -      0.844  -
        DDG [6]              | -      -      0.905  -
        Sarfaraz [62]        | -      -      0.952  -
        ClusterGAN           | 0.159* 0.025* 0.126* 0.096*
        SIMI-ClusterGAN      | 0.512  0.412  0.954  0.861
        """,
        star="simulated",
        cited="others",
        own=[_SIMI],
        cited_note="unmarked; the legend marks only the authors' simulations with *",
        note="clustering in a ResNet-50 feature space (2048-d), per the caption and Sec. IV-D",
    )
    # Ablation on Fashion-MNIST; printed NMI before ACC.
    + _block(
        "simi-clustergan", "IV", _grid(_DMS, "fashion-mnist", ["nmi", "acc"], "value"),
        """
        J_ce + J_mse                 | 0.5796 0.5853
        J_ce + J_mse + J_rec         | 0.6580 0.6996
        J_ce + J_mse + J_rec + J_cm  | 0.6620 0.7056
        all losses                   | 0.7053 0.7459
        """,
        note="SIMI-ClusterGAN trained with only these losses",
    )
    + _block(
        "simi-clustergan", "V", _grid(_DMS, ["mnist", "cifar10"], _SIMI_ACC_NMI, "value"),
        r"""
        ClusterGAN              | 0.950 0.890 0.159 0.025
        SIMI-ClusterGAN \P_phi | 0.972 0.921 0.228 0.067
        """,
        rename={r"SIMI-ClusterGAN \P_phi": "SIMI-ClusterGAN w/o P_phi"},
        note="uniform prior",
    )
    + _block(
        "simi-clustergan", "VI",
        _grid(_DMS, ["mnist-imbalanced-1", "mnist-imbalanced-3"], _SIMI_ACC_NMI, "value"),
        """
        ClusterGAN      | 0.892 0.836 0.812 0.787
        SIMI-ClusterGAN | 0.969 0.923 0.949 0.909
        """,
        dataset_notes={
            "mnist-imbalanced-1": "printed '1-Class': training keeps 0.1 of digit 0; full 10k test set",
            "mnist-imbalanced-3": (
                "printed '3-Classes': training keeps 0.1/0.3/0.5 of digits 1/3/5; full 10k test set"
            ),
        },
    )
)

# --------------------------------------------------------------------------
# Public API.

#: Every transcribed cell, in paper order and, within a table, in printed order.
REPORTED: tuple[ReportedValue, ...] = tuple(_DCAN + _PFCA + _DUAL_AAE + _SIMI_CLUSTERGAN)

#: Tables per paper, in order of appearance.
TABLES: dict[str, tuple[str, ...]] = {
    paper: tuple(dict.fromkeys(r.table for r in REPORTED if r.paper == paper))
    for paper in _CITATIONS
}

_COLUMNS = [f.name for f in fields(ReportedValue)]
_LEVELS = ("dataset", "metric", "statistic")

# Wide layout where the default (rows: method; columns: the varying ones of
# dataset > metric > statistic) would not match the printed table.
_LAYOUT: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("pfca", "IV"): (("method",), ("metric", "statistic", "dataset")),
    ("pfca", "VI"): (("method",), ("dataset", "metric")),
    ("pfca", "supp-I"): (("dataset",), ("metric",)),
    ("dual-aae", "IV"): (("method", "note"), ("metric",)),
}


def papers() -> dict[str, str]:
    """Paper key -> full citation."""
    return dict(_CITATIONS)


@lru_cache(maxsize=1)
def _frame() -> pd.DataFrame:
    return pd.DataFrame([astuple(r) for r in REPORTED], columns=_COLUMNS)


def reported(
    paper: str | Sequence[str] | None = None,
    table: str | Sequence[str] | None = None,
    dataset: str | Sequence[str] | None = None,
    method: str | Sequence[str] | None = None,
    metric: str | Sequence[str] | None = None,
    statistic: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Reported values as a tidy frame, one row per cell; each filter takes a value or a list.

    Unknown filter values simply match nothing.
    """
    df = _frame()
    filters = dict(paper=paper, table=table, dataset=dataset, method=method, metric=metric, statistic=statistic)
    mask = pd.Series(True, index=df.index)
    for column, wanted in filters.items():
        if wanted is not None:
            mask &= df[column].isin(_as_list(wanted))
    return df[mask].reset_index(drop=True)


def table(paper: str, table: str) -> pd.DataFrame:
    """One printed table as a wide frame (rows: method; columns as the paper lays them out).

    Cells the paper leaves empty are NaN.  Raises
    :class:`advclust.errors.UnknownChoiceError` for an unknown paper or table.
    """
    check_choice("paper", paper, TABLES)
    check_choice(f"table of {paper}", table, TABLES[paper])
    df = reported(paper=paper, table=table)
    index, columns = _LAYOUT.get(
        (paper, table),
        (("method",), tuple(c for c in _LEVELS if df[c].nunique() > 1)),
    )
    keys = list(index) + list(columns)
    if df.duplicated(keys).any():
        raise AssertionError(f"layout {keys} does not identify the cells of {paper} {table}")
    wide = df.set_index(keys)["value"].unstack(list(columns))
    row_order = list(dict.fromkeys(_keys(df, index)))
    # Columns in printed order (the block's header), keeping only those with data.
    printed = pd.DataFrame(_COLUMN_ORDER[(paper, table)], columns=list(_LEVELS))
    present = set(_keys(df, columns))
    col_order = [k for k in dict.fromkeys(_keys(printed, columns)) if k in present]
    return wide.reindex(index=row_order, columns=col_order)


def _keys(df: pd.DataFrame, levels: Sequence[str]) -> list:
    """Keys in row order: scalars for one level, tuples for several."""
    if len(levels) == 1:
        return df[levels[0]].tolist()
    return list(df[list(levels)].itertuples(index=False, name=None))


# --------------------------------------------------------------------------
# Qualitative claims without a table.

#: PFCA's synthetic experiment (PFCA §IV-B, supplement Fig. 2) reports no numbers,
#: only which generator inputs work: "when feeding 0, 1, 2 or 4 noise variables into the
#: generator, the framework can exploit the centers of the gaussian blobs as the cue ...
#: when 3 or 8 noise variables are fed in, the generator begins to generate samples
#: completely deviating from the true distribution". Keyed by the number of noise variables.
PFCA_SYNTHETIC_CLAIMS: dict[int, str] = {0: "succeeds", 1: "succeeds", 2: "succeeds", 3: "degrades",
                                         4: "succeeds", 8: "degrades"}


# --------------------------------------------------------------------------
# The papers' settings, as constructor parameters of the methods (plain data).

#: How the papers' tables print each classical baseline (PFCA Tables I and VI, Dual-AAE Table I,
#: SIMI-ClusterGAN Tables II and III), keyed by method name. N-Cuts (normalised cuts, Dual-AAE Table I)
#: is a spectral clustering and is shown beside it.
BASELINE_NAMES: dict[str, tuple[str, ...]] = {
    "kmeans": ("K-means",), "gmm": ("GMM",), "spectral": ("SC", "N-Cuts"),
    "agglomerative": ("AC", "AGGLO"), "nmf": ("NMF",),
}

#: Network sizes per method, then dataset, as constructor parameters (``n_clusters`` comes from the data).
ARCHITECTURES: dict[str, dict[str, dict]] = {
    # DCAN §3 (the input size comes from the data): encoder x-hidden-latent, discriminator latent-hidden-1.
    "dcan": {
        "mnist": dict(encoder_hidden=[384], latent_dim=256, discriminator_hidden=[16]),  # 196-384-256, 256-16-1
        "cifar10-resnet50": dict(encoder_hidden=[1024, 512], latent_dim=128,
                                 discriminator_hidden=[16]),  # 2048-1024-512-128, 128-16-1
        "reuters10k": dict(encoder_hidden=[100], latent_dim=500, discriminator_hidden=[100]),  # 2000-100-500, 500-100-1
    },
    # Dual-AAE appendix.
    "dual-aae": {
        "mnist": dict(architecture="conv28", style_dim=3, noise_dim=1, conv_channels=(64, 128, 1024, 128)),
        "stl10-resnet50": dict(architecture="mlp", style_dim=4, noise_dim=4, encoder_hidden=(500, 500, 500),
                               decoder_hidden=(2000, 500, 1000)),
        "hhar": dict(architecture="mlp", style_dim=4, noise_dim=2, encoder_hidden=(1000, 1000, 500, 500),
                     decoder_hidden=(500, 500, 1000, 1000)),
    },
    # Latent sizes (z_n, z_M) of SIMI-ClusterGAN Table I, for ClusterGAN and SIMI-ClusterGAN.
    "clustergan": {
        "mnist": dict(noise_dim=30, n_clusters=10), "fashion-mnist": dict(noise_dim=30, n_clusters=10),
        "usps": dict(noise_dim=30, n_clusters=10), "pendigits": dict(noise_dim=5, n_clusters=10),
        "10x73k": dict(noise_dim=30, n_clusters=8), "cifar10": dict(noise_dim=50, n_clusters=10),
        "stl10": dict(noise_dim=100, n_clusters=10),
    },
}

#: Rows of the papers' tables that are flags of one estimator: method, then the row's printed name, then
#: its constructor parameters.
VARIANTS: dict[str, dict[str, dict]] = {
    # Dual-AAE Tables I-II: Dual-AAE, Dual-AAE without CR (Eq. 8), AAE.
    "dual-aae": {
        "Dual-AAE": {},
        "Dual-AAE(without CR)": {"clustering_regularization": False, "adversarial_category": True},
        "AAE": {"dual": False, "clustering_regularization": False, "adversarial_category": True},
    },
    # DCAN: the assignment of Eqs. 5 and 19 (the default), and Eq. 22 as printed (without the precisions).
    "dcan": {
        "DCAN": {"assign_with_precision": True},
        "DCAN, Eq. 22 as printed": {"assign_with_precision": False},
        # Issue 13: changes NOT in the paper, each on top of "DCAN" (notebooks/02f_mnist_dcan_variants.py).
        "DCAN + Adam (both networks)": {"optimizer": "adam"},
        "DCAN + Adam for D": {"discriminator_optimizer": "adam"},
        "DCAN + 5 D steps per encoder step": {"discriminator_steps": 5},
        "DCAN + positives at the means": {"positives": "mean"},
        "DCAN + linear latent": {"latent_activation": "linear"},
        "DCAN + Adam + marginal entropy": {"optimizer": "adam", "marginal_entropy_weight": 1.0},
        "DCAN + 5000 iterations": {"n_iterations": 5000},
        "DCAN + AE pretraining": {"pretrain_epochs": 10},
        "DCAN + AE pretraining, 10-d latent, reconstruction, Adam for D": {
            "pretrain_epochs": 10, "latent_dim": 10, "reconstruction_weight": 1.0, "discriminator_optimizer": "adam"},
    },
}
