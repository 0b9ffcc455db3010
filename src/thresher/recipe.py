"""Recipes: which reader options, steps and writer a run uses. Loaded from and dumped to YAML
(round-trip exact), validated once, before any record is read."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from thresher.bounds import within_bounds
from thresher.document import Document
from thresher.errors import ConfigError
from thresher.readers.base import MAX_RECORD_BYTES
from thresher.steps import CorpusStep, Step, StepStats, load_steps, step_class

FORMAT_VERSION = 1
WRITER_FORMATS = ("jsonl", "parquet")


@dataclass(frozen=True, kw_only=True)
class ReaderOptions:
    """How records are read, and how big a record may be.

    `text_field`/`id_field` name the JSONL and Parquet columns; with no id field (or an empty
    one) ids come from the source file and the record's position. A record over
    `max_record_bytes` is quarantined unread (memory stays bounded, also for a compressed
    stream that inflates without end); a document over `max_chars` characters or `max_lines`
    lines is rejected as `too-large` or `too-many-lines` before any step sees it (so the time a
    record costs is bounded). A fetched page (WARC, ARC, HTML) over `max_record_bytes` or the
    extractor's 8 MiB is rejected `page-too-large`, unread.

    `extract`: whether the WARC, ARC and HTML readers extract a page's main text; `false` makes
    the text the page's decoded HTML (metadata as usual, less what the page says about itself),
    for the recipe's own `extract` step."""

    text_field: str = "text"
    id_field: str = "id"
    max_record_bytes: int = MAX_RECORD_BYTES
    max_chars: int = 4_000_000
    max_lines: int = 100_000
    extract: bool = True

    def __post_init__(self) -> None:
        for name in ("max_record_bytes", "max_chars", "max_lines"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"reader: {name} must be an integer >= 1, got {value!r}")
        if not isinstance(self.extract, bool):
            raise ConfigError(f"reader: extract must be true or false, got {self.extract!r}")

    def within_bounds(self, docs: Iterable[Document]) -> Iterator[Document]:
        """`docs`, each rejected (`too-large`, `too-many-lines`, `not-text`) where it is out of
        these bounds; before any step, in every way of cleaning a document."""
        return within_bounds(docs, self.max_chars, self.max_lines)


@dataclass(frozen=True, kw_only=True)
class WriterOptions:
    """How results are written: `jsonl` or `parquet`, one shard per unit of work."""

    format: str = "jsonl"

    def __post_init__(self) -> None:
        if self.format not in WRITER_FORMATS:
            raise ConfigError(
                f"writer: format must be one of {', '.join(WRITER_FORMATS)}, got {self.format!r}"
            )


@dataclass(frozen=True, kw_only=True)
class Recipe:
    """An ordered list of steps with the reader and writer options around them."""

    steps: tuple[Step, ...]
    reader: ReaderOptions = field(default_factory=ReaderOptions)
    writer: WriterOptions = field(default_factory=WriterOptions)

    def __post_init__(self) -> None:
        corpus = [step.name for step in self.steps if isinstance(step, CorpusStep)]
        twice = sorted({name for name in corpus if corpus.count(name) > 1})
        if twice:
            raise ConfigError(
                f"recipe: the corpus step {', '.join(twice)} appears more than once; a corpus"
                " step's keys, decisions and saved state are kept under its name. Keep one"
            )

    def apply(
        self, docs: Iterable[Document], stats: Mapping[str, StepStats] | None = None
    ) -> Iterator[Document]:
        """Chain the steps lazily over `docs`, after the reader's bounds (a document out of them
        is rejected before any step); `stats`, keyed by step name, collects counts."""
        stream: Iterable[Document] = self.reader.within_bounds(docs)
        for step in self.steps:
            stream = step(stream, None if stats is None else stats[step.name])
        return iter(stream)

    def new_stats(self) -> dict[str, StepStats]:
        return {step.name: StepStats(step.name) for step in self.steps}

    def clean(self, doc: Document) -> Document:
        """Run one document through every step and return it (kept or rejected)."""
        return next(self.apply([doc]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "reader": dataclasses.asdict(self.reader),
            "writer": dataclasses.asdict(self.writer),
            "steps": [{"step": step.name, **step.params()} for step in self.steps],
        }

    def dumps(self) -> str:
        header = "# thresher recipe: edit the parameters, reorder or drop steps.\n"
        return header + yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recipe:
        if not isinstance(data, Mapping):
            raise ConfigError("recipe: expected a mapping at the top level")
        unknown = set(data) - {"version", "reader", "writer", "steps"}
        if unknown:
            raise ConfigError(f"recipe: unknown keys {sorted(unknown)}")
        if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
            raise ConfigError(f"recipe: version {data['version']!r} is not {FORMAT_VERSION}")
        steps = data.get("steps")
        if not isinstance(steps, list) or not steps:
            raise ConfigError("recipe: 'steps' must be a non-empty list")
        return cls(
            steps=tuple(_build_step(entry, n) for n, entry in enumerate(steps)),
            reader=_build_options(ReaderOptions, data.get("reader") or {}, "reader"),
            writer=_build_options(WriterOptions, data.get("writer") or {}, "writer"),
        )

    @classmethod
    def loads(cls, text: str) -> Recipe:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"recipe: not valid YAML: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> Recipe:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"recipe {path}: cannot read it: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"recipe {path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset"
                f" {exc.start}); save the file as UTF-8"
            ) from exc
        return cls.loads(text)

    @classmethod
    def named(cls, name: str) -> Recipe:
        """A built-in recipe by name (`thresher recipe --list` shows them)."""
        if name not in builtin_recipes():
            raise ConfigError(
                f"no built-in recipe {name!r}; built-in: {', '.join(builtin_recipes())}"
            )
        text = resources.files("thresher.recipes").joinpath(f"{name}.yaml").read_text("utf-8")
        return cls.loads(text)

    @classmethod
    def default(cls) -> Recipe:
        return cls.named("default")


def builtin_recipes() -> list[str]:
    folder = resources.files("thresher.recipes")
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _build_step(entry: Any, position: int) -> Step:
    where = f"recipe step {position + 1}"
    if not isinstance(entry, Mapping) or "step" not in entry:
        raise ConfigError(f"{where}: expected a mapping with a 'step' key, got {entry!r}")
    params = dict(entry)
    name = params.pop("step")
    cls = step_class(name) if isinstance(name, str) else None
    if cls is None:
        raise ConfigError(
            f"{where}: unknown step {name!r}; known steps: {', '.join(sorted(load_steps()))}"
        )
    _check_params(cls, params, f"{where} ({name})")
    return cls(**params)


def _build_options(cls: type[Any], params: Any, where: str) -> Any:
    if not isinstance(params, Mapping):
        raise ConfigError(f"recipe {where}: expected a mapping, got {params!r}")
    _check_params(cls, dict(params), f"recipe {where}")
    return cls(**params)


def _check_params(cls: type[Any], params: dict[str, Any], where: str) -> None:
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    for key, value in params.items():
        if key not in defaults:
            raise ConfigError(f"{where}: unknown parameter {key!r}; known: {', '.join(defaults)}")
        expected = type(defaults[key])
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            continue
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(
                f"{where}: parameter {key!r} must be {expected.__name__}, got {value!r}"
            )
