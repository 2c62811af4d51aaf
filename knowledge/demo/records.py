"""The knowledge demo's records, read from ``knowledge/demo/data/``: the shape of each file, then the files.

Category paths and problem titles are checked against the files when they are read; the CMDB names (services,
CIs, groups) are looked up when loading, and skipped when the CMDB does not hold them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from knowledge.choices import ArticleKind, ArticleStatus, FixStatus, ProblemState
from servicedesk.demo_data import DemoDataError, MarkdownFile, read_demo_data, show

DATA = Path(__file__).parent / "data"

# A category is named by its path from the top: ("Hardware", "Printer", "Paper jam").
CategoryPath = tuple[str, ...]


@dataclass(frozen=True)
class CategorySpec:
    path: CategoryPath
    description: str = ""
    active: bool = True


@dataclass(frozen=True)
class ProblemSpec:
    title: str
    state: ProblemState
    description: str
    category: CategoryPath
    owner_group: str
    root_cause: str = ""
    services: tuple[str, ...] = ()
    cis: tuple[str, ...] = ()
    age_days: int = 30


@dataclass(frozen=True)
class Used:
    times: int
    days_ago: int


@dataclass(frozen=True)
class KnownErrorSpec:
    """A known error; ``workaround`` holds the steps (numbered when loaded)."""

    title: str
    symptoms: str
    cause: str
    workaround: tuple[str, ...]
    fix: FixStatus
    categories: tuple[CategoryPath, ...]
    services: tuple[str, ...] = ()
    cis: tuple[str, ...] = ()
    problem: str = ""
    draft: bool = False
    used: Used | None = None
    age_days: int | None = None


@dataclass(frozen=True)
class ArticleSpec:
    title: str
    kind: ArticleKind
    category: CategoryPath
    body: MarkdownFile
    services: tuple[str, ...] = ()
    author: str = "operator"
    status: ArticleStatus = ArticleStatus.PUBLISHED
    age_days: int = 120


@dataclass(frozen=True)
class _Categories:
    categories: tuple[CategorySpec, ...]


@dataclass(frozen=True)
class _Problems:
    problems: tuple[ProblemSpec, ...]


@dataclass(frozen=True)
class _KnownErrors:
    known_errors: tuple[KnownErrorSpec, ...]


@dataclass(frozen=True)
class _Articles:
    articles: tuple[ArticleSpec, ...]


CATEGORIES = read_demo_data(DATA / "categories.toml", _Categories).categories
PROBLEMS = read_demo_data(DATA / "problems.toml", _Problems).problems
_KNOWN_ERRORS_BY_FILE = {
    name: read_demo_data(DATA / name, _KnownErrors).known_errors
    for name in ("known_errors_workplace.toml", "known_errors_systems.toml")
}
KNOWN_ERRORS = tuple(known_error for specs in _KNOWN_ERRORS_BY_FILE.values() for known_error in specs)
ARTICLES = read_demo_data(DATA / "articles.toml", _Articles).articles


def category_rows() -> list[tuple[CategoryPath, str, bool]]:
    """The tree as (path, description, active), parents before their children."""
    return [(category.path, category.description, category.active) for category in CATEGORIES]


def _check() -> None:
    """Every category path and problem title a file names is one the files define."""
    paths: set[CategoryPath] = set()

    def expect(file: str, where: str, known: set, what: str, names: Iterable) -> None:
        for name in names:
            if name not in known:
                raise DemoDataError(DATA / file, where, f"no {what} {show(name)}")

    for n, category in enumerate(CATEGORIES):
        if len(category.path) > 1:
            expect("categories.toml", f"categories[{n}].path", paths, "parent category", [category.path[:-1]])
        paths.add(category.path)
    titles = {problem.title for problem in PROBLEMS}
    for n, problem in enumerate(PROBLEMS):
        expect("problems.toml", f'problems[{n}] ("{problem.title}").category', paths, "category", [problem.category])
    for name, specs in _KNOWN_ERRORS_BY_FILE.items():
        for n, known_error in enumerate(specs):
            where = f'known_errors[{n}] ("{known_error.title}")'
            expect(name, f"{where}.categories", paths, "category", known_error.categories)
            expect(name, f"{where}.problem", titles | {""}, "problem titled", [known_error.problem])
    for n, article in enumerate(ARTICLES):
        expect("articles.toml", f'articles[{n}] ("{article.title}").category', paths, "category", [article.category])


_check()
