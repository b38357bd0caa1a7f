"""What a source component sees of the project it is in: the project's other sources, and the
resources the project binds itself.

Whatever spans all of a project's sources (the housekeeping job and its schedule, the shared
index and embedder) is added once, by one of them: the lead, the source whose id sorts first.
The shared resources are supplied only under keys the project leaves free, so a project brings
its own index or embedder by defining a resource of that key in a defs module (Dagster's
`defs/resources.py`), as it would for any resource; no source's YAML changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType

from dagster import ComponentLoadContext
from dagster.components.core.decl import ComponentDecl, PythonFileDecl
from dagster.components.core.defs_module import ComponentLoc

from s3_ingest.component.model import COMPONENT_NAME
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import source_id


@dataclass(frozen=True)
class Project:
    sources: list[Source]
    context: ComponentLoadContext | None

    def is_led_by(self, source: Source) -> bool:
        return source_id(source) == min(source_id(s) for s in self.sources)

    def bound_resource_keys(self) -> set[str]:
        """The keys the project's plain defs modules bind: built here through the component
        tree, which caches them for the project's own load (and marks the dependency)."""
        if self.context is None:
            return set()
        return {key for loc, decl in _decls(self.context)
                if isinstance(decl, PythonFileDecl) and not decl.decls
                for key in (self.context.build_defs(loc).resources or {})}


def project_of(context: ComponentLoadContext, source: Source, source_type: type) -> Project:
    """The project `source` is loaded in, counting every component of `source_type` (the
    caller's class: this module stays below the component that uses it); a source built
    outside a project (in Python, in a test) is a project of its own."""
    sources = [context.component_tree.load_component(loc).attributes
               for loc, decl in _decls(context)
               if _is_source_type(decl.component_type, source_type)]
    if source_id(source) not in {source_id(s) for s in sources}:
        return Project([source], None)
    _refuse_a_shared_name(source, sources)
    return Project(sources, context)


def _refuse_a_shared_name(source: Source, sources: list[Source]) -> None:
    """The index files documents by source name, and a project's sources share one index: two
    sources of one name would each take the other's documents for deleted ones. key_prefix
    keeps their Dagster names apart, not their documents (as in a sources file, one name per
    source)."""
    others = [s for s in sources if s.name == source.name and source_id(s) != source_id(source)]
    if others:
        where = "/".join([*others[0].key_prefix, others[0].name])
        raise ValueError(
            f"{COMPONENT_NAME}: source {source.name!r}: field 'name': another source of this "
            f"project ({where}) has this name; sources sharing an index need their own names "
            "(the index files documents by name) - rename one"
        )


def _is_source_type(component_type: object, source_type: type) -> bool:
    return isinstance(component_type, type) and issubclass(component_type, source_type)


def _decls(context: ComponentLoadContext) -> Iterator[tuple[ComponentLoc, ComponentDecl]]:
    tree = context.component_tree
    if not isinstance(tree.defs_module, ModuleType):  # a test's tree, with no defs folder
        return iter(())
    return tree.find_root_decl().iterate_loc_component_decl_pairs()
